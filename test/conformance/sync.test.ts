import { executorSuite } from './suite.ts';

executorSuite('sync', { clones: false, stopsRunning: false, perWorkerInit: false, parallel: false });
