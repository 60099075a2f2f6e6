/**
 * `conc io`: the article's I/O-bound job. With no URLs it downloads the embedded demo sites' two pages
 * × 80; otherwise the URLs given (arguments and/or --urls-file). A thin layer over runIoJob.
 */
import { type Command, Option } from 'commander';
import { AbortError } from '../errors.ts';
import type { Mode } from '../executor.ts';
import { MODES } from '../executor.ts';
import type { DownloadResult } from '../http/download.ts';
import { showUrl } from '../http/url.ts';
import { progressBar } from '../lab/progress.ts';
import { type IoJobOptions, type IoReport, runIoJob } from '../workloads/io-job.ts';
import {
  closingLine,
  listFailures,
  type PartialIoReport,
  partialReport,
  remoteLine,
  remoteReport,
  reportLine,
} from './io-output.ts';
import { Capped, sayOut } from './say.ts';
import {
  choiceOption,
  Exit,
  intOption,
  MAX_ITEMS,
  MAX_TIMER_MS,
  MAX_WORKERS,
  option,
  printJson,
  UsageError,
  watchingAuto,
} from './shared.ts';
import { againHint, stopOnSignals } from './signals.ts';
import { gatherUrls } from './urls.ts';

export { closingLine } from './io-output.ts';

/** Bad URLs named on stderr; the rest are counted. */
const SHOWN_BAD = 10;
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
    .addOption(
      new Option('--mode <mode>', `how downloads run: ${MODES.join(' | ')}`)
        .argParser(choiceOption('--mode', MODES))
        .default(
          'async',
          'async — downloads mostly wait, so one thread keeps them all in flight; see conc compare',
        ),
    )
    .addOption(
      option(
        '--workers <n>',
        'downloads at once',
        intOption('--workers', 1, MAX_WORKERS),
        '5 threads, cores for processes, unlimited async',
      ),
    )
    .addOption(
      option(
        '--repeat <n>',
        'repeat the list n times',
        intOption('--repeat', 1, MAX_ITEMS),
        '80 for the demo sites, 1 for your URLs',
      ),
    )
    .addOption(
      option(
        '--latency <ms>',
        'demo sites only: delay before each answer',
        intOption('--latency', 0, 600_000),
        '50',
      ),
    )
    .addOption(
      option('--timeout <ms>', 'per-attempt timeout', intOption('--timeout', 1, MAX_TIMER_MS), '30000'),
    )
    .addOption(
      option(
        '--retries <n>',
        'retries after connection errors, 429 and 5xx',
        intOption('--retries', 0, 100),
        '2',
      ),
    )
    .addOption(
      option('--max-bytes <n>', 'fail a URL whose body is larger', intOption('--max-bytes', 1), 'no limit'),
    )
    .option('--json', 'print one JSON document on stdout, nothing else')
    .option('--verbose', 'print "Read N from URL" for each URL')
    .option('--redis <url>', 'mode distributed: the Redis URL')
    .addOption(option('--queue <name>', 'mode distributed: the queue name', undefined, 'conc'))
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
  const total = (urls ?? ['jython', 'dice']).length * (flags.repeat ?? (urls ? 1 : 80));
  if (total > MAX_ITEMS) {
    throw new UsageError(
      `${urls ? `${urls.length} URLs` : "the demo sites' 2 pages"} × --repeat ${flags.repeat} is ${total} downloads, more than the ${MAX_ITEMS} one run may make; lower --repeat.`,
    );
  }
  const bar = flags.json || flags.verbose ? undefined : progressBar('downloading');
  const results: DownloadResult[] = [];
  const started = performance.now();
  // each download in flight is cancelled (its task's signal aborts its request); the bar stops first
  const stopping = stopOnSignals((by) => {
    bar?.stop();
    process.stderr.write(`conc: stopping the downloads ${againHint(by)}\n`);
  });
  const options = jobOptions(flags, urls, stopping.signal, (result) => {
    results.push(result);
    if (flags.verbose) sayOut(reportLine(result));
    bar?.advance(results.length, total);
  });
  bar?.advance(0, total);
  let outcome: IoReport;
  let auto: { line: string; json: Record<string, unknown> } | undefined;
  try {
    ({ result: outcome, auto } = await watchingAuto(flags.mode, () => runIoJob(options)));
  } catch (error) {
    if (!(stopping.signal.aborted && error instanceof AbortError)) throw error;
    // what was measured before the signal: the results so far, the time so far
    const partial = partialReport(flags.mode, total, results, (performance.now() - started) / 1000);
    printOutcome({ ...partial, interruptedBy: stopping.by! }, undefined, flags, reported);
    return stopping.exitCode!;
  } finally {
    bar?.stop();
    stopping.undo();
  }
  printOutcome(outcome, auto, flags, reported);
  return outcome.failed > 0 ? Exit.someFailed : Exit.ok;
}

/** The JSON document, or the failures (not already reported) on stderr and the closing line. */
function printOutcome(
  outcome: IoReport | PartialIoReport,
  auto: { line: string; json: Record<string, unknown> } | undefined,
  flags: IoFlags,
  reported: Set<string>,
): void {
  const remote = flags.mode === 'distributed' && !('partial' in outcome) ? outcome : undefined;
  if (flags.json) {
    const doc = remote ? remoteReport(remote) : outcome;
    printJson(auto ? { ...doc, auto: auto.json } : doc);
  } else {
    if (!flags.verbose) listFailures(outcome.results.filter((r) => !reported.has(r.url)));
    if (auto) process.stdout.write(`${auto.line}\n`);
    if (remote) sayOut(remoteLine(remote));
    process.stdout.write(`${closingLine(outcome)}\n`);
  }
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
async function collectUrls(
  args: string[],
  file: string | undefined,
  reported: Set<string>,
): Promise<string[] | undefined> {
  const bad = new Capped(
    SHOWN_BAD,
    (n) => `conc: … and ${n} more bad URLs (each fails alone; --json lists all).`,
  );
  const urls = await gatherUrls(args, file, {
    onBad(b) {
      const where = 'argument' in b ? `argument ${b.argument}` : `${b.file} line ${b.line}`;
      bad.say(`conc: ${where}: ${b.error}`);
      reported.add(showUrl(b.text));
    },
    readErrors: { ENOENT: 'no such file', EISDIR: 'is a directory' },
    emptyHint: ' (blank lines and # comments are skipped)',
  });
  bad.end();
  return urls;
}
