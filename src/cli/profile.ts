/**
 * `conc profile MODULE#EXPORT --args JSON…`: measure a task, say whether it is I/O- or CPU-bound, and
 * recommend a mode and width.
 */
import type { Command } from 'commander';
import {
  loadTarget,
  ProfileInputError,
  type ProfileResult,
  parseArgLists,
  profileTask,
} from '../lab/profile.ts';
import { Exit, intOption, printJson, UsageError } from './shared.ts';

interface ProfileFlags {
  args?: string[];
  runs: number;
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
    .option('--json', 'print one JSON document on stdout, nothing else')
    .action(async (target: string, flags: ProfileFlags) => {
      process.exitCode = await profile(target, flags);
    });
}

async function profile(spec: string, flags: ProfileFlags): Promise<number> {
  let result: ProfileResult;
  try {
    const argLists = parseArgLists(flags.args);
    const target = await loadTarget(spec);
    try {
      result = await profileTask(target, argLists, flags.runs);
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      process.stderr.write(
        `conc: ${target.name} threw ${e.name}: ${e.message} — fix the task or its --args, then profile again.\n`,
      );
      return Exit.someFailed;
    }
  } catch (error) {
    if (error instanceof ProfileInputError) throw new UsageError(error.message);
    throw error;
  }
  if (flags.json) {
    printJson(result);
    return Exit.ok;
  }
  const r = result;
  const lists = new Set(r.calls.map((c) => c.args)).size;
  process.stdout.write(
    [
      `Profile of ${r.target.name} (${spec}): ${r.calls.length} calls, ${lists} argument list${lists === 1 ? '' : 's'}, one at a time`,
      `  wall per call  ${fmt(r.wallMs)} ms (median)`,
      `  CPU per call   ${fmt(r.cpuMs)} ms (${Math.round(r.cpuRatio * 100)}% of wall time overall)`,
      `  event loop     busy ${Math.round(r.elu * 100)}%, longest delay ${fmt(r.loopDelayMs)} ms`,
      `Verdict: ${r.reason}`,
      `Recommended: --mode ${r.recommended.mode} --workers ${r.recommended.workers} — ${r.recommended.why}`,
      '',
    ].join('\n'),
  );
  return Exit.ok;
}

function fmt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}
