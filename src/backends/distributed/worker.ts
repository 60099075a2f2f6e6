/**
 * The worker side of mode 'distributed': a BullMQ Worker that runs registered tasks only.
 *
 *   Redis queue ─▶ BullMQ Worker (concurrency N, lock renewal, stalled-job recovery)
 *                      │ job "module-id#task" → allow-list → module URL (never a path from the job)
 *                      ▼
 *                  local conc executor (threads by default: CPU tasks leave the event loop free to renew
 *                  locks; timeouts and cancels can stop a running task) ─▶ result / failure as data
 *
 * Per-worker initializer: each distinct initializer named by jobs gets its own local executor, which
 * runs it once per local worker (thread or process; once in all in mode async) before its first task.
 */
import { availableParallelism, hostname } from 'node:os';
import type { Job as BullJob, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  AbortError,
  InitializerError,
  InvalidOptionsError,
  TaskArgumentError,
  TaskError,
  TaskNotFoundError,
  TaskTimeoutError,
  WorkerCrashedError,
} from '../../errors.ts';
import { createExecutor } from '../../executor.ts';
import { toWireError } from '../../internal/error-wire.ts';
import { type TaskRef, taskRef } from '../../tasks.ts';
import { type AllowListOptions, buildAllowList } from './allow-list.ts';
import {
  bullConnection,
  checkQueueName,
  checkRedisUrl,
  openRedis,
  probeRedis,
  redact,
  scrub,
} from './redis.ts';
import { type Runner, Runners } from './runners.ts';
import {
  type BatchItem,
  cancelChannel,
  decode,
  encode,
  type FailStatus,
  failureText,
  type JobData,
  parseJobName,
  RETRYABLE,
} from './wire.ts';

export interface WorkerOptions extends AllowListOptions {
  redis: string;
  /** Default 'conc'. */
  queue?: string | undefined;
  /** Jobs this worker runs at once. Default: `workers` (threads, processes) or 16 (async). */
  concurrency?: number | undefined;
  /**
   * Where each job runs in this process. Default 'threads': CPU-bound tasks leave the event loop free,
   * and a timeout or a cancel stops a running task. 'async' (I/O-bound tasks, least overhead): a
   * timed-out or cancelled task is abandoned — it finishes in the background, its result dropped.
   */
  mode?: 'threads' | 'processes' | 'async' | undefined;
  /** Threads or processes of the local pool. Default: min(concurrency, cores), or cores. */
  workers?: number | undefined;
  /** How soon a dead worker's job is re-run elsewhere (lock duration, ms). Default 5000. */
  stallMs?: number | undefined;
  /** Where the worker reports refusals and connection trouble. Default: stderr. */
  log?: ((line: string) => void) | undefined;
}

export interface DistributedWorker {
  readonly queue: string;
  readonly concurrency: number;
  /** Where jobs run in this process. */
  readonly mode: 'threads' | 'processes' | 'async';
  /** Module id → module URL of every task module this worker runs. */
  readonly modules: ReadonlyMap<string, string>;
  /** Stops taking jobs; finishes running ones first unless `force`. */
  close(options?: { force?: boolean }): Promise<void>;
}

/** Local executors (initializer configurations) a worker keeps at most. */
const MAX_INITIALIZERS = 8;

/**
 * Starts a worker on `queue` at `redis`. Resolves once it listens; rejects with a clear error when
 * Redis is unreachable or a task module cannot be loaded.
 *
 * @example
 * const worker = await startWorker({ redis: 'redis://127.0.0.1:6379', tasks: ['./tasks.ts'] });
 * // … later
 * await worker.close();
 */
