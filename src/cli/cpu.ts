/**
 * `conc cpu`: the article's CPU-bound job — the exact sum of squares below each of 20 numbers from
 * 5 000 000 — in any mode, closing with `Duration X seconds`. A thin layer over runCpuJob.
 */
import { type Command, Option } from 'commander';
import { AbortError } from '../errors.ts';
import type { Mode } from '../executor.ts';
import { MODES } from '../executor.ts';
import { progressBar } from '../lab/progress.ts';
import { MAX_N } from '../workloads/cpu.ts';
import { type CpuReport, DEFAULT_COUNT, DEFAULT_START, MAX_COUNT, runCpuJob } from '../workloads/cpu-job.ts';
import {
  choiceOption,
  Exit,
  intOption,
  MAX_WORKERS,
  option,
  printJson,
  UsageError,
  watchingAuto,
} from './shared.ts';
import { againHint, type StopSignal, signalName, stopOnSignals } from './signals.ts';

interface CpuFlags {
  mode: Mode;
  workers?: number;
  start: number;
  count: number;
  chunkSize?: number;
  print?: boolean;
  json?: boolean;
  redis?: string;
  queue?: string;
}

export function registerCpu(program: Command): void {
  program
    .command('cpu')
    .description(
      "The article's CPU-bound job: sum(i * i for i in range(n)) for n = start … start + count − 1, exactly, and time it.",
    )
    .addOption(
      new Option('--mode <mode>', `how the sums run: ${MODES.join(' | ')}`)
        .argParser(choiceOption('--mode', MODES))
        .default(
          'sync',
          "sync — at the article's sizes JavaScript sums faster than workers start; see conc compare",
        ),
    )
    .addOption(
      option(
        '--workers <n>',
        'sums at once',
        intOption('--workers', 1, MAX_WORKERS),
        '1 for sync, the number of cores otherwise',
      ),
    )
    .option('--start <n>', `the first n, 0 to ${MAX_N}`, intOption('--start', 0, MAX_N), DEFAULT_START)
    .option('--count <n>', `how many n, 1 to ${MAX_COUNT}`, intOption('--count', 1, MAX_COUNT), DEFAULT_COUNT)
    .addOption(
      option(
        '--chunk-size <n>',
        'numbers per message to a worker',
        intOption('--chunk-size', 1, MAX_COUNT),
        '1',
      ),
    )
    .option('--print', 'print each n and its sum')
    .option('--json', 'print one JSON document on stdout (sums as decimal strings), nothing else')
    .option('--redis <url>', 'mode distributed: the Redis URL')
    .addOption(option('--queue <name>', 'mode distributed: the queue name', undefined, 'conc'))
    .action(async (flags: CpuFlags) => {
      process.exitCode = await runCpu(flags);
    });
}

async function runCpu(flags: CpuFlags): Promise<number> {
  const last = flags.start + flags.count - 1;
  if (last > MAX_N) {
    throw new UsageError(
      `--start ${flags.start} with --count ${flags.count} reaches n = ${last}, past the largest supported n ` +
        `(2^32 = ${MAX_N}); lower --start or --count.`,
    );
  }
  const bar = flags.json ? undefined : progressBar('summing');
  let report: CpuReport;
  let auto: { line: string; json: Record<string, unknown> } | undefined;
  let done = 0;
  const started = performance.now();
  const stopping = stopOnSignals((by) => {
    bar?.stop();
    process.stderr.write(`conc: stopping the sums ${againHint(by)}\n`);
  });
  try {
    ({ result: report, auto } = await watchingAuto(flags.mode, () =>
      runCpuJob({
        mode: flags.mode,
        workers: flags.workers,
        start: flags.start,
        count: flags.count,
        chunkSize: flags.chunkSize,
        redis: flags.redis,
        queue: flags.queue,
        signal: stopping.signal,
        onProgress: (n, total) => {
          done = n;
          bar?.advance(n, total);
        },
      }),
    ));
  } catch (error) {
    if (!(stopping.signal.aborted && error instanceof AbortError)) throw error;
    printPartial(flags, done, (performance.now() - started) / 1000, stopping.by!);
    return stopping.exitCode!;
  } finally {
    bar?.stop();
    stopping.undo();
  }
  if (flags.json) {
    printJson(auto ? { ...report, auto: auto.json } : report);
    return Exit.ok;
  }
  if (flags.print) {
    for (const { n, sum } of report.results) process.stdout.write(`sum of squares below ${n} = ${sum}\n`);
  }
  if (auto) process.stdout.write(`${auto.line}\n`);
  process.stdout.write(`${closingLine(report)}\n`);
  return Exit.ok;
}

/** What was measured when a signal stopped the job: how many sums were done, and the time so far. */
function printPartial(flags: CpuFlags, done: number, seconds: number, by: StopSignal): void {
  if (flags.json) {
    printJson({
      job: 'cpu',
      mode: flags.mode,
      partial: true,
      interruptedBy: by,
      count: flags.count,
      done,
      seconds,
    });
    return;
  }
  process.stdout.write(
    `Duration ${seconds.toFixed(2)} seconds (interrupted by ${signalName(by)}: ${done} of ${flags.count} sums done)\n`,
  );
}

/** The article's closing line. */
export function closingLine(report: CpuReport): string {
  return `Duration ${report.seconds.toFixed(2)} seconds`;
}
