/**
 * The article's CPU-bound job: `sum(i * i for i in range(n))`, exact, by actually summing.
 *
 * Python's integers are exact; the default job's sums are about 4.2 × 10^19, past 2^53 and past 2^64,
 * so a plain `number` loop answers wrongly and a `bigint` loop is ~20× slower. The loops here stay in
 * `number` arithmetic, where every step is provably exact, and fold into a `bigint` once per block:
 *
 *   [0, n) ─▶ blocks of 2^20 ─▶ small i (a run of `len` squares sums below 2^53): plain sums `r += i * i`
 *                               in two streams, each exact; each run's sums are added into the block's
 *                               total with Fast2Sum — s' = s + r rounds, but e += r − (s' − s) recovers
 *                               the rounding error exactly, so s + e is the exact partial sum
 *                            ├▶ i < 94 906 266 (i² ≤ 2^53, exact in a double) but runs would be short:
 *                               Fast2Sum on every square, two streams
 *                            └▶ larger i (up to 2^32): i = a·2^16 + b, three accumulators of
 *                               a², a·b, b² (each < 2^32, so a block's sums stay < 2^52)
 *                          ─▶ fold each block: total += BigInt(s) + BigInt(e) …
 *
 * The runs make the article's job faster than the naive `s += i * i` (about 0.7× its time on an Intel
 * Xeon): two independent add chains instead of one, and the error-free addition only once per run.
 * Where runs would be short, two independent Fast2Sum streams still beat one dependent chain on some
 * CPUs (AMD EPYC) and cost ~1.15× it on others; the extra subtractions fit into idle cycles.
 */
import { defineTasks } from '../tasks.ts';

/** Largest n accepted: every i < 2^32 splits into 16-bit halves. One such sum takes several seconds. */
export const MAX_N = 2 ** 32;

/** Indices per block folded into the bigint total. Keeps every accumulator below 2^53 (see below). */
export const BLOCK = 2 ** 20;

/** Below this, i * i ≤ 2^53 is an exact double (94 906 265² = 9 007 199 136 250 225 ≤ 2^53). */
export const EXACT_SQUARE_LIMIT = 94_906_266;

const TWO_53 = 2 ** 53;

/**
 * Shortest run worth summing plainly: below it, folding each run costs more than Fast2Sum on every
 * square (measured: at i ≈ 9·10^7 runs of 2–3 were ~10% slower than Fast2Sum, runs of 8 ~10% faster).
 */
const MIN_RUN = 8;

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
  if (!primed) prime();
  let total = 0n;
  const fastEnd = Math.max(from, Math.min(to, EXACT_SQUARE_LIMIT));
  for (let lo = from; lo < fastEnd; lo += BLOCK) {
    const hi = Math.min(fastEnd, lo + BLOCK);
    // each stream's run of `run` squares, each ≤ (hi − 1)², sums to at most 2^53: every partial sum exact
    const run = Math.floor(TWO_53 / ((hi - 1) * (hi - 1) + 1));
    if (run >= MIN_RUN) plainRunsBlock(lo, hi, Math.min(run, BLOCK));
    else exactSquaresBlock(lo, hi);
    // s0 and s1 are integers (a rounded sum of integers ≥ 2^53 is an integer); e0 and e1 are exact
    total += BigInt(parts[0]!) + BigInt(parts[1]!) + BigInt(parts[2]!) + BigInt(parts[3]!);
  }
  for (let lo = fastEnd; lo < to; lo += BLOCK) {
    splitSquaresBlock(lo, Math.min(to, lo + BLOCK));
    total += (BigInt(parts[0]!) << 32n) + (BigInt(parts[1]!) << 17n) + BigInt(parts[2]!);
  }
  return total;
}

/**
 * Where a block leaves its partial sums. The hot loops touch no bigint: a bigint add there would be
 * speculated as 64-bit by the optimizing compiler and deoptimize once the sums pass 2^63.
 */
const parts = new Float64Array(4);

