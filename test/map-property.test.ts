/** Property: for random lists, delays, failures and widths, map settles exactly one result per input, in order. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createExecutor, TaskError } from '../src/index.ts';
import { tasks } from './fixtures/behave.ts';

const modes = ['sync', 'async', 'threads', 'processes'] as const;

describe.each(modes)('map property: %s', (mode) => {
  it('one settled result per input, in input order, whatever the delays, failures, width and chunk', async () => {
    const pools = mode === 'threads' || mode === 'processes';
    const executors = new Map<number, ReturnType<typeof createExecutor>>();
    const executor = (width: number) => {
      let ex = executors.get(width);
      if (!ex) {
        ex = createExecutor({ mode, ...(mode === 'sync' ? {} : { workers: width }) });
        executors.set(width, ex);
      }
      return ex;
    };
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({ value: fc.integer(), delayMs: fc.integer({ min: 0, max: 4 }), fail: fc.boolean() }),
            {
              maxLength: 40,
            },
          ),
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 1, max: 5 }),
          async (items, width, chunkSize) => {
            const out = await executor(width).map(tasks.behave, items, { settle: true, chunkSize });
            expect(out).toHaveLength(items.length);
            out.forEach((result, i) => {
              const item = items[i]!;
              if (item.fail) {
                expect(result.status).toBe('rejected');
                const reason = (result as PromiseRejectedResult).reason as TaskError;
                expect(reason).toBeInstanceOf(TaskError);
                expect((reason.cause as Error).message).toBe(`item ${item.value} failed`);
              } else {
                expect(result).toEqual({ status: 'fulfilled', value: item.value });
              }
            });
          },
        ),
        { numRuns: pools ? 25 : 60, interruptAfterTimeLimit: 20_000 },
      );
    } finally {
      await Promise.all([...executors.values()].map((ex) => ex.close({ cancel: true })));
    }
  });
});