export async function startWorker(options: WorkerOptions): Promise<DistributedWorker> {
  const url = checkRedisUrl(options.redis, 'conc worker');
  const queue = checkQueueName(options.queue ?? 'conc', 'conc worker');
  const mode = options.mode ?? 'threads';
  if (!['threads', 'processes', 'async'].includes(mode)) {
    throw new InvalidOptionsError(
      `conc worker: mode must be threads, processes or async; got ${JSON.stringify(mode)}.`,
    );
  }
  const cores = availableParallelism();
  const concurrency = options.concurrency ?? (mode === 'async' ? 16 : (options.workers ?? cores));
  const poolSize = options.workers ?? Math.min(concurrency, cores);
  for (const [name, value] of [
    ['concurrency', concurrency],
    ['workers', poolSize],
    ['stallMs', options.stallMs ?? 5000],
  ] as const) {
    if (!Number.isInteger(value) || value < 1)
      throw new InvalidOptionsError(`conc worker: ${name} must be an integer ≥ 1; got ${value}.`);
  }
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const modules = await buildAllowList(options);
  await probeRedis(url);
  const bull = await import('bullmq');
  const host = `${hostname()}:${process.pid}`;
  const runners = new Runners(MAX_INITIALIZERS);
  const refs = new Map<string, TaskRef>();

  /** The local executor for the job's initializer configuration (none: the plain one). */
  const runnerFor = (data: JobData): Runner => {
    const key = data.i === undefined ? '' : `${data.i}\u0000${data.ia ?? ''}`;
    const runner = runners.acquire(key, () => {
      const initializer = data.i === undefined ? undefined : resolveRef(data.i);
      const initArgs =
        data.i === undefined
          ? []
          : (decodeOrRefuse(data.ia ?? encode([]), 'initializer arguments') as unknown[]);
      return createExecutor({
        mode,
        workers: mode === 'async' ? concurrency : poolSize,
        initializer,
        initArgs,
      });
    });
    if (!runner) {
      throw failure(
        'refused',
        new Error(
          `conc worker ${host} is busy with ${MAX_INITIALIZERS} other initializer configurations; try again later`,
        ),
      );
    }
    return runner;
  };

  const resolveRef = (name: string): TaskRef => {
    const known = refs.get(name);
    if (known) return known;
    const parsed = parseJobName(name);
    const moduleUrl = parsed && modules.get(parsed.id);
    if (!parsed || moduleUrl === undefined) {
      const what = parsed
        ? `Task module "${parsed.id}" (task "${parsed.task}")`
        : `Job name "${name.slice(0, 100)}"`;
      throw failure(
        'refused',
        new TaskNotFoundError(
          `${what} not found among the task modules of conc worker ${host}: it runs only ${[...modules.keys()].join(', ') || 'none'}. ` +
            'Start the worker with --tasks <module file> to allow more.',
        ),
      );
    }
    const ref = taskRef(moduleUrl, parsed.task);
    if (refs.size >= 10_000) refs.clear();
    refs.set(name, ref);
    return ref;
  };

  const run = async (job: BullJob, signal: AbortSignal | undefined): Promise<string> => {
    const ref = resolveRef(job.name);
    const data = job.data as JobData;
    if (typeof data?.a !== 'string')
      throw failure('clone', new Error('the job has no conc arguments; was it added by conc?'));
    const args = decodeOrRefuse(data.a, 'arguments');
    const timeoutOk =
      data.t === undefined || (typeof data.t === 'number' && data.t > 0 && Number.isFinite(data.t));
    if (!Array.isArray(args) || !timeoutOk) {
      throw failure(
        'clone',
        new Error('the job data is malformed (arguments or timeout); was it added by conc?'),
      );
    }
    const runner = runnerFor(data);
    const ex = runner.ex;
    const options = signal || data.t !== undefined ? { signal, timeoutMs: data.t } : undefined;
    try {
      if (data.b !== 1) return encodeResult(await ex.run(ref, args, options));
      const settled = await Promise.allSettled(
        (args as unknown[][]).map((item) => ex.run(ref, item, options)),
      );
      const items = settled.map((r): BatchItem => {
        if (r.status === 'fulfilled') return ['ok', r.value];
        const [status, error] = classify(r.reason);
        if (!RETRYABLE.has(status) && status !== 'clone') throw r.reason; // the whole job fails: init, refused, aborted
        return [status, toWireError(error)];
      });
      return encodeResult(items);
    } catch (error) {
      if (error instanceof InitializerError) runners.markBroken(runner);
      if (error instanceof FailureError) throw error;
      const [status, detail] = classify(error);
      throw failure(status, detail);
    } finally {
      runners.release(runner);
    }
  };

  const failure = (status: FailStatus, error: unknown): Error => {
    const text = failureText(status, toWireError(error));
    return RETRYABLE.has(status) ? new FailureError(text) : new bull.UnrecoverableError(text);
  };

  const stallMs = options.stallMs ?? 5000;
  // A cancel can stop a task only on a thread or process of its own. In mode async it could only be
  // abandoned, so no AbortSignal is made per job: it costs more than a tiny task (~25 µs in Node 20).
  const processor =
    mode === 'async'
      ? (job: BullJob) => run(job, undefined)
      : (job: BullJob, _token?: string, signal?: AbortSignal) => run(job, signal);
  const worker: Worker = new bull.Worker(queue, processor, {
    connection: bullConnection(url),
    concurrency,
    name: host,
    lockDuration: stallMs,
    stalledInterval: Math.max(500, Math.floor(stallMs / 2)),
    maxStalledCount: 2,
  });
  worker.on('error', (error) => log(`conc worker: ${scrub(error.message, url)}`));
  worker.on('failed', (job, error) => {
    if (job && error?.name === 'UnrecoverableError' && error.message.includes('[conc:refused:')) {
      log(`conc worker: refused job ${job.id} "${job.name}": ${error.message.replace(/ \[conc:.*$/, '')}`);
    }
  });
  let subscriber: Redis | undefined;
  try {
    await worker.waitUntilReady();
    subscriber = await openRedis(url);
    subscriber.on('error', () => {});
    subscriber.on('message', (_channel: string, text: string) => {
      for (const id of text.split(' ')) worker.cancelJob(id, 'cancelled by the caller');
    });
    await subscriber.subscribe(cancelChannel(worker.opts.prefix ?? 'bull', queue));
  } catch (error) {
    await worker.close(true).catch(() => {});
    subscriber?.disconnect();
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    queue,
    concurrency,
    mode,
    modules,
    close({ force = false } = {}) {
      if (closing && !force) return closing;
      closing = (async () => {
        const stopped = force ? runners.close(true) : undefined;
        // A forced close does not wait for Redis either: if it is gone, drop the connections.
        if (!force) await worker.close();
        else if (!(await settlesWithin(worker.close(true), 5_000)))
          await settlesWithin(worker.disconnect(), 1_000);
        await (stopped ?? runners.close(false));
        subscriber?.disconnect();
      })();
      return closing;
    },
  };

  function decodeOrRefuse(text: string, what: string): unknown {
    try {
      return decode(text);
    } catch (error) {
      throw failure(
        'clone',
        new TaskArgumentError(
          `conc worker ${host} could not read the job's ${what}: ${(error as Error).message}`,
        ),
      );
    }
  }

  function encodeResult(value: unknown): string {
    try {
      return encode(value);
    } catch (error) {
      throw failure(
        'clone',
        new TaskArgumentError(
          `The result cannot be sent back from conc worker ${host}: ${(error as Error).message}. ` +
            'Return structured-cloneable values (plain objects, arrays, BigInt, Map, typed arrays).',
        ),
      );
    }
  }
}

