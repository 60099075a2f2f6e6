/**
 * Errors cross thread, process and machine boundaries as plain data and are rebuilt on the other side
 * with their name, message, stack, `code`, own properties and `cause` chain. Written once; used by the
 * thread and process pools and by the distributed backend. Kept free of imports: worker entries load it.
 */

/** An error as data. `kind` says which conc error the parent should raise for it. */
export interface WireError {
  name: string;
  message: string;
  stack?: string | undefined;
  /** Constructor name of a built-in error class (TypeError…), so the rebuilt error is an instance of it. */
  ctor?: string | undefined;
  props?: Record<string, unknown> | undefined;
  cause?: WireError | undefined;
  /** Set when a thrown value was not an Error (a string, a number…). */
  thrown?: unknown;
}

const MAX_CAUSE_DEPTH = 8;
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

/** Turns any thrown value into data that structured clone (and JSON, but for BigInt props) carries. */
export function toWireError(error: unknown, depth = 0): WireError {
  if (!(error instanceof Error)) {
    const wire: WireError = { name: 'NonErrorThrown', message: safeString(error) };
    if (cloneable(error)) wire.thrown = error;
    return wire;
  }
  const wire: WireError = { name: error.name, message: error.message, stack: error.stack };
  const ctor = (error.constructor as { name?: string } | undefined)?.name;
  if (ctor && ctor in BUILTINS) wire.ctor = ctor;
  for (const key of Object.keys(error)) {
    if (SKIP.has(key)) continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    if (!cloneable(value)) continue;
    wire.props ??= {};
    wire.props[key] = value;
  }
  if ('cause' in error && error.cause !== undefined && depth < MAX_CAUSE_DEPTH) {
    wire.cause = toWireError(error.cause, depth + 1);
  }
  return wire;
}

/** Rebuilds an Error from data: same name, message, stack, code, own properties and cause chain. */
export function fromWireError(wire: WireError): Error {
  if ('thrown' in wire && wire.name === 'NonErrorThrown') {
    const error = new Error(wire.message);
    error.name = wire.name;
    Object.defineProperty(error, 'thrown', { value: wire.thrown, enumerable: true });
    return error;
  }
  const Ctor = (wire.ctor && BUILTINS[wire.ctor]) || Error;
  const error = new Ctor(wire.message);
  Object.defineProperty(error, 'name', { value: wire.name, writable: true, configurable: true });
  if (wire.stack !== undefined) {
    Object.defineProperty(error, 'stack', { value: wire.stack, writable: true, configurable: true });
  }
  if (wire.props) Object.assign(error, wire.props);
  if (wire.cause) {
    Object.defineProperty(error, 'cause', {
      value: fromWireError(wire.cause),
      writable: true,
      configurable: true,
    });
  }
  return error;
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'string' ? value : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
