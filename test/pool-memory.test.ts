/**
 * maxMemoryMb (issue 14): each pool worker gets a heap limit; a task that exceeds it fails with a
 * WorkerCrashedError naming the limit, its worker is replaced, and every other item proceeds.
 * (A child process that reaches its limit is aborted by V8, which prints why on stderr.)
 */
import { describe, expect, it } from 'vitest';
import { createExecutor, WorkerCrashedError } from '../src/index.ts';
import { tasks as basic } from './fixtures/basic.ts';
import { tasks as memory } from './fixtures/memory.ts';

describe.each(['threads', 'processes'] as const)('maxMemoryMb on %s', (mode) => {
  it('a task that allocates past the limit fails alone, naming the limit; the pool goes on', async () => {
    const ex = createExecutor({ mode, workers: 2, maxMemoryMb: 64 });
    try {
      const items: (number | 'hog')[] = [1, 2, 'hog', 4, 5, 6];
      const out = await ex.map(memory.hogOrDouble, items, { settle: true });
      expect(out.map((r) => r.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
        'fulfilled',
      ]);
      expect(out.filter((r) => r.status === 'fulfilled').map((r) => r.value)).toEqual([2, 4, 8, 10, 12]);
      const error = (out[2] as PromiseRejectedResult).reason as WorkerCrashedError;
      expect(error).toBeInstanceOf(WorkerCrashedError);
      expect(error.task).toBe('hogOrDouble');
      expect(error.message).toContain('ran out of memory (maxMemoryMb 64');
      expect(await ex.map(basic.square, [1, 2, 3])).toEqual([1, 4, 9]);
      expect(ex.stats()).toMatchObject({ completed: 8, failed: 1, running: 0, queued: 0 });
    } finally {
      await ex.close({ cancel: true });
    }
  });
});
