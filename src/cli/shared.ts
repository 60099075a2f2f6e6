/** Helpers every CLI command uses: option parsers that fail as usage errors, and exit codes. */
import { InvalidArgumentError } from 'commander';
import { describeAutoChoice, watchAuto } from '../backends/auto/channel.ts';

/** Exit codes of every command: 0 all good, 1 some items failed, 2 usage error. */
export const Exit = { ok: 0, someFailed: 1, usage: 2 } as const;

/** A usage error found after parsing (a missing file, an unwritable directory…): exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function intOption(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) {
      throw new InvalidArgumentError(`${name} must be a whole number; got "${raw}".`);
    }
    if (value < min || value > max) {
      throw new InvalidArgumentError(`${name} must be between ${min} and ${max}; got ${value}.`);
    }
    return value;
  };
}

export function choiceOption<T extends string>(name: string, choices: readonly T[]) {
  return (raw: string): T => {
    if (!(choices as readonly string[]).includes(raw)) {
      throw new InvalidArgumentError(`${name} must be one of ${choices.join(', ')}; got "${raw}".`);
    }
    return raw as T;
  };
}

/** Prints one JSON document on stdout (BigInt as decimal strings). */
export function printJson(value: unknown): void {
  process.stdout.write(
    `${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`,
  );
}

/**
 * Runs a job and, when its mode is auto, catches what auto chose: `line` for humans, `json` for --json.
 * Jobs don't hand out their executor, so the choice comes from auto's diagnostics channel.
 */
export async function watchingAuto<T>(
  mode: string,
  run: () => Promise<T>,
): Promise<{ result: T; auto?: { line: string; json: Record<string, unknown> } }> {
  if (mode !== 'auto') return { result: await run() };
  const watch = watchAuto();
  let result: T;
  try {
    result = await run();
  } finally {
    watch.stop();
  }
  const choice = watch.last();
  if (!choice) return { result };
  const { chosen, verdict, width, reason } = choice;
  return { result, auto: { line: describeAutoChoice(choice), json: { chosen, verdict, width, reason } } };
}

/** Exit code after Ctrl-C (128 + SIGINT), as shells report it. */
export const INTERRUPTED = 130;

/**
 * Ctrl-C once aborts `controller` (a command's run closes its workers and servers on that) after
 * `say` told the user what stops; twice quits at once. Returns the undo.
 */
export function stopOnCtrlC(controller: AbortController, say: () => void): () => void {
  let presses = 0;
  const onSigint = () => {
    presses++;
    if (presses > 1) process.exit(INTERRUPTED);
    say();
    controller.abort(new Error('interrupted by Ctrl-C'));
  };
  process.on('SIGINT', onSigint);
  return () => process.off('SIGINT', onSigint);
}
