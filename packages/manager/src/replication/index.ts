export * from './codec.js';
export * from './state-machine.js';
export * from './proposer.js';
