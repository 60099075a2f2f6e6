/** Foreign text made safe to echo: controls escaped (one printable line), URL credentials hidden. */
import { describe, expect, it } from 'vitest';
import { escapeControls, escapeJsonControls, redactUserinfo, safeText } from '../src/util/safe-text.ts';

describe('escapeControls', () => {
  it('writes C0, DEL, C1 and bidi controls as escapes, and leaves printable text alone', () => {
    expect(escapeControls('a\x1b[2Jb')).toBe('a\\x1B[2Jb');
    expect(escapeControls('\x1b]52;c;ZXZpbA==\x07')).toBe('\\x1B]52;c;ZXZpbA==\\x07');
    expect(escapeControls('one\ntwo\r\tend')).toBe('one\\ntwo\\r\\tend');
    expect(escapeControls('\x7f\x9b31m')).toBe('\\x7F\\x9B31m');
    expect(escapeControls('admin\u202Etxt.exe')).toBe('admin\\u202Etxt.exe');
    expect(escapeControls('déjà vu — 100% ✓')).toBe('déjà vu — 100% ✓');
  });
});

describe('escapeJsonControls', () => {
  it('escapes what JSON.stringify leaves raw and keeps the same data', () => {
    const value = { text: 'x\x9b1m\u202E\x1b[0m', n: 1 };
    const json = escapeJsonControls(JSON.stringify(value, null, 2));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for raw controls is the point
    expect(json).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('redactUserinfo', () => {
  it('hides user:password@ of every URL in a text, wherever it is', () => {
    expect(redactUserinfo('failed https://bob:s3cret@host/x: HTTP 401')).toBe(
      'failed https://***@host/x: HTTP 401',
    );
    expect(redactUserinfo('http://TOKEN@h/ and ftp://u:p@h2')).toBe('http://***@h/ and ftp://***@h2');
    // the userinfo ends at its last @, as URL parsers read it: nothing of it is left
    expect(redactUserinfo('http://a@b:c@host/')).toBe('http://***@host/');
    expect(redactUserinfo('https://medium.com/@user and mailto:x@y')).toBe(
      'https://medium.com/@user and mailto:x@y',
    );
  });

  it('safeText hides credentials, then escapes controls', () => {
    expect(safeText('http://u:p@h/\x1b[31m')).toBe('http://***@h/\\x1B[31m');
  });
});
