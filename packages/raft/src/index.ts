export * from './types.js';
export * from './core/memory-storage.js';
export * from './core/config.js';
export * from './core/raft-core.js';
export * from './core/confchange.js';
