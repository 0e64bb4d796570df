export * from './executor.js';
export * from './advance.js';
export * from './semaphore.js';
export * from './task-runner.js';
export * from './agent.js';
export * from './channel.js';
export * from './fake-executor.js';
export * from './requests.js';
