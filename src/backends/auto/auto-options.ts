/** What `auto` takes beyond the executor's options (tests and benchmarks tune these), and what it tracks per job. */
import type { Backend } from '../../core/backend.ts';
import type { Job } from '../../core/job.ts';
import type { ResolvedOptions } from '../../options.ts';
import type { ProbeClocks } from './classifier.ts';
import type { LimiterOptions } from './limiter.ts';

export interface AutoOptions extends ResolvedOptions {
  /** Tuning of the adaptive width for I/O-bound work. */
  limiter?: LimiterOptions | undefined;
  /** Shortest sample before a verdict, ms. Default 10. */
  minSampleMs?: number | undefined;
  /** Where the probes read CPU time, wall time and loop utilization (tests inject fixed figures). */
  clocks?: ProbeClocks | undefined;
  /** Shortest window of the monitor that re-decides mid-stream, ms. Default 250. */
  monitorWindowMs?: number | undefined;
}

/** A job handed on: the inner job, where it runs, when it started, and (threads) the message it went in. */
export interface Flight {
  inner: Job;
  backend: Backend;
  startedAt: number;
  unit: { left: number } | undefined;
}
