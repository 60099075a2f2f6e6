/**
 * `conc worker`: runs distributed tasks from a Redis queue on this machine, until SIGTERM / Ctrl-C.
 * Only the tasks of registered modules run (conc's built-in workloads, plus --tasks files); a job that
 * names anything else is refused with a clear error on that job.
 *
 * Stopping is bounded whatever Redis does: the first signal drains within --grace, a second signal
 * (or the grace running out) stops at once; the exit code says which (WORKER_EXIT).
 */
import { type Command, Option } from 'commander';
import { DEFAULT_REDIS } from '../backends/distributed/redis.ts';
import { ConcError } from '../errors.ts';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel, WorkerLog } from '../worker/log.ts';
import { DEFAULT_GRACE_MS, type DistributedWorker } from '../worker/options.ts';
import { FORCED_STOP_MAX_MS, type StopReport } from '../worker/shutdown.ts';
import { describeWorker, startWorker } from '../worker/start.ts';
import { choiceOption, intOption, option } from './shared.ts';

/**
 * How a worker ended. 0: drained — every running job finished and was reported. 1: it could not start.
 * 2: usage error. 3: stopped at once (a second signal, or the grace ran out) and its running jobs went
 * back to the queue. 4: stopped at once while Redis was unreachable: its running jobs are left to
 * BullMQ's stalled-job recovery (another worker re-runs them after --stall-ms).
 */
export const WORKER_EXIT = { drained: 0, failed: 1, usage: 2, returned: 3, left: 4 } as const;

interface WorkerFlags {
  redis: string;
  queue: string;
  concurrency?: number;
  mode: 'threads' | 'processes' | 'async';
  workers?: number;
  tasks?: string[];
  builtins: boolean;
  stallMs: number;
  grace: number;
  log: LogFormat;
  logLevel: LogLevel;
  healthPort?: number;
  healthHost?: string;
}

/** Adds `conc worker` and its options to the program. */
export function registerWorker(program: Command): void {
  const command = program
    .command('worker')
    .description(
      'Run distributed tasks from a Redis queue (BullMQ) on this machine, until SIGTERM or Ctrl-C.',
    )
    // From the environment too: a password in argv is visible to every user of the machine (ps).
    .addOption(
      new Option('--redis <url>', 'Redis URL: redis://[user:password@]host:port, rediss:// for TLS')
        .env('CONC_REDIS')
        .default(DEFAULT_REDIS),
    )
    .option('--queue <name>', 'queue to take jobs from', 'conc')
    .addOption(
      option(
        '--concurrency <n>',
        'jobs at once',
        intOption('--concurrency', 1, 10_000),
        '--workers; 16 with --mode async',
      ),
    )
    .option(
      '--mode <mode>',
      'where each job runs here: threads | processes | async',
      choiceOption('--mode', ['threads', 'processes', 'async'] as const),
      'threads',
    )
    .addOption(
      option(
        '--workers <n>',
        'threads or processes of the local pool',
        intOption('--workers', 1, 1024),
        'cores',
      ),
    )
    .option(
      '--tasks <file>',
      'also allow the tasks of this module file (repeatable)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option(
      '--no-builtins',
      "do not allow conc's built-in workloads (conc/workloads/cpu, conc/workloads/io)",
    );
  registerOperatorOptions(command);
  command.action(async (flags: WorkerFlags) => {
    process.exitCode = await runWorker(flags);
  });
}

/** The options an operator tunes: stall detection, stop grace, logs, health and metrics. */
function registerOperatorOptions(command: Command): void {
  command
    .option(
      '--stall-ms <ms>',
      "how soon a dead worker's job runs elsewhere (lock duration)",
      intOption('--stall-ms', 500, 600_000),
      5000,
    )
    .option(
      '--grace <ms>',
      'on SIGTERM/SIGINT, how long running jobs may take to finish before they are stopped and put back',
      intOption('--grace', 0, 3_600_000),
      DEFAULT_GRACE_MS,
    )
    .option(
      '--log <format>',
      'log lines for people (text) or one JSON object per line (json)',
      logFormat,
      'text',
    )
    .option('--log-level <level>', 'error | warn | info | debug (debug: a line per job)', logLevel, 'info')
    .option(
      '--health-port <port>',
      'serve /live, /ready and /metrics on this port (0: any free port)',
      intOption('--health-port', 0, 65_535),
    )
    .addOption(
      option(
        '--health-host <host>',
        'address the health server binds',
        undefined,
        '127.0.0.1: this machine only',
      ),
    );
}

