export { FakeControlApi, type FakeControlOptions } from './fake-control.js';
export { FakeLogBook } from './fake-logs.js';
export { FakeEvents } from './fake-events.js';
