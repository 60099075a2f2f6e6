/**
 * Outcomes as data, for every boundary (pool messages, Redis jobs): `[kind, payload]`, where the payload
 * of `ok` is the value itself and that of any other kind a small {@link WireFailure}. Errors inside
 * travel as {@link WireError} and come back with their name, stack, code and cause chain.
 * Lean on purpose: worker entries load it.
 */
import { AbortError, TaskTimeoutError } from '../errors.ts';
import { fromWireError, toWireError, type WireError } from '../internal/error-wire.ts';
import type { Failure, Outcome, OutcomeKind } from './outcome.ts';

export interface WireFailure {
  /** The message, detail or initializer name, by kind. */
  m?: string | undefined;
  /** The error, cause or reason, by kind. */
  e?: WireError | undefined;
  /** timeout: the limit that was passed. */
  ms?: number | undefined;
}

const wireOf = (value: unknown): WireError | undefined =>
  value === undefined ? undefined : toWireError(value);
const errorOf = (wire: WireError | undefined): Error | undefined =>
  wire === undefined ? undefined : fromWireError(wire);

export function failureToWire(o: Failure): WireFailure {
  switch (o.kind) {
    case 'threw':
      return { e: toWireError(o.error) };
    case 'aborted':
      return { e: toWireError(o.reason) };
    case 'timeout':
      return { ms: o.ms, m: o.message };
    case 'init-failed':
      return { m: o.initializer, e: toWireError(o.error) };
    case 'crashed':
    case 'broken':
      return { m: o.detail, e: wireOf(o.cause) };
    default:
      return { m: o.message, e: wireOf(o.cause) };
  }
}

export function failureFromWire(kind: Exclude<OutcomeKind, 'ok'>, w: WireFailure): Failure {
  const m = w.m ?? '';
  switch (kind) {
    case 'threw':
      return { kind, error: errorOf(w.e) };
    case 'aborted':
      return { kind, reason: errorOf(w.e) };
    case 'timeout':
      return { kind, ms: w.ms ?? 0, message: w.m };
    case 'init-failed':
      return { kind, initializer: m, error: errorOf(w.e) };
    case 'crashed':
    case 'broken':
      return { kind, detail: m, cause: errorOf(w.e) };
    case 'not-found':
    case 'bad-argument':
    case 'unreachable':
      return { kind, message: m, cause: errorOf(w.e) };
    default:
      return {
        kind: 'bad-argument',
        message: `conc cannot read an outcome of kind ${JSON.stringify(kind)}.`,
      };
  }
}

/** An outcome as `[kind, payload]`. */
export function outcomeToWire(o: Outcome): [OutcomeKind, unknown] {
  return o.kind === 'ok' ? ['ok', o.value] : [o.kind, failureToWire(o)];
}

export function outcomeFromWire(kind: OutcomeKind, payload: unknown): Outcome {
  return kind === 'ok' ? { kind, value: payload } : failureFromWire(kind, (payload ?? {}) as WireFailure);
}

/**
 * A cancel's reason as the task sees it: conc's own AbortError and TaskTimeoutError are rebuilt as
 * themselves (so `instanceof` works in the task), anything else as error-wire rebuilds it.
 */
export function reasonFromWire(wire: WireError): Error {
  const props = wire.props ?? {};
  let error: Error;
  if (props.code === TaskTimeoutError.code)
    error = new TaskTimeoutError(String(props.task), Number(props.timeoutMs), wire.message);
  else if (props.code === AbortError.code)
    error = new AbortError(wire.message, wire.cause ? { cause: fromWireError(wire.cause) } : undefined);
  else return fromWireError(wire);
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}
