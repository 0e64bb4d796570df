export * from './config.js';
export * from './daemon.js';
export * from './control.js';
