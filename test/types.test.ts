/** The public generics: argument and result types flow from the task functions to every call. */
import { describe, expectTypeOf, it } from 'vitest';
import { createExecutor, type TaskArgs, type TaskResult } from '../src/index.ts';
import { tasks } from './fixtures/basic.ts';

describe('types', () => {
  it('infer arguments and results from defineTasks', async () => {
    expectTypeOf<TaskArgs<typeof tasks.add>>().toEqualTypeOf<[a: number, b: number]>();
    expectTypeOf<TaskResult<typeof tasks.sleep>>().toEqualTypeOf<unknown>();
    expectTypeOf<TaskResult<typeof tasks.bigSquare>>().toEqualTypeOf<bigint>();
    const ex = createExecutor({ mode: 'sync' });
    expectTypeOf(ex.submit(tasks.add, 1, 2)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(ex.map(tasks.square, [1, 2])).toEqualTypeOf<Promise<number[]>>();
    expectTypeOf(ex.map(tasks.square, [1], { settle: true })).toEqualTypeOf<
      Promise<PromiseSettledResult<number>[]>
    >();
    expectTypeOf(ex.imap(tasks.bigSquare, [1n])).toEqualTypeOf<AsyncGenerator<bigint, void, undefined>>();
    // @ts-expect-error wrong argument type
    void ex.submit(tasks.add, 1, 'two').catch(() => {});
    // @ts-expect-error items must match the task's argument
    void ex.map(tasks.square, ['x']).catch(() => {});
    await ex.close();
  });
});
