/**
 * map's input source: one `take()` over an Iterable or an AsyncIterable, pulled lazily; a sync input
 * answers synchronously (a window fills in one go); `close()` tells the input through its `return()`,
 * even when the close comes while an async pull is still waiting.
 */
import { describe, expect, it, vi } from 'vitest';
import { InvalidOptionsError } from '../src/errors.ts';
import { InputSource } from '../src/map/input.ts';

/** An iterator over 0, 1, 2… (up to `end`) that counts its pulls and its return() calls. */
function counting(end = Number.POSITIVE_INFINITY) {
  const seen = { next: 0, returned: 0 };
  const iterator: Iterator<number> = {
    next: () => (seen.next < end ? { done: false, value: seen.next++ } : { done: true, value: undefined }),
    return: () => {
      seen.returned++;
      return { done: true, value: undefined };
    },
  };
  return { seen, iterable: { [Symbol.iterator]: () => iterator } };
}

/** An async iterator whose next() waits until the test releases it: a pull in progress. */
function gated() {
  const seen = { next: 0, returned: 0 };
  let release: ((step: IteratorResult<number>) => void) | undefined;
  const iterator: AsyncIterator<number> = {
    next: () => {
      seen.next++;
      return new Promise((resolve) => {
        release = resolve;
      });
    },
    return: async () => {
      seen.returned++;
      return { done: true, value: undefined };
    },
  };
  return {
    seen,
    iterable: { [Symbol.asyncIterator]: () => iterator },
    release: (step: IteratorResult<number>) => release?.(step),
  };
}

describe('InputSource', () => {
  it('refuses what is not iterable, naming what it got', () => {
    for (const value of [undefined, null, 42, { length: 2 }]) {
      expect(() => new InputSource(value)).toThrow(InvalidOptionsError);
    }
    expect(() => new InputSource(42)).toThrow(/Iterable or an AsyncIterable; got `42` \(number\)/);
  });

  it('a sync input answers synchronously, an array not a promise, and pulls only what it is asked', () => {
    const { seen, iterable } = counting();
    const source = new InputSource(iterable);
    const first = source.take(3);
    expect(first).toEqual([0, 1, 2]);
    expect(first).not.toBeInstanceOf(Promise);
    expect(seen.next).toBe(3);
    expect(source.done).toBe(false);
    expect(source.take(2)).toEqual([3, 4]);
    expect(seen.next).toBe(5);
  });

  it('a sync input ends: the last take is short, then empty, and done is true', () => {
    const source = new InputSource([1, 2, 3]);
    expect(source.take(2)).toEqual([1, 2]);
    expect(source.done).toBe(false);
    expect(source.take(2)).toEqual([3]);
    expect(source.done).toBe(true);
  });

  it('what the input throws comes out of take, and the input is done', () => {
    function* failing() {
      yield 1;
      throw new Error('input broke');
    }
    const source = new InputSource(failing());
    expect(() => source.take(5)).toThrow('input broke');
    expect(source.done).toBe(true);
  });

  it('an async input answers with a promise, pulling one item at a time', async () => {
    let pulled = 0;
    async function* gen() {
      for (let i = 0; i < 5; i++) {
        pulled++;
        yield i * 10;
      }
    }
    const source = new InputSource(gen());
    const pending = source.take(2);
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toEqual([0, 10]);
    expect(pulled).toBe(2);
    expect(await source.take(10)).toEqual([20, 30, 40]);
    expect(source.done).toBe(true);
  });

  it('an async input that rejects: take rejects with its error and the input is done', async () => {
    async function* failing() {
      yield 1;
      throw new Error('async input broke');
    }
    const source = new InputSource(failing());
    await expect(source.take(5)).rejects.toThrow('async input broke');
    expect(source.done).toBe(true);
  });

  it('an object that is both kinds is read as async', async () => {
    const both = {
      [Symbol.iterator]: () => [1][Symbol.iterator](),
      [Symbol.asyncIterator]: async function* () {
        yield 2;
      },
    };
    expect(await new InputSource(both).take(5)).toEqual([2]);
  });

  it('close() calls return() on a sync input, once, and take gives nothing after', async () => {
    const { seen, iterable } = counting();
    const source = new InputSource(iterable);
    source.take(2);
    await source.close();
    expect(seen.returned).toBe(1);
    expect(source.done).toBe(true);
    await source.close();
    expect(seen.returned).toBe(1);
  });

  it('close() runs a generator’s finally block, sync and async', async () => {
    const cleaned: string[] = [];
    function* syncGen() {
      try {
        for (;;) yield 1;
      } finally {
        cleaned.push('sync');
      }
    }
    async function* asyncGen() {
      try {
        for (;;) yield 1;
      } finally {
        cleaned.push('async');
      }
    }
    const a = new InputSource(syncGen());
    a.take(1);
    await a.close();
    const b = new InputSource(asyncGen());
    await b.take(1);
    await b.close();
    expect(cleaned).toEqual(['sync', 'async']);
  });

  it('close() after the input ended does not call return()', async () => {
    const { seen, iterable } = counting(2);
    const source = new InputSource(iterable);
    expect(source.take(5)).toEqual([0, 1]);
    await source.close();
    expect(seen.returned).toBe(0);
  });

  it('close() never throws, even when the input’s return() does', async () => {
    const iterable = {
      [Symbol.iterator]: () => ({
        next: () => ({ done: false, value: 1 }),
        return: () => {
          throw new Error('cleanup failed');
        },
      }),
    };
    const source = new InputSource(iterable);
    source.take(1);
    await expect(source.close()).resolves.toBeUndefined();
    const asyncIterable = {
      [Symbol.asyncIterator]: () => ({
        next: async () => ({ done: false, value: 1 }),
        return: () => Promise.reject(new Error('async cleanup failed')),
      }),
    };
    const asyncSource = new InputSource(asyncIterable);
    await asyncSource.take(1);
    await expect(asyncSource.close()).resolves.toBeUndefined();
  });

  it('close during a pending async pull: return() waits for the pull, then is called once; take gives []', async () => {
    const input = gated();
    const source = new InputSource(input.iterable);
    const pending = source.take(3);
    expect(input.seen.next).toBe(1);
    await source.close();
    // an async iterator must not be told to return while its next() is still running
    expect(input.seen.returned).toBe(0);
    expect(source.done).toBe(true);
    input.release({ done: false, value: 7 });
    expect(await pending).toEqual([]);
    expect(input.seen.next).toBe(1);
    expect(input.seen.returned).toBe(1);
  });

  it('close of an async input between pulls calls return() at once', async () => {
    const input = gated();
    const source = new InputSource(input.iterable);
    const pending = source.take(1);
    input.release({ done: false, value: 1 });
    expect(await pending).toEqual([1]);
    await source.close();
    expect(input.seen.returned).toBe(1);
  });

  it('the pull loop stops at n: a take never pulls ahead', async () => {
    const next = vi.fn(async () => ({ done: false, value: 0 }));
    const source = new InputSource({ [Symbol.asyncIterator]: () => ({ next }) });
    await source.take(4);
    expect(next).toHaveBeenCalledTimes(4);
  });
});
