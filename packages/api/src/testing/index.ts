export { FakeControlApi, type FakeControlOptions } from './fake-control.js';
