/**
 * `conc io`: the article's I/O-bound job. With no URLs it downloads the embedded demo sites' two pages
 * × 80; otherwise the URLs given (arguments and/or --urls-file). A thin layer over runIoJob.
 */
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { AbortError } from '../errors.ts';
import type { Mode } from '../executor.ts';
import { MODES } from '../executor.ts';
import type { DownloadResult } from '../http/download.ts';
import { type IoJobOptions, type IoReport, runIoJob } from '../workloads/io-job.ts';
import {
  choiceOption,
  Exit,
  INTERRUPTED,
  intOption,
  printJson,
  stopOnCtrlC,
  UsageError,
  watchingAuto,
} from './shared.ts';
import { gatherUrls } from './urls.ts';

/** Failures listed on stderr without --verbose; the rest are counted. */
const SHOWN_FAILURES = 10;
interface IoFlags {
  urlsFile?: string;
  mode: Mode;
  workers?: number;
  repeat?: number;
  latency?: number;
  timeout?: number;
  retries?: number;
  maxBytes?: number;
  json?: boolean;
  verbose?: boolean;
  redis?: string;
  queue?: string;
}

export function registerIo(program: Command): void {
  program
    .command('io')
    .description(
      "The article's I/O-bound job: download URLs and time it. With no URLs, downloads the embedded demo sites (2 pages × 80).",
    )
    .argument('[urls...]', 'URLs to download (default: the embedded demo sites)')
    .option('--urls-file <file>', 'read URLs from a file: one a line, blank lines and # comments skipped')
    .option(
      '--mode <mode>',
      `how downloads run: ${MODES.join(' | ')}`,
      choiceOption('--mode', MODES),
      'async',
    )
    .option(
      '--workers <n>',
      'downloads at once (default: 5 threads, cores for processes, unlimited async)',
      intOption('--workers', 1),
    )
    .option(
      '--repeat <n>',
      'repeat the list n times (default: 80 for the demo sites, 1 for your URLs)',
      intOption('--repeat', 1),
    )
    .option(
      '--latency <ms>',
      'demo sites only: delay before each answer (default 50)',
      intOption('--latency', 0, 600_000),
    )
    .option('--timeout <ms>', 'per-attempt timeout (default 30000)', intOption('--timeout', 1))
    .option(
      '--retries <n>',
      'retries after connection errors, 429 and 5xx (default 2)',
      intOption('--retries', 0, 100),
    )
    .option(
      '--max-bytes <n>',
      'fail a URL whose body is larger (default: no limit)',
      intOption('--max-bytes', 1),
    )
    .option('--json', 'print one JSON document on stdout, nothing else')
    .option('--verbose', 'print "Read N from URL" for each URL')
    .option('--redis <url>', 'mode distributed: the Redis URL')
    .option('--queue <name>', 'mode distributed: the queue name (default conc)')
    .action(async (args: string[], flags: IoFlags) => {
      process.exitCode = await runIo(args, flags);
    });
}

