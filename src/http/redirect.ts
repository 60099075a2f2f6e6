/**
 * Following redirects: where a 3xx leads (or why it cannot be followed), and which headers each hop
 * carries — the URL's credentials go to its own origin only.
 */

import { escapeControls } from '../util/safe-text.ts';
import type { Exchange } from './exchange.ts';
import type { ResolvedDownloadOptions } from './options.ts';
import { checkUrl, showUrl } from './url.ts';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** The most of a server's Location header a message quotes. */
const QUOTED_CHARS = 200;

/** A redirect that ends the attempt: its status, no body counted, and why. */
export interface Redirected {
  status: number;
  bytes: 0;
  error: string;
}

/** The session's headers, plus the URL's credentials when this hop goes to the URL's own origin. */
export function hopHeaders(
  headers: Record<string, string>,
  first: { url: URL; authorization: string | undefined },
  url: URL,
): Record<string, string> {
  if (first.authorization === undefined || url.origin !== first.url.origin) return headers;
  if (Object.keys(headers).some((k) => k.toLowerCase() === 'authorization')) return headers;
  return { ...headers, authorization: first.authorization };
}

/**
 * Where a redirect leads: the next URL to request, a failed attempt (a target that cannot be followed,
 * or one redirect too many), or undefined when the response is not a redirect.
 */
export function redirectTarget(
  { status, headers }: Exchange,
  url: URL,
  redirects: number,
  options: ResolvedDownloadOptions,
): URL | Redirected | undefined {
  const location = headers.location;
  if (!REDIRECTS.has(status) || typeof location !== 'string') return undefined;
  // a redirect's own body is not the download: report 0 bytes
  const cannot = (why: string): Redirected => ({
    status,
    bytes: 0,
    error: `redirect from ${url.href} to a URL that cannot be followed: ${why}`,
  });
  let resolved: URL;
  try {
    resolved = new URL(location, url);
  } catch {
    return cannot(`the Location header "${quote(location)}" is not a valid URL (HTTP ${status})`);
  }
  const next = checkUrl(resolved.href);
  if (!next.ok) return cannot(escapeControls(next.error));
  // credentials a server puts in a Location are not ours to send, nor to show
  const target = new URL(next.url.href);
  target.username = '';
  target.password = '';
  if (redirects >= options.maxRedirects) {
    return {
      status,
      bytes: 0,
      error: `too many redirects: more than ${options.maxRedirects} (maxRedirects), last to ${target.href} — a redirect loop?`,
    };
  }
  return target;
}

/** A server's text quoted in a message: controls escaped, at most QUOTED_CHARS characters. */
function quote(text: string): string {
  const clipped = text.length > QUOTED_CHARS ? `${text.slice(0, QUOTED_CHARS)}…` : text;
  return escapeControls(showUrl(clipped));
}
