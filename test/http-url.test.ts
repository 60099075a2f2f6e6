import { describe, expect, it } from 'vitest';
import { backoffMs, isRetryableError, isRetryableStatus, parseRetryAfter } from '../src/http/retry.ts';
import { checkUrl, parseUrlList } from '../src/http/url.ts';

describe('checkUrl', () => {
  it('accepts absolute http and https URLs', () => {
    expect(checkUrl('http://127.0.0.1:8080/dice')).toMatchObject({ ok: true });
    expect(checkUrl('  https://example.org/  ')).toMatchObject({ ok: true });
  });

  it('rejects malformed URLs, other schemes and empty text with a reason', () => {
    expect(checkUrl('notaurl')).toEqual({ ok: false, error: expect.stringContaining('not a valid URL') });
    expect(checkUrl('ftp://example.org/x')).toEqual({
      ok: false,
      error: expect.stringContaining('unsupported scheme "ftp:"'),
    });
    expect(checkUrl('file:///etc/passwd')).toEqual({
      ok: false,
      error: expect.stringContaining('only http: and https:'),
    });
    expect(checkUrl('')).toEqual({ ok: false, error: expect.stringContaining('empty URL') });
  });
});

describe('parseUrlList', () => {
  it('skips blank lines and comments, keeps bad lines with their line numbers', () => {
    const text =
      '# the list\nhttp://a.test/1\n\n   \nhttp://a.test/2#frag # trailing comment\nnot a url\r\nftp://x\n';
    const { urls, bad } = parseUrlList(text);
    expect(urls).toEqual(['http://a.test/1', 'http://a.test/2#frag', 'not a url', 'ftp://x']);
    expect(bad.map((b) => [b.line, b.text])).toEqual([
      [6, 'not a url'],
      [7, 'ftp://x'],
    ]);
  });

  it('returns nothing for an empty or comment-only list', () => {
    expect(parseUrlList('')).toEqual({ urls: [], bad: [] });
    expect(parseUrlList('# nothing\n\n#more\n')).toEqual({ urls: [], bad: [] });
  });
});

describe('retry helpers', () => {
  it('retries 429 and 5xx only', () => {
    expect([429, 500, 502, 503, 599].every(isRetryableStatus)).toBe(true);
    expect([200, 301, 400, 404, 418].some(isRetryableStatus)).toBe(false);
  });

  it('retries connection errors, also when wrapped, and not others', () => {
    expect(isRetryableError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(
      isRetryableError(
        new Error('wrapped', { cause: Object.assign(new Error('y'), { code: 'ECONNRESET' }) }),
      ),
    ).toBe(true);
    expect(isRetryableError(Object.assign(new Error('x'), { code: 'ENOTFOUND' }))).toBe(false);
    expect(isRetryableError(new Error('plain'))).toBe(false);
    expect(isRetryableError(null)).toBe(false);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(['0'])).toBe(0);
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it('backs off exponentially with jitter, within the cap', () => {
    expect(backoffMs(1, 100, 10_000, () => 0)).toBe(50);
    expect(backoffMs(1, 100, 10_000, () => 1)).toBe(100);
    expect(backoffMs(3, 100, 10_000, () => 1)).toBe(400);
    expect(backoffMs(20, 100, 1_000, () => 1)).toBe(1_000);
    for (let retry = 1; retry < 10; retry++) {
      const d = backoffMs(retry, 100, 2_000);
      const ceiling = Math.min(2_000, 100 * 2 ** (retry - 1));
      expect(d).toBeGreaterThanOrEqual(ceiling / 2);
      expect(d).toBeLessThanOrEqual(ceiling);
    }
  });
});
