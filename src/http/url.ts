/**
 * Checking URLs before anything touches the network: only absolute http: and https: URLs are
 * downloaded; anything else becomes a per-URL error, never an exception. Credentials in a URL
 * (`https://user:pass@host/`) are sent as HTTP Basic auth to that origin only, and never shown: every
 * message here names the URL with `***@` in their place.
 */
import { REDACTED, redactUserinfo } from '../util/safe-text.ts';

/** A URL that can be downloaded, or the reason it cannot. */
export type CheckedUrl = { ok: true; url: URL } | { ok: false; error: string };

const SCHEMES = new Set(['http:', 'https:']);

/** Parses `text` as an absolute http(s) URL; says what is wrong otherwise. */
export function checkUrl(text: string): CheckedUrl {
  if (typeof text !== 'string' || text.trim() === '') {
    return { ok: false, error: 'empty URL: give an absolute http:// or https:// URL' };
  }
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return {
      ok: false,
      error: `not a valid URL: "${redactUserinfo(text)}" — give an absolute URL such as https://example.org/`,
    };
  }
  if (!SCHEMES.has(url.protocol)) {
    return {
      ok: false,
      error: `unsupported scheme "${url.protocol}" in "${redactUserinfo(text)}" — only http: and https: URLs can be downloaded`,
    };
  }
  return { ok: true, url };
}

/** A URL to request: without its credentials, which become the `authorization` header (if any). */
export type Target = { ok: true; url: URL; authorization: string | undefined } | { ok: false; error: string };

/**
 * Moves a URL's userinfo into a Basic `authorization` value (RFC 7617: the percent-decoded
 * `user:password`, UTF-8, base64) and returns the URL without it — so that no message, result or
 * redirect made from the URL can show them.
 */
export function splitCredentials(url: URL): Target {
  if (url.username === '' && url.password === '') return { ok: true, url, authorization: undefined };
  const bare = new URL(url.href);
  bare.username = '';
  bare.password = '';
  let pair: string;
  try {
    pair = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  } catch {
    return {
      ok: false,
      error: `the credentials in ${bare.protocol}//${REDACTED}@${bare.host}${bare.pathname} are not valid percent-encoding — encode reserved characters as %XX`,
    };
  }
  return { ok: true, url: bare, authorization: `Basic ${Buffer.from(pair, 'utf8').toString('base64')}` };
}

/** `text` as a URL to show: its credentials, if any, replaced by `***`. */
export function showUrl(text: string): string {
  return redactUserinfo(text);
}

/** One line of a URL list that is not a valid URL, with its 1-based line number. */
export interface BadLine {
  line: number;
  text: string;
  error: string;
}

/**
 * Reads a URL list: one URL a line; blank lines and `#` comments (whole-line or trailing after
 * whitespace) are skipped. Bad lines are kept in `urls` (so they are reported as failed downloads)
 * and also listed in `bad` with their line numbers.
 */
export function parseUrlList(text: string): { urls: string[]; bad: BadLine[] } {
  const urls: string[] = [];
  const bad: BadLine[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const entry = stripComment(lines[i]!).trim();
    if (entry === '') continue;
    urls.push(entry);
    const checked = checkUrl(entry);
    if (!checked.ok) bad.push({ line: i + 1, text: entry, error: checked.error });
  }
  return { urls, bad };
}

function stripComment(line: string): string {
  if (line.trimStart().startsWith('#')) return '';
  const at = line.search(/\s#/); // a '#' inside a URL is a fragment; only " #" starts a comment
  return at === -1 ? line : line.slice(0, at);
}
