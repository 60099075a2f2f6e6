/**
 * `conc worker`: runs distributed tasks from a Redis queue on this machine, until Ctrl-C / SIGTERM.
 * Only the tasks of registered modules run (conc's built-in workloads, plus --tasks files); a job that
 * names anything else is refused with a clear error on that job.
 */
import type { Command } from 'commander';
import { DEFAULT_REDIS } from '../backends/distributed/redis.ts';
import { ConcError } from '../errors.ts';
import { describeWorker, startWorker } from '../worker/start.ts';
import { choiceOption, Exit, intOption } from './shared.ts';

interface WorkerFlags {
  redis: string;
  queue: string;
  concurrency?: number;
  mode: 'threads' | 'processes' | 'async';
  workers?: number;
  tasks?: string[];
  builtins: boolean;
  stallMs: number;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('Run distributed tasks from a Redis queue (BullMQ) on this machine, until Ctrl-C.')
    .option('--redis <url>', 'Redis URL: redis://[user:password@]host:port, rediss:// for TLS', DEFAULT_REDIS)
    .option('--queue <name>', 'queue to take jobs from', 'conc')
    .option(
      '--concurrency <n>',
      'jobs at once (default: --workers; 16 with --mode async)',
      intOption('--concurrency', 1, 10_000),
    )
    .option(
      '--mode <mode>',
      'where each job runs here: threads | processes | async',
      choiceOption('--mode', ['threads', 'processes', 'async'] as const),
      'threads',
    )
    .option(
      '--workers <n>',
      'threads or processes of the local pool (default: cores)',
      intOption('--workers', 1, 1024),
    )
    .option(
      '--tasks <file>',
      'also allow the tasks of this module file (repeatable)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--no-builtins', "do not allow conc's built-in workloads (conc/workloads/cpu, conc/workloads/io)")
    .option(
      '--stall-ms <ms>',
      "how soon a dead worker's job runs elsewhere (lock duration)",
      intOption('--stall-ms', 500, 600_000),
      5000,
    )
    .action(async (flags: WorkerFlags) => {
      process.exitCode = await runWorker(flags);
    });
}

async function runWorker(flags: WorkerFlags): Promise<number> {
  let worker: Awaited<ReturnType<typeof startWorker>>;
  try {
    worker = await startWorker({
      redis: flags.redis,
      queue: flags.queue,
      concurrency: flags.concurrency,
      mode: flags.mode,
      workers: flags.workers,
      tasks: flags.tasks ?? [],
      builtins: flags.builtins,
      stallMs: flags.stallMs,
    });
  } catch (error) {
    if (error instanceof ConcError && error.code === 'CONC_ERR_INVALID_OPTIONS') throw error; // usage: exit 2
    if (!(error instanceof ConcError)) throw error;
    process.stderr.write(`conc: ${error.message}\n`);
    return Exit.someFailed;
  }
  process.stderr.write(`${describeWorker(worker, flags.redis)}. Ctrl-C to stop.\n`);
  await new Promise<void>((resolve) => {
    let stops = 0;
    const stop = (signal: NodeJS.Signals) => {
      stops++;
      if (stops === 1) {
        process.stderr.write(`conc worker: ${signal}: finishing running jobs (again to stop at once)…\n`);
        void worker.close().then(resolve, resolve);
      } else {
        process.stderr.write('conc worker: stopping now; running jobs go back to the queue.\n');
        void worker.close({ force: true }).then(resolve, resolve);
      }
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  process.stderr.write('conc worker: stopped.\n');
  return Exit.ok;
}
