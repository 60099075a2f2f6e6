/**
 * download() against servers that send what a hostile or broken server sends: Retry-After values that
 * are not delay-seconds, a Location that is not a URL; and URLs that carry credentials, which go as
 * Basic auth to their own origin only and never appear in a result.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_MS, parseRetryAfter } from '../src/http/retry.ts';
import { createSession } from '../src/http/session.ts';
import { splitCredentials } from '../src/http/url.ts';

const NOW = Date.parse('Sun, 06 Nov 1994 08:49:00 GMT');

describe('parseRetryAfter (RFC 9110 §10.2.3)', () => {
  it('reads delay-seconds: a non-negative whole number', () => {
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(' 3 ', NOW)).toBe(3_000);
  });

  it('reads the three HTTP-date forms, as GMT', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', NOW)).toBe(37_000);
    expect(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', NOW)).toBe(37_000);
    expect(parseRetryAfter('Sun Nov  6 08:49:37 1994', NOW)).toBe(37_000);
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:48:00 GMT', NOW)).toBe(0); // a date past: no wait
  });

  it('ignores anything else (the caller backs off on its own) instead of reading it as a date', () => {
    for (const value of ['-5', '1.5', '1e3', '2001-01-01', 'tomorrow', '', '0x10', 'Sun, 06 Nov 1994']) {
      expect(parseRetryAfter(value, NOW), value).toBeUndefined();
    }
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
  });

  it('caps a huge wait (a day), so no figure overflows; the caller refuses it as too long', () => {
    expect(parseRetryAfter('99999999999999999999999', NOW)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('Fri, 31 Dec 9999 23:59:59 GMT', NOW)).toBe(MAX_RETRY_AFTER_MS);
  });
});

describe('splitCredentials', () => {
  it('moves user:password into a Basic authorization, percent-decoded, and returns the bare URL', () => {
    const t = splitCredentials(new URL('http://bob:s3cr%40t@127.0.0.1:9/x'));
    expect(t).toEqual({
      ok: true,
      url: new URL('http://127.0.0.1:9/x'),
      authorization: `Basic ${Buffer.from('bob:s3cr@t').toString('base64')}`,
    });
  });

  it('refuses credentials that are not valid percent-encoding, without showing them', () => {
    const t = splitCredentials(new URL('http://bob:%E0%A4%A@127.0.0.1:9/x'));
    expect(t.ok).toBe(false);
    if (t.ok) return;
    expect(t.error).toBe(
      'the credentials in http://***@127.0.0.1:9/x are not valid percent-encoding — encode reserved characters as %XX',
    );
    expect(t.error).not.toContain('bob');
  });
});

let main: Server;
let other: Server;
let origin: string;
let otherOrigin: string;
const seen: { server: 'main' | 'other'; path: string; headers: IncomingHttpHeaders }[] = [];
const BOB = `Basic ${Buffer.from('bob:s3cr@t').toString('base64')}`;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  other = createServer((req, res) => {
    seen.push({ server: 'other', path: req.url!, headers: req.headers });
    res.end('elsewhere');
  });
  otherOrigin = await listen(other);
  main = createServer((req, res) => {
    seen.push({ server: 'main', path: req.url!, headers: req.headers });
    switch (req.url) {
      case '/auth':
        if (req.headers.authorization === BOB) res.end('welcome');
        else res.writeHead(401, { 'www-authenticate': 'Basic realm="t"' }).end();
        return;
      case '/here':
        res.writeHead(302, { location: '/auth' }).end();
        return;
      case '/away':
        res.writeHead(302, { location: `${otherOrigin}/landing` }).end();
        return;
      case '/away-with-creds':
        res.writeHead(302, { location: `http://eve:stolen@${otherOrigin.slice(7)}/landing` }).end();
        return;
      case '/bad-location':
        res.writeHead(302, { location: 'http://[oops/x' }).end();
        return;
      case '/negative-retry':
        res.writeHead(503, { 'retry-after': '-5' }).end();
        return;
      default:
        res.writeHead(404).end();
    }
  });
  origin = await listen(main);
});

afterAll(async () => {
  await Promise.all([main, other].map((s) => new Promise((resolve) => s.close(resolve))));
});

function withCreds(path: string): string {
  return `http://bob:s3cr%40t@${origin.slice(7)}${path}`;
}

describe('credentials in a URL', () => {
  it('are sent as Basic auth to the URL, and the result shows the URL without them', async () => {
    await using session = createSession({ retries: 0 });
    const r = await session.download(withCreds('/auth'));
    expect(r).toMatchObject({ status: 200, bytes: 7, url: `http://***@${origin.slice(7)}/auth` });
    expect(r.error).toBeUndefined();
    expect(JSON.stringify(r)).not.toMatch(/bob|s3cr/);
  });

  it('follow a redirect on the same origin, and are not sent to another origin', async () => {
    await using session = createSession({ retries: 0 });
    seen.length = 0;
    expect((await session.download(withCreds('/here'))).status).toBe(200);
    expect(seen.map((s) => [s.path, s.headers.authorization])).toEqual([
      ['/here', BOB],
      ['/auth', BOB],
    ]);
    seen.length = 0;
    expect((await session.download(withCreds('/away'))).status).toBe(200);
    expect(seen.map((s) => [s.server, s.headers.authorization])).toEqual([
      ['main', BOB],
      ['other', undefined],
    ]);
  });

  it('credentials a server puts in a Location are neither sent nor shown', async () => {
    await using session = createSession({ retries: 0, maxRedirects: 0 });
    seen.length = 0;
    const r = await session.download(`${origin}/away-with-creds`);
    expect(r.error).toBe(
      `too many redirects: more than 0 (maxRedirects), last to ${otherOrigin}/landing — a redirect loop?`,
    );
    await using follow = createSession({ retries: 0 });
    seen.length = 0;
    expect((await follow.download(`${origin}/away-with-creds`)).status).toBe(200);
    expect(seen.find((s) => s.server === 'other')?.headers.authorization).toBeUndefined();
  });

  it('a 401 (wrong or no credentials) is a failure that names the URL without them', async () => {
    await using session = createSession({ retries: 0 });
    const r = await session.download(`http://bob:wrong@${origin.slice(7)}/auth`);
    expect(r).toMatchObject({ status: 401, error: `HTTP 401 from ${origin}/auth` });
    expect(JSON.stringify(r)).not.toMatch(/bob|wrong/);
  });
});

describe('a server that answers badly', () => {
  it('a redirect to an invalid Location fails that URL with a clear message, not a TypeError', async () => {
    await using session = createSession({ retries: 0 });
    const r = await session.download(`${origin}/bad-location`);
    expect(r).toMatchObject({ status: 302, bytes: 0, attempts: 1 });
    expect(r.error).toBe(
      `redirect from ${origin}/bad-location to a URL that cannot be followed: the Location header "http://[oops/x" is not a valid URL (HTTP 302)`,
    );
  });

  it('Retry-After: -5 is ignored: the client backs off on its own and retries', async () => {
    await using session = createSession({ retries: 2, retryBaseMs: 1 });
    seen.length = 0;
    const r = await session.download(`${origin}/negative-retry`);
    expect(r).toMatchObject({ status: 503, attempts: 3 });
    expect(r.error).toBe(`HTTP 503 from ${origin}/negative-retry (after 3 attempts)`);
    expect(seen.filter((s) => s.path === '/negative-retry')).toHaveLength(3);
  });
});
