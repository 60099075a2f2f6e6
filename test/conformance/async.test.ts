import { executorSuite } from './suite.ts';

executorSuite('async', { clones: false, stopsRunning: false, perWorkerInit: false, parallel: true });
