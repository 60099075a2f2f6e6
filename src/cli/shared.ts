/** Helpers every CLI command uses: option parsers that fail as usage errors, and exit codes. */
import { Help, InvalidArgumentError, Option } from 'commander';
import { describeAutoChoice, watchAuto } from '../backends/auto/channel.ts';
import { escapeJsonControls, safeText } from '../util/safe-text.ts';

/** Exit codes of every command: 0 all good, 1 some items failed, 2 usage error. */
export const Exit = { ok: 0, someFailed: 1, usage: 2 } as const;

/** A usage error found after parsing (a missing file, an unwritable directory…): exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The longest delay a Node timer keeps (2^31 − 1 ms, about 24.8 days): a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** Most tasks at once a command starts: more threads or processes than this exhaust memory, not work. */
export const MAX_WORKERS = 1024;
/** Most items (URLs × repeat, calls × repeat) one command runs: every result is kept until the end. */
export const MAX_ITEMS = 1_000_000;

/** A whole number flag within [min, max]; anything else is refused, naming the allowed range. */
export function intOption(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) {
      throw new InvalidArgumentError(
        `${name} must be a whole number; got "${safeText(raw)}". Give one between ${min} and ${max}.`,
      );
    }
    if (value < min || value > max) {
      throw new InvalidArgumentError(`${name} must be between ${min} and ${max}; got ${value}.`);
    }
    return value;
  };
}

/** A flag whose value may not be empty (`--out ''` would mean the current directory by accident). */
export function textOption(name: string, what: string) {
  return (raw: string): string => {
    if (raw.trim() === '') throw new InvalidArgumentError(`${name} needs ${what}; got an empty value.`);
    return raw;
  };
}

export function choiceOption<T extends string>(name: string, choices: readonly T[]) {
  return (raw: string): T => {
    if (!(choices as readonly string[]).includes(raw)) {
      throw new InvalidArgumentError(`${name} must be one of ${choices.join(', ')}; got "${safeText(raw)}".`);
    }
    return raw as T;
  };
}

/** Prints one JSON document on stdout (BigInt as decimal strings; controls escaped, even C1). */
export function printJson(value: unknown): void {
  const text = JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2);
  process.stdout.write(`${escapeJsonControls(text)}\n`);
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

/**
 * An option whose default is decided later (by mode, by input…): `defaultText` says what it is, and
 * help shows it as `(default: …)` like a fixed default (see optionHelp), while the flag stays unset.
 */
export function option<T>(
  flags: string,
  description: string,
  parse: ((raw: string) => T) | undefined,
  defaultText: string,
): Option {
  const made = new Option(flags, description).default(undefined, defaultText);
  return parse ? made.argParser(parse) : made;
}

/**
 * Help's option text, with `(default: …)` for options made by option() too: commander shows a default's
 * description only when the value is set, and these are left unset on purpose.
 */
export function optionHelp(this: Help, opt: Option): string {
  const text = Help.prototype.optionDescription.call(this, opt);
  if (opt.defaultValue !== undefined || opt.defaultValueDescription === undefined) return text;
  return `${text} (default: ${opt.defaultValueDescription})`;
}