/**
 * Σ i² for lo ≤ i < hi into parts[0..3] (s0, s1, e0, e1), where every i² is an exact double and
 * hi − lo ≤ BLOCK. Fast2Sum (Dekker): with u = s + x rounded, x − (u − s) is exactly the rounding error
 * when s ≥ x. (When s < x, as at a block's first steps, u rounds only if x > 2^52; then u − s is an
 * integer within 1 of x ≤ 2^53, so exact too.) Each stream adds ≤ 2^19 squares < 2^53, so s < 2^72,
 * each error is ≤ ulp(s)/2 ≤ 2^19 and e stays < 2^38: every operation on e is exact.
 */
function exactSquaresBlock(lo: number, hi: number): void {
  let s0 = 0;
  let e0 = 0;
  let s1 = 0;
  let e1 = 0;
  let i = lo;
  // an odd element first, so the loop below needs no tail (a tail after a hot loop is cold code)
  if ((hi - lo) % 2 === 1) {
    s0 = i * i;
    i++;
  }
  for (; i < hi; i += 2) {
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
  parts[0] = s0;
  parts[1] = s1;
  parts[2] = e0;
  parts[3] = e1;
}

/**
 * Σ i² for lo ≤ i < hi into parts[0..3] (s, 0, e, 0), where a run of `run` squares below hi sums to
 * at most 2^53 and hi − lo ≤ BLOCK: each run is summed plainly in two streams (every partial sum is an
 * integer ≤ 2^53, so exact), then each stream's run sum r is added into s by Fast2Sum (as above: e
 * collects the exact rounding errors). s < 2^73 and e < 2^40 over a block: every operation on e is exact.
 */
function plainRunsBlock(lo: number, hi: number, run: number): void {
  let s = 0;
  let e = 0;
  let i = lo;
  while (i < hi) {
    const end = Math.min(hi, i + 2 * run);
    let r0 = 0;
    let r1 = 0;
    // an odd element first, so the loop below needs no tail (a tail after a hot loop is cold code)
    if ((end - i) % 2 === 1) {
      r0 = i * i;
      i++;
    }
    for (; i < end; i += 2) {
      r0 += i * i;
      const j = i + 1;
      r1 += j * j;
    }
    let u = s + r0;
    e += r0 - (u - s);
    s = u;
    u = s + r1;
    e += r1 - (u - s);
    s = u;
  }
  parts[0] = s;
  parts[1] = 0;
  parts[2] = e;
  parts[3] = 0;
}

/**
 * Σ i² for lo ≤ i < hi < 2^32 into parts[0..2] (Σa², Σa·b, Σb²), hi − lo ≤ BLOCK, where i² may
 * exceed 2^53: i = a·2^16 + b gives i² = a²·2^32 + a·b·2^17 + b²; each part < 2^32, so ≤ 2^20 of them
 * sum < 2^52.
 */
function splitSquaresBlock(lo: number, hi: number): void {
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
  parts[0] = aa;
  parts[1] = ab;
  parts[2] = bb;
}

let primed = false;

/**
 * Runs both loops a few times on tiny ranges of large numbers (≈ 0.1 ms), so the compiler's type
 * feedback is general from the start. Cold, the first block's small i make i * i look like a 32-bit
 * multiply and the optimized loop is thrown away (deoptimized) and rebuilt mid-sum.
 */
function prime(): void {
  primed = true;
  for (let k = 0; k < 12; k++) {
    exactSquaresBlock(EXACT_SQUARE_LIMIT - 10 + (k & 1), EXACT_SQUARE_LIMIT);
    plainRunsBlock(EXACT_SQUARE_LIMIT - 10 + (k & 1), EXACT_SQUARE_LIMIT, 3);
    splitSquaresBlock(MAX_N - 10 + (k & 1), MAX_N);
  }
}

function checkBound(call: string, name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_N) {
    const shown = typeof value === 'number' ? String(value) : `${String(value)} (${typeof value})`;
    throw new RangeError(`${call}: ${name} must be a whole number from 0 to 2^32 (${MAX_N}); got ${shown}.`);
  }
}

/** Task references for every backend: `tasks.sumOfSquares` runs in threads, processes and Redis workers. */
export const tasks = defineTasks(import.meta.url, { sumOfSquares, sumOfSquaresRange });
