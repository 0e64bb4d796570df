export * from './kinds.js';
export * from './ids.js';
export * from './proposer.js';
export * from './tx.js';
export * from './watch.js';
export * from './store.js';
export * from './wal-proposer.js';
export * from './testing.js';
