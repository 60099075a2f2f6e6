import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BLOCK,
  EXACT_SQUARE_LIMIT,
  MAX_N,
  sumOfSquares,
  sumOfSquaresRange,
  tasks,
} from '../src/workloads/cpu.ts';

/** Σ i² for 0 ≤ i < n, by the closed form n(n−1)(2n−1)/6 in BigInt. */
function closed(n: number): bigint {
  const b = BigInt(n);
  return (b * (b - 1n) * (2n * b - 1n)) / 6n;
}

describe('sumOfSquares', () => {
  it('matches Python for the small cases', () => {
    expect(sumOfSquares(0)).toBe(0n);
    expect(sumOfSquares(1)).toBe(0n);
    expect(sumOfSquares(2)).toBe(1n);
    expect(sumOfSquares(3)).toBe(5n);
    expect(sumOfSquares(4)).toBe(14n);
  });

  it('gives the exact sums of the article’s default job (past 2^64)', () => {
    expect(sumOfSquares(5_000_000)).toBe(41666654166667500000n);
    for (let n = 5_000_000; n < 5_000_020; n++) expect(sumOfSquares(n)).toBe(closed(n));
  });

  it('is exact around block boundaries and odd/even lengths', () => {
    const ns = [
      5,
      6,
      7,
      BLOCK - 2,
      BLOCK - 1,
      BLOCK,
      BLOCK + 1,
      BLOCK + 2,
      2 * BLOCK - 1,
      2 * BLOCK,
      2 * BLOCK + 1,
      3 * BLOCK + 7,
    ];
    for (const n of ns) expect(sumOfSquares(n), `n = ${n}`).toBe(closed(n));
  });

  it('is exact for every n up to 2000', () => {
    let running = 0n;
    for (let n = 0; n <= 2000; n++) {
      expect(sumOfSquares(n)).toBe(running);
      running += BigInt(n) * BigInt(n);
    }
  });

  it('is exact for large n, across the limit where i² stops being an exact double', () => {
    // 10^8 crosses EXACT_SQUARE_LIMIT (≈ 9.49 × 10^7): both inner loops run
    expect(sumOfSquares(100_000_000)).toBe(closed(100_000_000));
  });

  it('is exact for the largest blocks of each kind (worst case for the accumulators)', () => {
    const check = (from: number, to: number) =>
      expect(sumOfSquaresRange(from, to), `[${from}, ${to})`).toBe(closed(to) - closed(from));
    check(EXACT_SQUARE_LIMIT - BLOCK, EXACT_SQUARE_LIMIT);
    check(EXACT_SQUARE_LIMIT - BLOCK - 1, EXACT_SQUARE_LIMIT + 1);
    check(EXACT_SQUARE_LIMIT - 3, EXACT_SQUARE_LIMIT + BLOCK + 3);
    check(MAX_N - BLOCK, MAX_N);
    check(MAX_N - 2 * BLOCK - 3, MAX_N - 1);
    check(2 ** 31 - 5, 2 ** 31 + 5);
  });

  it('is exact where plain runs give way to Fast2Sum on every square (run sums nearest 2^53)', () => {
    const check = (from: number, to: number) =>
      expect(sumOfSquaresRange(from, to), `[${from}, ${to})`).toBe(closed(to) - closed(from));
    // runs of 8 squares ≤ (2^25)² sum to 2^53: the last blocks below 2^25 take runs of ≥ 8, the next ones Fast2Sum
    check(2 ** 25 - 2 * BLOCK - 1, 2 ** 25 + BLOCK + 1);
    check(2 ** 25 - 3, 2 ** 25 + 3);
    for (const top of [2 ** 24, 2 ** 23 + 12_345, 11_863_283]) check(top - BLOCK, top);
  });

  it('is exact for random ranges of up to two blocks below the exact-square limit', () => {
    const range = fc
      .tuple(fc.integer({ min: 0, max: EXACT_SQUARE_LIMIT }), fc.integer({ min: 0, max: 2 * BLOCK }))
      .map(([a, len]) => [Math.max(0, Math.min(a, EXACT_SQUARE_LIMIT - len)), len] as const);
    fc.assert(
      fc.property(
        range,
        ([from, len]) => sumOfSquaresRange(from, from + len) === closed(from + len) - closed(from),
      ),
      { numRuns: 40 },
    );
  });

  it('is exact for random ranges anywhere in [0, 2^32]', () => {
    const range = fc
      .tuple(fc.integer({ min: 0, max: MAX_N }), fc.integer({ min: 0, max: 3000 }))
      .map(([a, len]) => [Math.max(0, Math.min(a, MAX_N - len)), len] as const);
    fc.assert(
      fc.property(
        range,
        ([from, len]) => sumOfSquaresRange(from, from + len) === closed(from + len) - closed(from),
      ),
      { numRuns: 300 },
    );
  });

  it('returns 0 for an empty or reversed range', () => {
    expect(sumOfSquaresRange(10, 10)).toBe(0n);
    expect(sumOfSquaresRange(10, 3)).toBe(0n);
    expect(sumOfSquaresRange(3, 5)).toBe(25n);
  });

  it('rejects negative, fractional, non-number and too large n with a clear message', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, MAX_N + 1, '5' as unknown as number]) {
      expect(() => sumOfSquares(bad)).toThrow(RangeError);
    }
    expect(() => sumOfSquares(-1)).toThrow(/n must be a whole number from 0 to 2\^32 .* got -1/);
    expect(() => sumOfSquaresRange(0, 2.5)).toThrow(/to must be a whole number/);
  });

  it('is declared as a task for every backend', () => {
    expect(tasks.sumOfSquares.name).toBe('sumOfSquares');
    expect(tasks.sumOfSquares.module).toMatch(/^file:.*workloads\/cpu\.ts$/);
  });
});
