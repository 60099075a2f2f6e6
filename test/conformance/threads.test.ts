import { executorSuite } from './suite.ts';

executorSuite('threads', { clones: true, stopsRunning: true, perWorkerInit: true, parallel: true });
