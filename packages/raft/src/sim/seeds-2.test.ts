import { defineSeedSuite } from './seed-suite.js';

defineSeedSuite(1, 2);
