/**
 * Errors cross thread, process and machine boundaries as plain data and are rebuilt on the other side
 * with their name, message, stack, `code`, own properties and `cause` chain. Written once; used by the
 * thread and process pools, the distributed backend and `conc worker`. Kept free of conc imports:
 * worker entries load it.
 *
 * Total on purpose: a task may throw anything — an Error whose getters throw, a Proxy whose traps throw,
 * a revoked Proxy, a symbol, a cyclic cause chain. Every read here is guarded, so encoding never throws;
 * what cannot be read is described as such. `asReadableError` gives the in-process backends the same rule.
 */
import { inspect, types } from 'node:util';

/** An error as data. `kind` says which conc error the parent should raise for it. */
export interface WireError {
  name: string;
  message: string;
  stack?: string | undefined;
  /** Constructor name of a built-in error class (TypeError…), so the rebuilt error is an instance of it. */
  ctor?: string | undefined;
  props?: Record<string, unknown> | undefined;
  cause?: WireError | undefined;
  /** Set when a thrown value was not an Error (a string, a number…) and could be copied. */
  thrown?: unknown;
}

/** The name of the Error that stands for a thrown value that is not an Error. */
export const NON_ERROR = 'NonErrorThrown';
const MAX_CAUSE_DEPTH = 8;
const MAX_TEXT = 2000;
const SKIP = new Set(['name', 'message', 'stack', 'cause']);
const BUILTINS: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** `read()` of something whose getter or trap threw. */
const UNREADABLE: unique symbol = Symbol('unreadable');

function read(target: object, key: PropertyKey): unknown {
  try {
    return (target as Record<PropertyKey, unknown>)[key];
  } catch {
    return UNREADABLE;
  }
}

/** `value instanceof Error`, false when asking throws (a revoked Proxy, a throwing getPrototypeOf trap). */
export function isError(value: unknown): value is Error {
  try {
    return value instanceof Error;
  } catch {
    return false;
  }
}

