/**
 * TypeScript task modules work from the built package too: dist's .js workers register tsx themselves
 * the first time they meet a .ts module (see src/internal/ts-support.ts). `npm test` builds dist first.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tasks } from './fixtures/basic.ts';

const dist = new URL('../dist/index.js', import.meta.url);

describe.each(['threads', 'processes'] as const)('TypeScript tasks from the built package: %s', (mode) => {
  it('runs a .ts task module through dist/ workers', async () => {
    expect(existsSync(dist), 'dist/ is missing: run `npm run build` (npm test does)').toBe(true);
    const { createExecutor } = (await import(dist.href)) as typeof import('../src/index.ts');
    const ex = createExecutor({ mode, workers: 2 });
    try {
      expect(await ex.map(tasks.square, [1, 2, 3])).toEqual([1, 4, 9]);
      expect(await ex.submit(tasks.bigSquare, 3n)).toBe(9n);
    } finally {
      await ex.close();
    }
  });
});

describe('parent flags Node refuses in a worker thread', () => {
  it('are dropped for the workers instead of failing the pool', () => {
    const script = `
      import { createExecutor, taskRef } from ${JSON.stringify(dist.href)};
      const echo = taskRef(${JSON.stringify(new URL('../bench/fixtures/echo.mjs', import.meta.url).href)}, 'echo');
      const ex = createExecutor({ mode: 'threads', workers: 1 });
      console.log(await ex.submit(echo, 42));
      await ex.close();`;
    const child = spawnSync(
      process.execPath,
      ['--max-semi-space-size=4', '--input-type=module', '-e', script],
      {
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('42');
    expect(child.status).toBe(0);
  });
});
