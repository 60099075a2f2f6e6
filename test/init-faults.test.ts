/**
 * Initializers that never let a worker start (issue 14): one that exits its worker, one that throws
 * from a timer, one that hangs. A worker that dies or is not ready within initTimeoutMs before it is
 * ready is a start failure; three in a row break the pool, which fails every queued and later call with
 * a BrokenPoolError naming the cause — no respawn loop (the initializer's runs are counted), no hang.
 * Inline modes: a hanging initializer fails every task with InitializerError after initTimeoutMs.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_STARTUP_DEATHS } from '../src/backends/pool/pool.ts';
import { BrokenPoolError, createExecutor, InitializerError } from '../src/index.ts';
import { tasks as init } from './fixtures/bad-init.ts';
import { tasks as basic } from './fixtures/basic.ts';

const dirs: string[] = [];
const logFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'conc-init-'));
  dirs.push(dir);
  return join(dir, 'starts');
};
/** How many workers ran the initializer (0: none got that far before the pool gave up). */
const starts = (log: string) => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').length - 1 : 0);
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe.each(['threads', 'processes'] as const)('initializers that never let a %s worker start', (mode) => {
  const cases = [
    ['exits its worker', init.exitInit, ['exit code 3']],
    ['throws from a timer', init.timerThrowInit, ['boom in init timer']],
  ] as const;
  for (const [what, initializer, says] of cases) {
    it(`an initializer that ${what}: every call fails with BrokenPoolError, no respawn loop`, async () => {
      const log = logFile();
      const ex = createExecutor({ mode, workers: 2, initializer, initArgs: [log] });
      try {
        const settled = await ex.map(basic.square, [1, 2, 3, 4, 5], { settle: true });
        const later = await ex.submit(basic.square, 6).catch((e: unknown) => e);
        for (const reason of [...settled.map((r) => (r as PromiseRejectedResult).reason), later]) {
          expect(reason).toBeInstanceOf(BrokenPoolError);
          const message = (reason as Error).message;
          expect(message).toContain('No worker of this pool can start');
          expect(message).toContain('died before they were ready');
          expect(message).toContain(`initializer "${initializer.name}"`);
          for (const piece of says) expect(message).toContain(piece);
        }
        // a breaker, not a loop: at most the failures that break it, plus the other worker's start
        expect(starts(log)).toBeLessThanOrEqual(MAX_STARTUP_DEATHS + 1);
        expect(ex.stats()).toMatchObject({ running: 0, queued: 0, failed: 6 });
      } finally {
        await ex.close({ cancel: true });
      }
    });
  }

  it('an initializer that hangs: the start fails after initTimeoutMs, map and submit reject', async () => {
    const log = logFile();
    const ex = createExecutor({
      mode,
      workers: 2,
      initializer: init.hangInit,
      initArgs: [log],
      initTimeoutMs: 300,
    });
    try {
      const error = await ex.map(basic.square, [1, 2, 3]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BrokenPoolError);
      const message = (error as Error).message;
      expect(message).toContain('not ready within initTimeoutMs (300 ms)');
      expect(message).toContain('initializer "hangInit" had not finished');
      await expect(ex.submit(basic.square, 2)).rejects.toBeInstanceOf(BrokenPoolError);
      expect(starts(log)).toBeLessThanOrEqual(MAX_STARTUP_DEATHS + 1);
    } finally {
      await ex.close({ cancel: true });
    }
    expect(ex.stats().workers).toBe(0);
  });

  it('a slow initializer within initTimeoutMs is fine', async () => {
    const ex = createExecutor({ mode, workers: 1, initTimeoutMs: 60_000 });
    try {
      expect(await ex.map(basic.square, [1, 2])).toEqual([1, 4]);
    } finally {
      await ex.close();
    }
  });
});

describe.each(['sync', 'async'] as const)('an initializer that hangs inline (%s)', (mode) => {
  it('fails every task with InitializerError after initTimeoutMs', async () => {
    const log = logFile();
    const ex = createExecutor({ mode, initializer: init.hangInit, initArgs: [log], initTimeoutMs: 200 });
    try {
      const settled = await ex.map(basic.square, [1, 2, 3], { settle: true });
      for (const r of settled) {
        const reason = (r as PromiseRejectedResult).reason as Error;
        expect(reason).toBeInstanceOf(InitializerError);
        expect(reason.message).toContain('"hangInit"');
        expect(reason.message).toContain('did not finish within initTimeoutMs (200 ms)');
      }
      await expect(ex.submit(basic.square, 4)).rejects.toBeInstanceOf(InitializerError);
      expect(starts(log)).toBe(1);
    } finally {
      await ex.close({ cancel: true });
    }
  });
});