function cloneable(value: unknown): boolean {
  if (
    value === null ||
    (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol')
  )
    return true;
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/** A short text for any value, never throwing: strings as they are, the rest as util.inspect shows them. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return clip(value);
  try {
    if (types.isProxy(value)) return 'a Proxy (its contents cannot be read safely)';
    return clip(inspect(value, { depth: 1, breakLength: Number.POSITIVE_INFINITY, maxArrayLength: 10 }));
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return `an unreadable ${typeof value}`;
    }
  }
}

function clip(text: string): string {
  return text.length > MAX_TEXT
    ? `${text.slice(0, MAX_TEXT)}… (${text.length - MAX_TEXT} more characters)`
    : text;
}

/** A string field of an error, or what to say when it cannot be read. */
function text(error: object, key: 'message' | 'stack'): string | undefined {
  const value = read(error, key);
  if (value === UNREADABLE) return key === 'stack' ? undefined : `<${key} could not be read>`;
  if (value === undefined) return key === 'message' ? '' : undefined;
  return typeof value === 'string' ? clip(value) : describeValue(value);
}

function ctorName(error: object): string | undefined {
  const ctor = read(error, 'constructor');
  if (ctor === UNREADABLE || (typeof ctor !== 'function' && typeof ctor !== 'object') || ctor === null)
    return undefined;
  const name = read(ctor, 'name');
  return typeof name === 'string' ? name : undefined;
}

/** Turns any thrown value into data that structured clone (and JSON, but for BigInt props) carries. Never throws. */
export function toWireError(error: unknown, depth = 0, seen: Set<unknown> = new Set()): WireError {
  if (!isError(error)) return nonError(error);
  seen.add(error);
  const ctor = ctorName(error);
  const name = read(error, 'name');
  const wire: WireError = {
    name: typeof name === 'string' ? clip(name) : (ctor ?? 'Error'),
    message: text(error, 'message') ?? '',
    stack: text(error, 'stack'),
  };
  if (ctor && ctor in BUILTINS) wire.ctor = ctor;
  copyProps(error, wire);
  let hasCause = false;
  try {
    hasCause = 'cause' in error;
  } catch {}
  const cause = hasCause ? read(error, 'cause') : undefined;
  if (cause === UNREADABLE) wire.cause = { name: 'Error', message: '<cause could not be read>' };
  else if (cause !== undefined && seen.has(cause)) wire.cause = { name: 'Error', message: '<cyclic cause>' };
  else if (cause !== undefined && depth < MAX_CAUSE_DEPTH) wire.cause = toWireError(cause, depth + 1, seen);
  return wire;
}

function nonError(value: unknown): WireError {
  const proxy = types.isProxy(value);
  const wire: WireError = { name: NON_ERROR, message: describeValue(value) };
  if (!proxy && cloneable(value)) wire.thrown = value;
  return wire;
}

function copyProps(error: Error, wire: WireError): void {
  let keys: string[];
  try {
    keys = Object.keys(error);
  } catch {
    return;
  }
  for (const key of keys) {
    if (SKIP.has(key)) continue;
    const value = read(error, key);
    if (value === UNREADABLE || !cloneable(value)) continue;
    wire.props ??= {};
    wire.props[key] = value;
  }
}

/** Rebuilds an Error from data: same name, message, stack, code, own properties and cause chain. Never throws. */
export function fromWireError(wire: WireError, depth = 0): Error {
  const w = (wire ?? {}) as Partial<WireError>;
  const message = typeof w.message === 'string' ? w.message : describeValue(w.message);
  const name = typeof w.name === 'string' ? w.name : 'Error';
  if (name === NON_ERROR) {
    // a stand-in that crossed twice (a pool worker inside `conc worker`) carries the value as an own prop
    const props = w.props && typeof w.props === 'object' ? w.props : undefined;
    if (!('thrown' in w) && props && Object.hasOwn(props, 'thrown'))
      return nonErrorStandIn(message, { thrown: props.thrown }, true);
    return nonErrorStandIn(message, w, 'thrown' in w);
  }
  const Ctor = (typeof w.ctor === 'string' && Object.hasOwn(BUILTINS, w.ctor) && BUILTINS[w.ctor]) || Error;
  const error = new Ctor(message);
  Object.defineProperty(error, 'name', { value: name, writable: true, configurable: true });
  if (typeof w.stack === 'string') {
    Object.defineProperty(error, 'stack', { value: w.stack, writable: true, configurable: true });
  }
  if (w.props && typeof w.props === 'object') {
    for (const [key, value] of Object.entries(w.props)) {
      if (key === '__proto__' || SKIP.has(key)) continue;
      Object.defineProperty(error, key, { value, writable: true, enumerable: true, configurable: true });
    }
  }
  if (w.cause && typeof w.cause === 'object' && depth < MAX_CAUSE_DEPTH) {
    Object.defineProperty(error, 'cause', {
      value: fromWireError(w.cause, depth + 1),
      writable: true,
      configurable: true,
    });
  }
  return error;
}

function nonErrorStandIn(message: string, wire: Partial<WireError>, carried: boolean): Error {
  const error = new Error(message);
  error.name = NON_ERROR;
  if (carried) Object.defineProperty(error, 'thrown', { value: wire.thrown, enumerable: true });
  return error;
}

/**
 * What a task threw, as the caller's `cause` — the same rule in every backend: an Error whose name,
 * message, stack and cause chain can all be read is kept as it is; a thrown non-Error becomes an Error
 * named NonErrorThrown that describes it, with the value itself as `thrown`; anything unreadable (throwing
 * getters, Proxies) becomes a plain Error that says as much as could be read. Never throws.
 */
export function asReadableError(value: unknown): Error {
  if (readable(value, 0)) return value as Error;
  if (!isError(value) && !types.isProxy(value)) {
    return nonErrorStandIn(describeValue(value), { thrown: value }, true);
  }
  return fromWireError(toWireError(value));
}

function readable(value: unknown, depth: number, seen: Set<unknown> = new Set()): boolean {
  if (!isError(value) || types.isProxy(value)) return false;
  if (seen.has(value) || depth > MAX_CAUSE_DEPTH) return true; // a cycle: the same objects, all read already
  seen.add(value);
  for (const key of ['name', 'message', 'stack'] as const) {
    const v = read(value, key);
    if (v === UNREADABLE || (v !== undefined && typeof v !== 'string')) return false;
  }
  let cause: unknown;
  try {
    cause = 'cause' in value ? value.cause : undefined;
  } catch {
    return false;
  }
  return cause === undefined || !(typeof cause === 'object' || typeof cause === 'function')
    ? true
    : isError(cause)
      ? readable(cause, depth + 1, seen)
      : !types.isProxy(cause);
}
