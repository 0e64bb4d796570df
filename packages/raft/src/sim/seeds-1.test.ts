import { defineSeedSuite } from './seed-suite.js';

defineSeedSuite(0, 2);
