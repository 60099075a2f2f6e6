/** What `conc io` prints: a URL's line, the failures (capped), the closing line, a partial report. */
import type { Mode } from '../executor.ts';
import type { DownloadResult } from '../http/download.ts';
import type { IoReport } from '../workloads/io-job.ts';
import { Capped } from './say.ts';
import type { StopSignal } from './signals.ts';
import { signalName } from './signals.ts';

/** Failures listed on stderr without --verbose; the rest are counted. */
const SHOWN_FAILURES = 10;

/** What was measured when a signal stopped the job: the results so far, the time so far. */
export interface PartialIoReport extends Omit<IoReport, 'workers'> {
  partial: true;
  /** URLs with a result (the others were stopped or never started). */
  done: number;
  interruptedBy: StopSignal;
}

/** The report of the `results` that came before the job was stopped, out of `count` URLs. */
export function partialReport(
  mode: Mode,
  count: number,
  results: DownloadResult[],
  seconds: number,
): Omit<PartialIoReport, 'interruptedBy'> {
  let ok = 0;
  let bytes = 0;
  for (const r of results) {
    if (r.error === undefined) ok++;
    bytes += r.bytes;
  }
  const failed = results.length - ok;
  return { job: 'io', mode, partial: true, count, done: results.length, ok, failed, bytes, seconds, results };
}

/** `--verbose`'s line for one URL (the caller makes it safe to print). */
export function reportLine(result: DownloadResult): string {
  return result.error === undefined
    ? `Read ${result.bytes} from ${result.url}`
    : `Failed ${result.url}: ${result.error}`;
}

/** The failed URLs on stderr: the first ten, then how many more. */
export function listFailures(results: readonly DownloadResult[]): void {
  const failures = new Capped(
    SHOWN_FAILURES,
    (more) => `conc: … and ${more} more failed (--verbose or --json lists all).`,
  );
  for (const r of results) if (r.error !== undefined) failures.say(`conc: failed ${r.url}: ${r.error}`);
  failures.end();
}

/** The article's closing line; with failures, how many of how many; stopped, what was not run. */
export function closingLine(report: IoReport | PartialIoReport): string {
  const seconds = report.seconds.toFixed(2);
  if ('partial' in report) {
    const failed = report.failed > 0 ? `${report.failed} failed; ` : '';
    return (
      `Downloaded ${report.ok} of ${report.count} sites in ${seconds} seconds ` +
      `(${failed}interrupted by ${signalName(report.interruptedBy)}: ${report.count - report.done} not downloaded)`
    );
  }
  if (report.failed === 0) return `Downloaded ${report.count} sites in ${seconds} seconds`;
  return `Downloaded ${report.ok} of ${report.count} sites in ${seconds} seconds (${report.failed} failed)`;
}

/**
 * Mode distributed's report as it ran: the downloads ran on `conc worker`s, each running as many at
 * once as its own --concurrency says, which this process cannot see. So `workers` is null (not the
 * client's count), `remote` says so, with the executor's stats() (the queue, the calls by task).
 */
export function remoteReport(report: IoReport): Record<string, unknown> {
  const { executor, ...rest } = report;
  const { workers: listening, ...stats } = executor ?? {};
  return {
    ...rest,
    workers: null,
    remote: {
      workersListening: listening ?? null,
      concurrency: 'set by each conc worker (--concurrency; 16 with --mode async)',
      ...stats,
    },
  };
}

/** The line mode distributed prints before the closing line: where the downloads ran, and what sets the speed. */
export function remoteLine(report: IoReport): string {
  const queue = typeof report.executor?.queue === 'string' ? ` "${report.executor.queue}"` : '';
  return `Ran on the conc workers of queue${queue}: each runs as many downloads at once as its --concurrency (conc worker --mode async: 16 at once, the fast way for I/O).`;
}
