import { executorSuite } from './suite.ts';

// auto samples on the event loop before it chooses: a task that blocks the loop there cannot be stopped
// (stopsRunning false). It clones arguments and results in every phase, as a pool does. The initializer
// runs once on the event loop for the sample, then once in each thread if auto chooses threads.
executorSuite('auto', { clones: true, stopsRunning: false, perWorkerInit: true, parallel: true });
