/** A value as an error message shows it: its type and, for scalars, the value. Used by every layer. */
export function show(value: unknown): string {
  if (typeof value === 'string') return `"${value}" (string)`;
  if (typeof value === 'function') return `a function`;
  if (typeof value === 'symbol') return `${String(value)} (symbol)`;
  if (typeof value === 'bigint') return `${value}n (bigint)`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `\`${String(value)}\` (${typeof value})`;
}
