export * from './types.js';
export * from './core/memory-storage.js';
