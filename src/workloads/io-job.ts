/**
 * The article's I/O-bound job, run in any mode: download a list of URLs (by default the embedded demo
 * sites' two pages × 80) with `initSession` as the initializer and `downloadSite` mapped over the list.
 * `conc io` and the lab's `conc compare` are thin layers over {@link runIoJob}.
 */
import { randomUUID } from 'node:crypto';
import { InvalidOptionsError } from '../errors.ts';
import { createExecutor, type Executor, type ExecutorStats, type Mode } from '../executor.ts';
import type { DownloadResult } from '../http/download.ts';
import { type ResolvedSessionOptions, resolveSessionOptions, type SessionOptions } from '../http/options.ts';
import { show } from '../util/show.ts';
import { releaseSession, tasks } from './io.ts';
import { type Sites, startSites } from './sites.ts';

export interface IoJobOptions {
  mode: Mode;
  /** Downloads at once. Default: 1 sync, 5 threads (as the article), cores for processes, unlimited async. */
  workers?: number | undefined;
  /** URLs to download. Default: start the embedded demo sites and use the article's list. */
  urls?: string[] | undefined;
  /** How many times the list is repeated. Default: 80 for the embedded sites' two pages, 1 for `urls`. */
  repeat?: number | undefined;
  /** Embedded sites only: delay before each answer (ms). Default 50. */
  latencyMs?: number | undefined;
  /** Per-attempt timeout (ms). Default 30 000. */
  timeoutMs?: number | undefined;
  /** Retries after connection errors, 429 and 5xx. Default 2. */
  retries?: number | undefined;
  /** Largest body accepted (bytes). Default: no limit. */
  maxBytes?: number | undefined;
  /** Mode distributed: Redis URL and queue name. */
  redis?: string | undefined;
  queue?: string | undefined;
  /** Stops the job: queued downloads never start, the call rejects with AbortError. */
  signal?: AbortSignal | undefined;
  /** Called after each URL, in list order. */
  onProgress?: ((done: number, total: number, result: DownloadResult) => void) | undefined;
}

/** The job's outcome; DESIGN.md's io JSON document. */
export interface IoReport {
  job: 'io';
  mode: Mode;
  /** Downloads that could run at once (unlimited async: the number of URLs). */
  workers: number;
  count: number;
  ok: number;
  failed: number;
  /** Body bytes received in total. */
  bytes: number;
  /** Wall time from creating the executor to closing it (worker start-up included, as in the article). */
  seconds: number;
  /** One per URL, in list order. */
  results: DownloadResult[];
  /** Mode distributed: the executor's stats() at the end (how many downloads ran where is the workers'). */
  executor?: ExecutorStats;
}

const DEFAULT_WORKERS: Partial<Record<Mode, number>> = { threads: 5 };

/**
 * Runs the I/O-bound job and reports every URL's result; a URL that fails never fails the job.
 *
 * @example
 * const report = await runIoJob({ mode: 'threads' });   // embedded sites, 160 URLs, 5 threads
 * console.log(`Downloaded ${report.count} sites in ${report.seconds.toFixed(2)} seconds`);
 */
export async function runIoJob(options: IoJobOptions): Promise<IoReport> {
  const { urls, signal, onProgress } = options;
  if (urls !== undefined && !(Array.isArray(urls) && urls.every((u) => typeof u === 'string'))) {
    throw new InvalidOptionsError(`runIoJob: urls must be an array of strings; got ${show(urls)}.`);
  }
  if (urls !== undefined && options.latencyMs !== undefined) {
    throw new InvalidOptionsError(
      'runIoJob: latencyMs applies to the embedded demo sites only; leave it out when giving urls.',
    );
  }
  const repeat = options.repeat ?? (urls ? 1 : 80);
  if (!(Number.isInteger(repeat) && repeat >= 1)) {
    throw new InvalidOptionsError(`runIoJob: repeat must be an integer ≥ 1; got ${show(repeat)}.`);
  }
  const sessionOptions: SessionOptions = {};
  if (options.timeoutMs !== undefined) sessionOptions.timeoutMs = options.timeoutMs;
  if (options.retries !== undefined) sessionOptions.retries = options.retries;
  if (options.maxBytes !== undefined) sessionOptions.maxBytes = options.maxBytes;
  // no more connections per host than downloads in flight: undici would otherwise open a spare one
  // for a request sent the instant a body ends, before that connection is marked free
  const width = options.workers ?? DEFAULT_WORKERS[options.mode];
  if (options.mode === 'async' && width !== undefined && Number.isFinite(width)) {
    sessionOptions.connectionsPerHost = width;
  }
  const resolved = resolveSessionOptions(sessionOptions); // fail here, not once per worker
  signal?.throwIfAborted();

  let sites: Sites | undefined;
  try {
    if (!urls) sites = await startSites({ latencyMs: options.latencyMs });
    const list = sites ? sites.articleUrls(repeat) : repeatList(urls!, repeat);
    return await download(options, list, sessionOptions, longestUrlMs(resolved), signal, onProgress);
  } finally {
    await sites?.close();
  }
}

