export * from './plan.js';
export * from './data-plane.js';