async function runIo(args: string[], flags: IoFlags): Promise<number> {
  const reported = new Set<string>();
  const urls = await collectUrls(args, flags.urlsFile, reported);
  if (urls && flags.latency !== undefined) {
    throw new UsageError(
      '--latency applies to the embedded demo sites only; drop it, or drop the URLs to use the demo sites.',
    );
  }
  const bar = process.stderr.isTTY && !flags.json && !flags.verbose ? progressBar() : undefined;
  const total = (urls ?? ['jython', 'dice']).length * (flags.repeat ?? (urls ? 1 : 80));
  let done = 0;
  const controller = new AbortController();
  const options = jobOptions(flags, urls, controller.signal, (result) => {
    done++;
    if (flags.verbose) report(result);
    bar?.update(done);
  });
  bar?.start(total, 0);
  // each download in flight is cancelled (its task's signal aborts its request); the bar stops first
  const undoCtrlC = stopOnCtrlC(controller, () => {
    bar?.stop();
    process.stderr.write('conc: stopping the downloads (Ctrl-C again to quit at once)\n');
  });
  let outcome: IoReport;
  let auto: { line: string; json: Record<string, unknown> } | undefined;
  try {
    ({ result: outcome, auto } = await watchingAuto(flags.mode, () => runIoJob(options)));
  } catch (error) {
    if (!(controller.signal.aborted && error instanceof AbortError)) throw error;
    process.stderr.write(`conc: interrupted after ${done} of ${total} downloads; the others were stopped.\n`);
    return INTERRUPTED;
  } finally {
    bar?.stop();
    undoCtrlC();
  }
  if (flags.json) {
    printJson(auto ? { ...outcome, auto: auto.json } : outcome);
  } else {
    if (!flags.verbose) listFailures(outcome.results.filter((r) => !reported.has(r.url)));
    if (auto) process.stdout.write(`${auto.line}\n`);
    process.stdout.write(`${closingLine(outcome)}\n`);
  }
  return outcome.failed > 0 ? Exit.someFailed : Exit.ok;
}

/** runIoJob's options from the flags; `signal` is Ctrl-C's, `onResult` sees each URL in list order. */
function jobOptions(
  flags: IoFlags,
  urls: string[] | undefined,
  signal: AbortSignal,
  onResult: (result: DownloadResult) => void,
): IoJobOptions {
  return {
    mode: flags.mode,
    workers: flags.workers,
    urls,
    repeat: flags.repeat,
    latencyMs: flags.latency,
    timeoutMs: flags.timeout,
    retries: flags.retries,
    maxBytes: flags.maxBytes,
    redis: flags.redis,
    queue: flags.queue,
    signal,
    onProgress: (_done, _total, result) => onResult(result),
  };
}

/**
 * The URLs from the arguments and the file, or undefined for the demo sites. Bad ones are reported
 * here (by argument or line) and kept in the list, where they fail alone; `reported` collects them.
 */
function collectUrls(
  args: string[],
  file: string | undefined,
  reported: Set<string>,
): Promise<string[] | undefined> {
  return gatherUrls(args, file, {
    onBad(bad) {
      const where = 'argument' in bad ? `argument ${bad.argument}` : `${bad.file} line ${bad.line}`;
      process.stderr.write(`conc: ${where}: ${bad.error}\n`);
      reported.add(bad.text);
    },
    readErrors: { ENOENT: 'no such file', EISDIR: 'is a directory' },
    emptyHint: ' (blank lines and # comments are skipped)',
  });
}

function report(result: DownloadResult): void {
  if (result.error === undefined) process.stdout.write(`Read ${result.bytes} from ${result.url}\n`);
  else process.stdout.write(`Failed ${result.url}: ${result.error}\n`);
}

function listFailures(results: DownloadResult[]): void {
  const failed = results.filter((r) => r.error !== undefined);
  for (const r of failed.slice(0, SHOWN_FAILURES))
    process.stderr.write(`conc: failed ${r.url}: ${r.error}\n`);
  if (failed.length > SHOWN_FAILURES) {
    process.stderr.write(
      `conc: … and ${failed.length - SHOWN_FAILURES} more failed (--verbose or --json lists all).\n`,
    );
  }
}

/** The article's closing line; with failures, how many of how many. */
export function closingLine(report: IoReport): string {
  const seconds = report.seconds.toFixed(2);
  if (report.failed === 0) return `Downloaded ${report.count} sites in ${seconds} seconds`;
  return `Downloaded ${report.ok} of ${report.count} sites in ${seconds} seconds (${report.failed} failed)`;
}

function progressBar(): SingleBar {
  return new SingleBar({
    stream: process.stderr,
    format: 'downloading [{bar}] {value}/{total} {duration_formatted}',
    barCompleteChar: '#',
    barIncompleteChar: '.',
    hideCursor: true,
    clearOnComplete: true,
  });
}