async function download(
  options: IoJobOptions,
  list: string[],
  sessionOptions: SessionOptions,
  boundMs: number,
  signal: AbortSignal | undefined,
  onProgress: IoJobOptions['onProgress'],
): Promise<IoReport> {
  const holder = `io-job-${randomUUID()}`;
  const results: DownloadResult[] = [];
  const started = performance.now();
  const ex = jobExecutor(options, sessionOptions, boundMs, holder);
  let finished = false;
  let seconds = 0;
  try {
    for await (const outcome of ex.imap(tasks.downloadSite, list, { settle: true, signal })) {
      const url = list[results.length]!;
      const result = outcome.status === 'fulfilled' ? outcome.value : lost(url, outcome.reason);
      results.push(result);
      onProgress?.(results.length, list.length, result);
    }
    finished = true;
  } finally {
    try {
      await ex.close({ cancel: !finished }); // pools: workers exit (timed, as the article's pool shutdown)
      seconds = (performance.now() - started) / 1000;
    } finally {
      // sync/async: this thread's session. Closing idle keep-alive sockets is cleanup, not download time.
      await releaseSession(holder, !finished);
    }
  }
  const workers = Number.isFinite(ex.workers) ? ex.workers : list.length;
  const report = ioReport(options.mode, workers, list.length, results, seconds);
  return options.mode === 'distributed' ? { ...report, executor: ex.stats() } : report;
}

/** The executor of the job's mode, each worker with a download session (`holder` names this thread's). */
function jobExecutor(
  options: IoJobOptions,
  sessionOptions: SessionOptions,
  boundMs: number,
  holder: string,
): Executor {
  return createExecutor({
    mode: options.mode,
    workers: options.workers ?? DEFAULT_WORKERS[options.mode],
    initializer: tasks.initSession,
    // the holder matters where the session lives in this thread; remote workers key their executors by
    // initializer arguments, so a distributed job names none and reuses the worker's session
    initArgs: options.mode === 'distributed' ? [sessionOptions] : [sessionOptions, holder],
    // a download bounds itself, but a remote one may never start (no worker) or never report (worker
    // lost): the distributed backend needs a task timeout to say so instead of waiting forever
    ...(options.mode === 'distributed' && { taskTimeoutMs: boundMs }),
    ...(options.redis !== undefined && { redis: options.redis }),
    ...(options.queue !== undefined && { queue: options.queue }),
  });
}

/** The report of a finished job of `count` URLs: its results (one per URL, in list order) counted up. */
function ioReport(
  mode: Mode,
  workers: number,
  count: number,
  results: DownloadResult[],
  seconds: number,
): IoReport {
  let ok = 0;
  let bytes = 0;
  for (const r of results) {
    if (r.error === undefined) ok++;
    bytes += r.bytes;
  }
  return {
    job: 'io',
    mode,
    workers,
    count,
    ok,
    failed: count - ok,
    bytes,
    seconds,
    results,
  };
}

/** The longest one URL can take: every attempt timing out, every retry waiting the most, plus a margin. */
function longestUrlMs(o: ResolvedSessionOptions): number {
  return o.timeoutMs * (o.retries + 1) + o.maxRetryDelayMs * o.retries + 5_000;
}

/** A URL whose task did not return a result (its worker died, the initializer failed…). */
function lost(url: string, reason: unknown): DownloadResult {
  const message = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
  return { url, status: 0, bytes: 0, ms: 0, attempts: 0, error: message };
}

function repeatList(urls: string[], repeat: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < repeat; i++) out.push(...urls);
  return out;
}
