/** The ring buffer under the pool's queue: every operation against a plain array, across growth and wrap-around. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Deque } from '../src/util/deque.ts';

/** Everything a Deque shows, read without changing it. */
function contents<T>(d: Deque<T>): (T | undefined)[] {
  return Array.from({ length: d.length }, (_, i) => d.at(i));
}

describe('Deque', () => {
  it('is empty at first: shift, peek and at give undefined, drain gives []', () => {
    const d = new Deque<number>();
    expect(d.length).toBe(0);
    expect(d.shift()).toBeUndefined();
    expect(d.peek()).toBeUndefined();
    expect(d.at(0)).toBeUndefined();
    expect(d.drain()).toEqual([]);
  });

  it('push and shift are first in, first out; unshift goes to the front', () => {
    const d = new Deque<string>();
    d.push('b');
    d.push('c');
    d.unshift('a');
    expect(d.length).toBe(3);
    expect(d.peek()).toBe('a');
    expect(contents(d)).toEqual(['a', 'b', 'c']);
    expect(d.shift()).toBe('a');
    expect(d.shift()).toBe('b');
    expect(d.length).toBe(1);
    expect(d.peek()).toBe('c');
  });

  it('at is bounded by the length: negative and past-the-end indexes give undefined', () => {
    const d = new Deque<number>();
    for (let i = 0; i < 5; i++) d.push(i);
    expect(d.at(-1)).toBeUndefined();
    expect(d.at(5)).toBeUndefined();
    expect(d.at(4)).toBe(4);
    d.shift();
    expect(d.at(4)).toBeUndefined();
    expect(d.at(0)).toBe(1);
  });

  it('grows past its first capacity (16) while the head has wrapped around, keeping the order', () => {
    const d = new Deque<number>();
    // move the head near the end of the ring, then fill it so that the items wrap past index 0
    for (let i = 0; i < 12; i++) d.push(-1);
    for (let i = 0; i < 12; i++) d.shift();
    for (let i = 0; i < 16; i++) d.push(i);
    expect(contents(d)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    d.push(16); // full: grows, unwrapping the ring
    d.unshift(-1);
    expect(d.length).toBe(18);
    expect(contents(d)).toEqual(Array.from({ length: 18 }, (_, i) => i - 1));
    expect(d.drain()).toEqual(Array.from({ length: 18 }, (_, i) => i - 1));
    expect(d.length).toBe(0);
  });

  it('grows by unshift alone', () => {
    const d = new Deque<number>();
    for (let i = 0; i < 100; i++) d.unshift(i);
    expect(d.length).toBe(100);
    expect(d.peek()).toBe(99);
    expect(d.drain()).toEqual(Array.from({ length: 100 }, (_, i) => 99 - i));
  });

  it('drain empties it and it can be used again', () => {
    const d = new Deque<number>();
    for (let i = 0; i < 40; i++) d.push(i);
    expect(d.drain()).toHaveLength(40);
    d.push(7);
    expect(d.length).toBe(1);
    expect(d.shift()).toBe(7);
    expect(d.shift()).toBeUndefined();
  });

  it('behaves as an array under any sequence of operations (property)', () => {
    type Op =
      | { op: 'push'; value: number }
      | { op: 'unshift'; value: number }
      | { op: 'shift' }
      | { op: 'peek' }
      | { op: 'at'; index: number }
      | { op: 'drain' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { arbitrary: fc.record({ op: fc.constant('push' as const), value: fc.integer() }), weight: 6 },
      { arbitrary: fc.record({ op: fc.constant('unshift' as const), value: fc.integer() }), weight: 3 },
      { arbitrary: fc.record({ op: fc.constant('shift' as const) }), weight: 5 },
      { arbitrary: fc.record({ op: fc.constant('peek' as const) }), weight: 1 },
      {
        arbitrary: fc.record({ op: fc.constant('at' as const), index: fc.integer({ min: -2, max: 70 }) }),
        weight: 2,
      },
      { arbitrary: fc.record({ op: fc.constant('drain' as const) }), weight: 1 },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const d = new Deque<number>();
        let model: number[] = [];
        for (const o of ops) {
          switch (o.op) {
            case 'push':
              d.push(o.value);
              model.push(o.value);
              break;
            case 'unshift':
              d.unshift(o.value);
              model.unshift(o.value);
              break;
            case 'shift':
              expect(d.shift()).toBe(model.shift());
              break;
            case 'peek':
              expect(d.peek()).toBe(model[0]);
              break;
            case 'at':
              expect(d.at(o.index)).toBe(o.index < 0 ? undefined : model[o.index]);
              break;
            case 'drain':
              expect(d.drain()).toEqual(model);
              model = [];
              break;
          }
          expect(d.length).toBe(model.length);
        }
        expect(contents(d)).toEqual(model);
      }),
      { numRuns: 300 },
    );
  });
});
