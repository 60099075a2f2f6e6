/**
 * Text from outside (a URL file, a server's headers, a task's error message) made safe to echo: control
 * characters escaped so that no escape sequence reaches a terminal, and credentials in URLs hidden.
 * A leaf: the CLI, the lab and http all use it, before anything foreign is printed or stored.
 */

/**
 * C0 controls, DEL, C1 controls (0x9B is a one-byte CSI on some terminals), and the bidirectional
 * overrides and isolates that make a line read differently from what it holds.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** What JSON.stringify leaves raw: C0 inside strings is escaped already, and its line breaks are layout. */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every control character written as an escape (`\x1B`, `\n`, `\u202E`): one printable line. */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code < 0x100
      ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`
      : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
  });
}

/**
 * Serialised JSON with the controls JSON.stringify leaves raw (DEL, C1, bidi) written as `\uXXXX`: the
 * same data, but safe on a terminal. (JSON.stringify already escapes C0 controls.)
 */
export function escapeJsonControls(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * `scheme://userinfo@` anywhere in a text. Greedy up to the authority's end, so the userinfo ends at its
 * last `@`, as URL parsers read it (`http://a@b@host/` has the user "a@b").
 */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#"'<>]*@/gi;

/** The placeholder for hidden credentials. */
export const REDACTED = '***';

/** `text` with the userinfo (user:password@) of every URL in it replaced by `***@`. */
export function redactUserinfo(text: string): string {
  return text.replace(USERINFO, `$1${REDACTED}@`);
}

/** Foreign text ready for a terminal line: credentials hidden, then controls escaped. */
export function safeText(text: string): string {
  return escapeControls(redactUserinfo(text));
}
