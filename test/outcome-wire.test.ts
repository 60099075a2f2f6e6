/**
 * Outcomes as data: every kind survives `outcomeToWire` → (nothing | structuredClone | v8 serialize,
 * as a pool message or a Redis job carries it) → `outcomeFromWire`, and errors inside come back with
 * their name, message, stack, code, own properties and cause chain.
 */
import { deserialize, serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { KINDS, type Outcome, type OutcomeKind } from '../src/core/outcome.ts';
import { failureFromWire, failureToWire, outcomeFromWire, outcomeToWire } from '../src/core/outcome-wire.ts';
import { richError, sampleOutcomes } from './helpers/outcomes.ts';

const carriers: Record<string, <T>(value: T) => T> = {
  'in memory': (value) => value,
  structuredClone: (value) => structuredClone(value),
  'v8.serialize': (value) => deserialize(serialize(value)),
};

/** What an error must keep when it crosses: compared field by field, the cause chain included. */
function shape(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const own: Record<string, unknown> = {};
  for (const key of Object.keys(value)) own[key] = (value as unknown as Record<string, unknown>)[key];
  return { name: value.name, message: value.message, stack: value.stack, own, cause: shape(value.cause) };
}

/** An outcome with every error in it replaced by its shape. */
function outcomeShape(o: Outcome): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, shape(v)]));
}

function roundTrip(o: Outcome, carry: <T>(value: T) => T): Outcome {
  const [kind, payload] = carry(outcomeToWire(o));
  return outcomeFromWire(kind, payload);
}

describe('outcome wire format', () => {
  it('the samples cover every kind', () => {
    expect(Object.keys(sampleOutcomes()).sort()).toEqual([...KINDS].sort());
  });

  for (const [carrier, carry] of Object.entries(carriers)) {
    describe(carrier, () => {
      it.each(KINDS)('%s round-trips', (kind: OutcomeKind) => {
        const original = sampleOutcomes()[kind];
        const back = roundTrip(original, carry);
        expect(back.kind).toBe(kind);
        expect(outcomeShape(back)).toEqual(outcomeShape(original));
      });

      it('errors keep name, message, stack, code, own properties, built-in class and cause chain', () => {
        const original = richError();
        const back = roundTrip({ kind: 'threw', error: original }, carry);
        if (back.kind !== 'threw') throw new Error(`expected threw, got ${back.kind}`);
        const error = back.error as Error & { code: string; limit: number };
        expect(error).toBeInstanceOf(RangeError);
        expect(error.name).toBe('RangeError');
        expect(error.message).toBe('over quota');
        expect(error.stack).toBe(original.stack);
        expect(error.code).toBe('E_QUOTA');
        expect(error.limit).toBe(3);
        const middle = error.cause as Error;
        expect(middle.message).toBe('middle');
        expect(middle.cause).toBeInstanceOf(TypeError);
        expect((middle.cause as Error).message).toBe('root');
      });

      it('an ok value keeps BigInt, Map and Date', () => {
        const back = roundTrip(
          { kind: 'ok', value: { n: 2n ** 70n, m: new Map([[1, 'a']]), d: new Date(5) } },
          carry,
        );
        expect(back).toEqual({ kind: 'ok', value: { n: 2n ** 70n, m: new Map([[1, 'a']]), d: new Date(5) } });
      });

      it('a thrown non-Error value comes back as an Error that names and carries it', () => {
        const back = roundTrip({ kind: 'threw', error: 'a plain string' }, carry);
        if (back.kind !== 'threw') throw new Error(`expected threw, got ${back.kind}`);
        const error = back.error as Error & { thrown: unknown };
        expect(error).toBeInstanceOf(Error);
        expect(error.name).toBe('NonErrorThrown');
        expect(error.message).toBe('a plain string');
        expect(error.thrown).toBe('a plain string');
      });
    });
  }

  it('optional parts stay absent: a crash without a cause, a timeout without a message', () => {
    expect(roundTrip({ kind: 'crashed', detail: 'SIGKILL' }, structuredClone)).toEqual({
      kind: 'crashed',
      detail: 'SIGKILL',
      cause: undefined,
    });
    expect(roundTrip({ kind: 'timeout', ms: 10 }, structuredClone)).toEqual({
      kind: 'timeout',
      ms: 10,
      message: undefined,
    });
  });

  it('the wire form is plain data: `ok` carries the value itself, a failure a small object', () => {
    const value = { a: 1 };
    expect(outcomeToWire({ kind: 'ok', value })).toEqual(['ok', value]);
    const [kind, payload] = outcomeToWire({ kind: 'timeout', ms: 150, message: 'slow' });
    expect(kind).toBe('timeout');
    expect(payload).toEqual({ ms: 150, m: 'slow' });
    for (const o of Object.values(sampleOutcomes())) {
      if (o.kind === 'ok') continue;
      const wire = failureToWire(o);
      expect(Object.getPrototypeOf(wire)).toBe(Object.prototype);
      expect(() => JSON.stringify(wire)).not.toThrow();
    }
  });

  it('a failure without a payload still reads as its kind', () => {
    expect(outcomeFromWire('threw', undefined)).toEqual({ kind: 'threw', error: undefined });
    expect(outcomeFromWire('broken', null)).toEqual({ kind: 'broken', detail: '', cause: undefined });
  });

  it('an unknown kind (a newer peer on the queue) reads as bad-argument that names it', () => {
    const o = failureFromWire('from-the-future' as never, {});
    expect(o.kind).toBe('bad-argument');
    expect((o as { message: string }).message).toContain('"from-the-future"');
  });
});