/** Waits for `promise` at most `ms`; true when it settled in time. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const done = await Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]);
  clearTimeout(timer);
  return done;
}

/** A retryable failure already in conc's format. */
class FailureError extends Error {
  override name = 'ConcTaskFailure';
}

/** What a local executor's error means for the caller, and the error to send (a TaskError's cause). */
function classify(error: unknown): [FailStatus, unknown] {
  if (error instanceof TaskError) return ['threw', error.cause];
  if (error instanceof TaskTimeoutError) return ['timeout', error];
  if (error instanceof WorkerCrashedError) return ['crashed', error];
  if (error instanceof TaskNotFoundError) return ['refused', error];
  if (error instanceof InitializerError) return ['init', error];
  if (error instanceof TaskArgumentError || error instanceof InvalidOptionsError) return ['clone', error];
  if (error instanceof AbortError) return ['aborted', error];
  return ['threw', error];
}

/** The worker's banner: where it listens (password masked), how, and which task modules it runs. */
export function describeWorker(worker: DistributedWorker, url: string): string {
  const tasks = [...worker.modules.keys()].join(', ') || 'none';
  return `conc worker: queue "${worker.queue}" at ${redact(url)}, ${worker.concurrency} jobs at once (${worker.mode}), tasks: ${tasks}`;
}
