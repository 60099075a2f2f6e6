/**
 * What a `conc worker` did, as Prometheus metrics (prom-client) on a registry of its own — never the
 * global default, so two workers in one process keep apart — plus the same counters as plain numbers
 * for `worker.stats()`. Loaded with `import()` when a worker starts: nobody else pays for prom-client.
 *
 *   conc_worker_calls_total{task,result}      one per task call: completed · failed · cancelled · refused
 *   conc_worker_calls_retried_total{task}     calls of a job run here again after an interrupted run
 *   conc_worker_job_duration_seconds{task}    histogram: one job (one call, or a chunk's calls) here
 *   conc_worker_jobs_running · conc_worker_concurrency · conc_worker_ready · conc_worker_redis_up
 *   conc_worker_redis_reconnects_total        and Node's default process metrics
 *
 * Every series carries `queue`. A job names its task, and anyone who can write to the queue can name
 * any task: past MAX_TASK_LABELS distinct names, new ones are counted under task="other".
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** How a task call ended, for an operator: the first four of {@link TaskCounts}. */
export type CallResult = 'completed' | 'failed' | 'cancelled' | 'refused';

/** The counters of one task (`module-id#name`), the same on the worker and the caller side. */
export interface TaskCounts {
  completed: number;
  failed: number;
  cancelled: number;
  refused: number;
  retried: number;
}

/** What the gauges read when Prometheus scrapes. */
export interface LiveState {
  running: () => number;
  ready: () => boolean;
  redisUp: () => boolean;
}

const MAX_TASK_LABELS = 100;
const BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * One worker's metrics on a registry of its own, and the same counters as numbers.
 *
 * @example
 * const metrics = new WorkerMetrics('conc', 2, { running: () => 0, ready: () => true, redisUp: () => true });
 * metrics.ended('tasks#square', ['completed'], 0.004);
 * const { body } = await metrics.text();
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  readonly #calls: Counter<'task' | 'result'>;
  readonly #retried: Counter<'task'>;
  readonly #duration: Histogram<'task'>;
  readonly #reconnects: Counter;
  readonly #counts = new Map<string, TaskCounts>();

  constructor(queue: string, concurrency: number, live: LiveState) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ queue });
    collectDefaultMetrics({ register: this.registry });
    this.#calls = new Counter({
      name: 'conc_worker_calls_total',
      help: 'Task calls this worker ended, by task and result (completed, failed, cancelled, refused).',
      labelNames: ['task', 'result'],
      registers,
    });
    this.#retried = new Counter({
      name: 'conc_worker_calls_retried_total',
      help: 'Task calls of jobs this worker ran again after an interrupted run (a dead or stopped worker).',
      labelNames: ['task'],
      registers,
    });
    this.#duration = new Histogram({
      name: 'conc_worker_job_duration_seconds',
      help: 'Time this worker spent on one job (one call, or the calls of a chunk), by task.',
      labelNames: ['task'],
      buckets: BUCKETS,
      registers,
    });
    gauge(registers, 'conc_worker_jobs_running', 'Jobs running on this worker now.', live.running);
    gauge(registers, 'conc_worker_concurrency', 'Jobs this worker runs at once at most.', () => concurrency);
    gauge(registers, 'conc_worker_ready', '1 while connected to Redis and taking jobs.', live.ready);
    gauge(registers, 'conc_worker_redis_up', '1 while Redis answers this worker.', live.redisUp);
    this.#reconnects = new Counter({
      name: 'conc_worker_redis_reconnects_total',
      help: 'Times the connection to Redis came back after Redis had been unreachable.',
      registers,
    });
  }

  /** The connection to Redis is back after an outage. */
  reconnected(): void {
    this.#reconnects.inc();
  }

  /** The Prometheus text exposition of every metric, and its content type. */
  async text(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }

  /** A job of `task` started here; `rerun`: it had started somewhere before. */
  started(task: string, calls: number, rerun: boolean): void {
    if (!rerun) return;
    const label = this.#label(task);
    this.#retried.inc({ task: label }, calls);
    this.#count(label).retried += calls;
  }

  /** A job of `task` ended after `seconds`, its calls with these results. */
  ended(task: string, results: readonly CallResult[], seconds: number): void {
    const label = this.#label(task);
    const counts = this.#count(label);
    for (const result of results) {
      this.#calls.inc({ task: label, result });
      counts[result]++;
    }
    this.#duration.observe({ task: label }, seconds);
  }

  /** The counters by task, as plain numbers. */
  counts(): Record<string, TaskCounts> {
    return Object.fromEntries([...this.#counts].map(([task, counts]) => [task, { ...counts }]));
  }

  #label(task: string): string {
    return this.#counts.has(task) || this.#counts.size < MAX_TASK_LABELS ? task : 'other';
  }

  #count(label: string): TaskCounts {
    let counts = this.#counts.get(label);
    if (!counts) {
      counts = { completed: 0, failed: 0, cancelled: 0, refused: 0, retried: 0 };
      this.#counts.set(label, counts);
    }
    return counts;
  }
}

/** A gauge read at scrape time. */
function gauge(registers: Registry[], name: string, help: string, read: () => number | boolean): void {
  new Gauge({
    name,
    help,
    registers,
    collect() {
      this.set(Number(read()));
    },
  });
}
