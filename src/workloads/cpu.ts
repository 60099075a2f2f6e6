/**
 * The article's CPU-bound job: `sum(i * i for i in range(n))`, exact, by actually summing.
 *
 * Python's integers are exact; the default job's sums are about 4.2 × 10^19, past 2^53 and past 2^64,
 * so a plain `number` loop answers wrongly and a `bigint` loop is ~20× slower. The loop here stays in
 * `number` arithmetic, where every step is provably exact, and folds into a `bigint` once per block:
 *
 *   [0, n) ─▶ blocks of 2^20 ─▶ i < 94 906 266 (i² ≤ 2^53, exact in a double): two streams of
 *                               Fast2Sum — s' = s + x rounds, but e += x − (s' − s) recovers the
 *                               rounding error exactly, so s + e is the exact partial sum
 *                            └▶ larger i (up to 2^32): i = a·2^16 + b, three accumulators of
 *                               a², a·b, b² (each < 2^32, so a block's sums stay < 2^52)
 *                          ─▶ fold each block: total += BigInt(s) + BigInt(e) …
 *
 * Two independent Fast2Sum streams run faster than the naive `s += i * i`, whose one dependent add
 * chain is the bottleneck; the extra subtractions fit into the idle cycles.
 */
import { defineTasks } from '../tasks.ts';

/** Largest n accepted: every i < 2^32 splits into 16-bit halves. One such sum takes several seconds. */
export const MAX_N = 2 ** 32;

/** Indices per block folded into the bigint total. Keeps every accumulator below 2^53 (see below). */
export const BLOCK = 2 ** 20;

/** Below this, i * i ≤ 2^53 is an exact double (94 906 265² = 9 007 199 136 250 225 ≤ 2^53). */
export const EXACT_SQUARE_LIMIT = 94_906_266;

/**
 * The sum of i² for 0 ≤ i < n, exactly: Python's `sum(i * i for i in range(n))`.
 * Computed by summing (the point is the CPU work), about as fast as an inexact `number` loop.
 *
 * @example
 * sumOfSquares(5_000_000); // 41666654166667500000n
 */
export function sumOfSquares(n: number): bigint {
  checkBound('sumOfSquares(n)', 'n', n);
  return sumOfSquaresRange(0, n);
}

/**
 * The sum of i² for from ≤ i < to, exactly (0 when to ≤ from). Lets a sum be split into pieces.
 *
 * @example
 * sumOfSquaresRange(3, 5); // 25n (9 + 16)
 */
export function sumOfSquaresRange(from: number, to: number): bigint {
  checkBound('sumOfSquaresRange(from, to)', 'from', from);
  checkBound('sumOfSquaresRange(from, to)', 'to', to);
  let total = 0n;
  const fastEnd = Math.max(from, Math.min(to, EXACT_SQUARE_LIMIT));
  for (let lo = from; lo < fastEnd; lo += BLOCK)
    total += exactSquaresBlock(lo, Math.min(fastEnd, lo + BLOCK));
  for (let lo = fastEnd; lo < to; lo += BLOCK) total += splitSquaresBlock(lo, Math.min(to, lo + BLOCK));
  return total;
}

/**
 * Σ i² for lo ≤ i < hi, where every i² is an exact double and hi − lo ≤ BLOCK.
 * Fast2Sum (Dekker): with u = s + x rounded, x − (u − s) is exactly the rounding error when s ≥ x.
 * (When s < x, as at a block's first steps, u rounds only if x > 2^52; then u − s is an integer
 * within 1 of x ≤ 2^53, so exact too.) Each stream adds ≤ 2^19 squares < 2^53, so s < 2^72, each error
 * is ≤ ulp(s)/2 ≤ 2^19 and e stays < 2^38: every operation on e is exact.
 */
function exactSquaresBlock(lo: number, hi: number): bigint {
  let s0 = 0;
  let e0 = 0;
  let s1 = 0;
  let e1 = 0;
  let i = lo;
  for (; i + 1 < hi; i += 2) {
    const x0 = i * i;
    const u0 = s0 + x0;
    e0 += x0 - (u0 - s0);
    s0 = u0;
    const j = i + 1;
    const x1 = j * j;
    const u1 = s1 + x1;
    e1 += x1 - (u1 - s1);
    s1 = u1;
  }
  if (i < hi) {
    const x0 = i * i;
    const u0 = s0 + x0;
    e0 += x0 - (u0 - s0);
    s0 = u0;
  }
  // s0 and s1 are integers (rounded sums of integers ≥ 2^53 stay integers); e0, e1 are exact integers
  return BigInt(s0) + BigInt(s1) + BigInt(e0 + e1);
}

/**
 * Σ i² for lo ≤ i < hi < 2^32, hi − lo ≤ BLOCK, where i² may exceed 2^53.
 * i = a·2^16 + b gives i² = a²·2^32 + a·b·2^17 + b²; each part < 2^32, so ≤ 2^20 of them sum < 2^52.
 */
function splitSquaresBlock(lo: number, hi: number): bigint {
  let aa = 0;
  let ab = 0;
  let bb = 0;
  for (let i = lo; i < hi; i++) {
    const a = i >>> 16;
    const b = i & 0xffff;
    aa += a * a;
    ab += a * b;
    bb += b * b;
  }
  return (BigInt(aa) << 32n) + (BigInt(ab) << 17n) + BigInt(bb);
}

function checkBound(call: string, name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_N) {
    const shown = typeof value === 'number' ? String(value) : `${String(value)} (${typeof value})`;
    throw new RangeError(`${call}: ${name} must be a whole number from 0 to 2^32 (${MAX_N}); got ${shown}.`);
  }
}

/** Task references for every backend: `tasks.sumOfSquares` runs in threads, processes and Redis workers. */
export const tasks = defineTasks(import.meta.url, { sumOfSquares, sumOfSquaresRange });
