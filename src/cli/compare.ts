/**
 * `conc compare`: runs the I/O job and the CPU job in every mode, prints one table per job and the
 * recommendation, and writes report.html + report.json. Ctrl-C stops cleanly: the running job closes
 * its workers and servers, and what was measured so far is printed and written.
 */
import type { Command } from 'commander';
import type { Mode } from '../executor.ts';
import { MODES } from '../executor.ts';
import {
  ARTICLE_CPU_START,
  type Comparison,
  type ComparisonOptions,
  DEFAULT_CPU_COUNT,
  DEFAULT_CPU_START,
  DEFAULT_LATENCY_MS,
  runComparison,
} from '../lab/compare.ts';
import type { JobName } from '../lab/experiment.ts';
import { loadTarget, ProfileInputError, parseArgLists } from '../lab/profile.ts';
import { createProgress } from '../lab/progress.ts';
import { output } from './compare-output.ts';
import { checkWritable } from './out-dir.ts';
import {
  choiceOption,
  Exit,
  intOption,
  MAX_ITEMS,
  MAX_TIMER_MS,
  option,
  textOption,
  UsageError,
} from './shared.ts';
import { againHint, stopOnSignals } from './signals.ts';
import { gatherUrls } from './urls.ts';

const LOCAL_MODES: readonly Mode[] = ['sync', 'async', 'threads', 'processes', 'auto'];
/** Longest one call of --task may take unless told otherwise (ms). */
export const DEFAULT_TASK_TIMEOUT_MS = 60_000;
/** Most runs per mode: each runs every job once more. */
const MAX_RUNS = 100;
const PYTHON_HELP =
  "also run the article's seven Python programs beside their modes (the I/O ones need requests and aiohttp)";
interface CompareFlags {
  urlsFile?: string;
  job?: 'io' | 'cpu' | 'both';
  task?: string;
  args?: string[];
  modes?: Mode[];
  runs: number;
  taskTimeout: number;
  latency?: number;
  repeat?: number;
  start?: number;
  count?: number;
  out: string;
  json?: boolean;
  redis?: string;
  queue?: string;
  python?: string | true;
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description(
      'Run the I/O job and the CPU job in every mode, compare, recommend; writes report.html and report.json.',
    )
    .argument('[urls...]', 'I/O job: your URLs instead of the embedded demo sites')
    .option('--urls-file <file>', 'I/O job: read your URLs from a file (one a line, # comments)')
    .addOption(
      option(
        '--job <job>',
        "which of the article's jobs: io | cpu | both",
        choiceOption('--job', ['io', 'cpu', 'both'] as const),
        'both; none with --task',
      ),
    )
    .option('--task <target>', 'compare your own task instead: MODULE#EXPORT, e.g. ./tasks.ts#resize')
    .option('--args <json...>', "--task: one call's arguments as a JSON array (repeat for several calls)")
    .addOption(
      option(
        '--modes <list>',
        'comma-separated modes',
        parseModes,
        `${LOCAL_MODES.join(',')}, plus distributed with --redis`,
      ),
    )
    .option('--runs <n>', 'runs per mode; the median is shown', intOption('--runs', 1, MAX_RUNS), 1)
    .option(
      '--task-timeout <ms>',
      '--task: longest one call may take; a call that takes longer fails (counted, not fatal)',
      intOption('--task-timeout', 1, MAX_TIMER_MS),
      DEFAULT_TASK_TIMEOUT_MS,
    )
    .addOption(
      option(
        '--latency <ms>',
        "I/O job: the demo sites' delay before each answer",
        intOption('--latency', 0, 600_000),
        String(DEFAULT_LATENCY_MS),
      ),
    )
    .addOption(
      option(
        '--repeat <n>',
        "repeat the list n times: the I/O job's URLs, --task's --args",
        intOption('--repeat', 1, MAX_ITEMS),
        "80 for the demo sites' two pages, 1 for your URLs or --args",
      ),
    )
    .addOption(
      option(
        '--start <n>',
        'CPU job: the first number',
        intOption('--start', 0, 2 ** 32),
        `${DEFAULT_CPU_START.toLocaleString('en-US')}: 20× the article's, which JavaScript sums too fast for workers to pay off; with --python the article's ${ARTICLE_CPU_START.toLocaleString('en-US')}`,
      ),
    )
    .addOption(
      option(
        '--count <n>',
        'CPU job: how many numbers to sum the squares of',
        intOption('--count', 1, 1_000_000),
        String(DEFAULT_CPU_COUNT),
      ),
    )
    .option(
      '--out <dir>',
      'where report.html and report.json go',
      textOption('--out', 'a directory, e.g. --out ./conc-report'),
      './conc-report',
    )
    .option('--json', 'print one JSON document on stdout, nothing else')
    .option('--redis <url>', 'also run mode distributed on this Redis')
    .addOption(
      option(
        '--queue <name>',
        'mode distributed: the queue your `conc worker`s serve',
        undefined,
        'a worker of its own on a private queue',
      ),
    )
    .addOption(option('--python [interpreter]', PYTHON_HELP, undefined, 'the first python3 that has them'))
    .action(async (urls: string[], flags: CompareFlags) => {
      process.exitCode = await compare(urls, flags);
    });
}

