/**
 * The error codec is total (issue 14): whatever a task throws, encoding never throws, the result is
 * plain data that structured clone carries, and decoding anything — even malformed data from Redis —
 * gives an Error. The public errors built from it never throw either.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { publicError } from '../src/core/public-error.ts';
import { AbortError, ConcError, TaskError } from '../src/errors.ts';
import { asReadableError, fromWireError, toWireError, type WireError } from '../src/internal/error-wire.ts';
import { KINDS, THROWN } from './fixtures/unreadable.ts';

describe('error-wire is total', () => {
  it.each(KINDS)('%s: encodes, clones, decodes and becomes a TaskError without throwing', (kind) => {
    const thrown = THROWN[kind]!.make();
    const wire = toWireError(thrown);
    const copy = structuredClone(wire);
    const back = fromWireError(copy);
    expect(back).toBeInstanceOf(Error);
    expect(typeof back.message).toBe('string');
    const error = publicError({ kind: 'threw', error: thrown }, 'nasty');
    expect(error).toBeInstanceOf(TaskError);
    expect(error.message).toContain(THROWN[kind]!.says);
  });

  it('any value at all: toWireError never throws and gives cloneable data; fromWireError reads anything', () => {
    fc.assert(
      fc.property(
        fc.anything({ withBigInt: true, withMap: true, withSet: true, withDate: true }),
        (value) => {
          const wire = toWireError(value);
          expect(() => structuredClone(wire)).not.toThrow();
          expect(fromWireError(structuredClone(wire))).toBeInstanceOf(Error);
          expect(fromWireError(value as WireError)).toBeInstanceOf(Error);
          expect(asReadableError(value)).toBeInstanceOf(Error);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a long cause chain is cut at 8; a cyclic one is marked, not followed', () => {
    let error = new Error('root');
    for (let i = 0; i < 20; i++) error = new Error(`level ${i}`, { cause: error });
    let depth = 0;
    for (let w: WireError | undefined = toWireError(error); w; w = w.cause) depth++;
    expect(depth).toBe(9);
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    const wire = toWireError(a);
    expect(wire.cause?.message).toBe('b');
    expect(wire.cause?.cause?.message).toBe('<cyclic cause>');
  });

  it('a readable error stays itself inline; an unreadable one becomes an Error saying what could be read', () => {
    const plain = new RangeError('fine', { cause: new Error('also fine') });
    expect(asReadableError(plain)).toBe(plain);
    const bad = Object.defineProperty(new TypeError('x'), 'message', {
      get() {
        throw new Error('no');
      },
    });
    const readable = asReadableError(bad);
    expect(readable === bad).toBe(false); // (vitest would read `bad` to print it)
    expect(readable).toBeInstanceOf(TypeError);
    expect(readable.message).toBe('<message could not be read>');
  });

  it('instanceof a conc error and TaskError itself never throw for a revoked Proxy', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(proxy instanceof ConcError).toBe(false);
    expect(proxy instanceof AbortError).toBe(false);
    expect(() => new TaskError('t', proxy)).not.toThrow();
    expect(new TaskError('t', proxy).message).toContain('Task "t" failed');
  });
});
