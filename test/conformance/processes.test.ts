import { executorSuite } from './suite.ts';

executorSuite('processes', { clones: true, stopsRunning: true, perWorkerInit: true, parallel: true });