function parseModes(raw: string): Mode[] {
  const parse = choiceOption('--modes', MODES);
  const modes = raw
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m.length > 0)
    .map(parse);
  if (modes.length === 0) throw new UsageError(`--modes needs at least one of ${MODES.join(', ')}.`);
  return [...new Set(modes)];
}

async function compare(args: string[], flags: CompareFlags): Promise<number> {
  const { urls, modes, task, jobs } = await plan(args, flags);
  const progress = createProgress();
  const stopping = stopOnSignals((by) =>
    progress.say(`conc: stopping — closing workers and servers ${againHint(by)}`),
  );
  const options: ComparisonOptions = {
    jobs,
    modes,
    runs: flags.runs,
    latencyMs: flags.latency,
    repeat: flags.repeat,
    urls,
    start: flags.start,
    count: flags.count,
    redis: flags.redis,
    queue: flags.queue,
    task: task && { ...task, timeoutMs: flags.taskTimeout },
    python:
      flags.python === undefined
        ? undefined
        : { interpreter: flags.python === true ? undefined : flags.python },
    signal: stopping.signal,
    progress,
  };
  let comparison: Comparison;
  try {
    comparison = await runComparison(options);
  } finally {
    progress.stop();
    stopping.undo();
  }
  if (stopping.by) comparison = { ...comparison, interruptedBy: stopping.by };
  const wrote = await output(comparison, options, flags);
  if (stopping.exitCode !== undefined) return stopping.exitCode;
  const rows = [comparison.io, comparison.cpu, comparison.task].flatMap((report) => report?.rows ?? []);
  // an article program that could not run (no python3, a module missing) or failed its check counts too
  const failed = rows.some((r) => r.error !== undefined || r.failed > 0 || r.python?.error !== undefined);
  return failed || !wrote ? Exit.someFailed : Exit.ok;
}

/** What to run, from the arguments and flags; any contradiction or bad input is a usage error. */
async function plan(
  args: string[],
  flags: CompareFlags,
): Promise<Pick<ComparisonOptions, 'urls' | 'modes' | 'task' | 'jobs'>> {
  const urls = await ownUrls(args, flags.urlsFile);
  if (urls && flags.latency !== undefined) {
    throw new UsageError(
      '--latency applies to the embedded demo sites only; drop it, or drop the URLs to use the demo sites.',
    );
  }
  const modes = flags.modes ?? (flags.redis ? [...LOCAL_MODES, 'distributed'] : [...LOCAL_MODES]);
  if (modes.includes('distributed') && !flags.redis) {
    throw new UsageError('mode distributed needs a Redis: add --redis redis://127.0.0.1:6379.');
  }
  if (flags.queue !== undefined && !flags.redis)
    throw new UsageError('--queue applies to mode distributed: add --redis URL.');
  checkWritable(flags.out);
  const task =
    flags.task === undefined ? undefined : await ownTask(flags.task, flags.args, flags.repeat ?? 1);
  if (!task && flags.args !== undefined) throw new UsageError('--args goes with --task MODULE#EXPORT.');
  const items = task ? task.calls.length : (urls?.length ?? 2) * (flags.repeat ?? (urls ? 1 : 80));
  if (items > MAX_ITEMS) {
    throw new UsageError(
      `--repeat ${flags.repeat} makes ${items} ${task ? 'calls' : 'downloads'} a run, more than the ${MAX_ITEMS} allowed; lower --repeat.`,
    );
  }
  const jobs: JobName[] = [
    ...(flags.job === 'both' || (flags.job === undefined && !task) ? (['io', 'cpu'] as const) : []),
    ...(flags.job === 'io' || flags.job === 'cpu' ? [flags.job] : []),
    ...(task ? (['task'] as const) : []),
  ];
  if (flags.python !== undefined && !jobs.includes('io') && !jobs.includes('cpu')) {
    throw new UsageError(
      "--python runs the article's programs, which do its I/O and CPU jobs: add --job io, cpu or both.",
    );
  }
  return { urls, modes, task, jobs };
}

/** Your task for job 'task': loaded as `conc profile` loads it; the --args list repeated. */
async function ownTask(
  spec: string,
  args: string[] | undefined,
  repeat: number,
): Promise<ComparisonOptions['task']> {
  try {
    const argLists = parseArgLists(args);
    const target = await loadTarget(spec);
    if (argLists.length * repeat > MAX_ITEMS) {
      throw new UsageError(
        `${argLists.length} --args × --repeat ${repeat} is ${argLists.length * repeat} calls a run, more than the ${MAX_ITEMS} allowed; lower --repeat.`,
      );
    }
    const calls: unknown[][] = [];
    for (let i = 0; i < repeat; i++) calls.push(...argLists);
    return { spec, module: target.module, name: target.name, calls };
  } catch (error) {
    if (error instanceof ProfileInputError)
      throw new UsageError(error.message.replace(/^profile: /, '--task: '));
    throw error;
  }
}

/** The user's URLs (arguments, then the file), or undefined for the demo sites. Any bad one is a usage error. */
function ownUrls(args: string[], file: string | undefined): Promise<string[] | undefined> {
  return gatherUrls(args, file, {
    onBad(bad) {
      const where =
        'argument' in bad ? `argument ${bad.argument}` : `--urls-file ${bad.file} line ${bad.line}`;
      throw new UsageError(`${where}: ${bad.error}`);
    },
    readErrors: { ENOENT: 'no such file' },
    emptyHint: '',
  });
}
