/**
 * `conc profile MODULE#EXPORT --args JSON…`: measure a task, say whether it is I/O- or CPU-bound, and
 * recommend a mode and width. Each call is bounded (--task-timeout); SIGINT/SIGTERM stop between calls
 * and print what was measured.
 */
import type { Command } from 'commander';
import { AbortError, TaskTimeoutError } from '../errors.ts';
import { describeThrown } from '../lab/experiment.ts';
import {
  loadTarget,
  ProfileInputError,
  type ProfileResult,
  parseArgLists,
  profileTask,
} from '../lab/profile.ts';
import { sayErr, sayOut } from './say.ts';
import { Exit, intOption, MAX_TIMER_MS, printJson, UsageError } from './shared.ts';
import { againHint, type Stopping, signalName, stopOnSignals } from './signals.ts';
import { terminalWidth, wrap } from './wrap.ts';

/** Longest one call may take unless told otherwise (ms). */
export const DEFAULT_TASK_TIMEOUT_MS = 60_000;

interface ProfileFlags {
  args?: string[];
  runs: number;
  taskTimeout: number;
  json?: boolean;
}

export function registerProfile(program: Command): void {
  program
    .command('profile')
    .description(
      'Measure a task (CPU time vs wall time), say whether it is I/O- or CPU-bound, and recommend a mode and width.',
    )
    .argument('<target>', 'the task: MODULE#EXPORT, e.g. ./tasks.ts#sumOfSquares')
    .option(
      '--args <json...>',
      "one call's arguments as a JSON array (repeat for several calls), e.g. --args '[5000000]'",
    )
    .option('--runs <n>', 'calls per argument list (after one warm-up call)', intOption('--runs', 1, 1000), 3)
    .option(
      '--task-timeout <ms>',
      'longest one call may take before the profile stops with an error',
      intOption('--task-timeout', 1, MAX_TIMER_MS),
      DEFAULT_TASK_TIMEOUT_MS,
    )
    .option('--json', 'print one JSON document on stdout, nothing else')
    .action(async (target: string, flags: ProfileFlags) => {
      process.exitCode = await profile(target, flags);
    });
}

async function profile(spec: string, flags: ProfileFlags): Promise<number> {
  let result: ProfileResult;
  let stopping: Stopping | undefined;
  try {
    const argLists = parseArgLists(flags.args);
    const target = await loadTarget(spec);
    if (flags.args === undefined) {
      // a task profiled with no arguments may measure a path it never takes in real use
      sayErr(
        `conc: warning: no --args given, so ${target.name} is called with no arguments; give one call's arguments as a JSON array, e.g. --args '[5000000]'.`,
      );
    }
    stopping = stopOnSignals((by) => sayErr(`conc: stopping the profile ${againHint(by)}`));
    try {
      result = await profileTask(target, argLists, flags.runs, {
        timeoutMs: flags.taskTimeout,
        signal: stopping.signal,
      });
    } catch (error) {
      if (stopping.by && (error instanceof AbortError || stopping.signal.aborted)) {
        sayErr(
          `conc: interrupted by ${signalName(stopping.by)} before any call of ${target.name} was measured.`,
        );
        return stopping.exitCode!;
      }
      sayErr(callFailure(target.name, error, flags.taskTimeout));
      return Exit.someFailed;
    }
  } catch (error) {
    if (error instanceof ProfileInputError) throw new UsageError(error.message);
    throw error;
  } finally {
    stopping?.undo();
  }
  if (flags.json) printJson(stopping.by ? { ...result, interruptedBy: stopping.by } : result);
  else printProfile(spec, result, stopping.by && signalName(stopping.by));
  return stopping.exitCode ?? Exit.ok;
}

/** Why the profile stopped: the task's own error, or the bound it passed. */
function callFailure(name: string, error: unknown, timeoutMs: number): string {
  if (error instanceof TaskTimeoutError) {
    return `conc: ${error.message} The bound is --task-timeout ${timeoutMs} ms: raise it if ${name} is just slow, or fix it.`;
  }
  return `conc: ${name} threw ${describeThrown(error)} — fix the task or its --args, then profile again.`;
}

function printProfile(spec: string, r: ProfileResult, stoppedBy: string | undefined): void {
  const lists = new Set(r.calls.map((c) => c.args)).size;
  const how = stoppedBy ? `interrupted by ${stoppedBy} — partial` : 'one at a time';
  const width = terminalWidth();
  for (const line of [
    ...wrap(
      `Profile of ${r.target.name} (${spec}): ${r.calls.length} calls, ${lists} argument list${lists === 1 ? '' : 's'}, ${how}`,
      width,
      '  ',
    ),
    `  wall per call  ${fmt(r.wallMs)} ms (median)`,
    `  CPU per call   ${fmt(r.cpuMs)} ms (${Math.round(r.cpuRatio * 100)}% of wall time overall)`,
    `  event loop     busy ${Math.round(r.elu * 100)}%, longest delay ${fmt(r.loopDelayMs)} ms`,
    ...wrap(`Verdict: ${r.reason}`, width, '  '),
    ...wrap(
      `Recommended: --mode ${r.recommended.mode} --workers ${r.recommended.workers} — ${r.recommended.why}`,
      width,
      '  ',
    ),
  ])
    sayOut(line);
}

function fmt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}
