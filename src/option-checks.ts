/** The number checks of the executor's options (options.ts): counts and durations, each error naming the option. */
import { InvalidOptionsError } from './errors.ts';
import { show } from './util/show.ts';

/** The longest timer Node.js can set: 2^31−1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const fail = (message: string): never => {
  throw new InvalidOptionsError(`createExecutor: ${message}`);
};

/** An integer count in [min, max]; `also` names what else is accepted (Infinity). */
export function checkCount(
  name: string,
  value: unknown,
  min: number,
  max: number,
  also = '',
  hint = '',
): void {
  if (value === undefined) return;
  if (!(typeof value === 'number' && Number.isInteger(value) && value >= min))
    fail(`${name} must be an integer ≥ ${min}${also}; got ${show(value)}.`);
  if ((value as number) > max) fail(`${name} must be at most ${max}; got ${show(value)}.${hint}`);
}

/**
 * A duration in ms: finite, > 0 (or ≥ 0 with 'zero', or Infinity with 'infinity'), and at most
 * 2^31−1 — Node fires a longer timer after 1 ms instead.
 */
export function checkMs(
  name: string,
  value: unknown,
  accepts: 'positive' | 'zero' | 'infinity',
  where = 'createExecutor',
): void {
  if (value === undefined) return;
  const say = (message: string): never => {
    throw new InvalidOptionsError(`${where}: ${message}`);
  };
  if (accepts === 'infinity' && value === Number.POSITIVE_INFINITY) return;
  const what =
    accepts === 'zero'
      ? 'a number of milliseconds ≥ 0'
      : `a positive number of milliseconds${accepts === 'infinity' ? ' or Infinity' : ''}`;
  if (!(typeof value === 'number' && Number.isFinite(value) && (accepts === 'zero' ? value >= 0 : value > 0)))
    say(`${name} must be ${what}; got ${show(value)}.`);
  if ((value as number) > MAX_TIMER_MS)
    say(
      `${name} must be at most ${MAX_TIMER_MS} ms (2^31−1, about 24.8 days: Node.js timers cannot wait ` +
        `longer); got ${show(value)}.${accepts === 'infinity' ? ' Use Infinity for "never".' : ''}`,
    );
}