const logFormat = choiceOption('--log', LOG_FORMATS);
const logLevel = choiceOption('--log-level', LOG_LEVELS);

async function runWorker(flags: WorkerFlags): Promise<number> {
  let worker: DistributedWorker;
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
      graceMs: flags.grace,
      logFormat: flags.log,
      logLevel: flags.logLevel,
      healthPort: flags.healthPort,
      healthHost: flags.healthHost,
    });
  } catch (error) {
    if (!(error instanceof ConcError)) throw error;
    const usage = error.code === 'CONC_ERR_INVALID_OPTIONS';
    new WorkerLog({ format: flags.log, queue: flags.queue }).error('worker.failed', error.message);
    const code = usage ? WORKER_EXIT.usage : WORKER_EXIT.failed;
    lastResort(1_000, code); // a task module that hung on import may still hold the process
    return code;
  }
  const health = worker.healthUrl ? `; health on ${worker.healthUrl} (/live, /ready, /metrics)` : '';
  worker.log.info('worker.started', `${describeWorker(worker, flags.redis)}${health}. Ctrl-C to stop.`, {
    mode: worker.mode,
    concurrency: worker.concurrency,
    health: worker.healthUrl,
    graceMs: flags.grace,
  });
  const report = await untilStopped(worker, flags.grace);
  const code = exitCode(report);
  worker.log.info('worker.stopped', stoppedLine(report, code), { ...report, exitCode: code });
  // Whatever a library still holds (a reconnect timer…) must not keep a stopped worker alive.
  lastResort(1_000, code);
  return code;
}

/** Waits for SIGTERM/SIGINT: the first drains, a second stops at once; either way within a bound. */
function untilStopped(worker: DistributedWorker, graceMs: number): Promise<StopReport> {
  return new Promise((resolve) => {
    let stops = 0;
    const stop = (signal: NodeJS.Signals) => {
      stops++;
      if (stops === 1) {
        const grace =
          graceMs > 0 ? `running jobs have ${graceMs / 1000} s to finish` : 'stopping running jobs';
        const line = `${signal}: taking no new jobs; ${grace} (${signal} again: stop now)`;
        worker.log.info('worker.stopping', line, { signal, graceMs });
        lastResort(graceMs + FORCED_STOP_MAX_MS, WORKER_EXIT.left);
        void worker.stop().then(resolve);
      } else {
        lastResort(FORCED_STOP_MAX_MS, WORKER_EXIT.left);
        void worker.stop({ force: true }).then(resolve);
      }
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function exitCode(report: StopReport): number {
  if (report.how === 'drained') return WORKER_EXIT.drained;
  return report.left > 0 ? WORKER_EXIT.left : WORKER_EXIT.returned;
}

function stoppedLine(report: StopReport, code: number): string {
  if (report.how === 'drained') return `stopped: every running job finished (exit ${code})`;
  const jobs = (n: number) => `${n} job${n === 1 ? '' : 's'}`;
  const parts: string[] = [];
  if (report.returned > 0) parts.push(`${jobs(report.returned)} put back in the queue`);
  if (report.left > 0) parts.push(`${jobs(report.left)} left to stalled-job recovery (Redis unreachable)`);
  return `stopped at once: ${parts.join(', ') || 'no job was running'} (exit ${code})`;
}

/** Exits with `code` after `ms` if the process is still alive then (the timer alone keeps nothing alive). */
function lastResort(ms: number, code: number): void {
  setTimeout(() => process.exit(code), ms).unref();
}
