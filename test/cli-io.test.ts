/** `conc io` through the CLI's main(): output, JSON, exit codes, and bad input. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PAGE_BYTES, type Sites, startSites } from '../src/workloads/sites.ts';
import { conc } from './helpers/cli.ts';
import { startSilentServer } from './helpers/silent-server.ts';

let dir: string;
let sites: Sites;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conc-cli-io-'));
  sites = await startSites({ latencyMs: 0 });
});
afterAll(async () => {
  await sites.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  process.exitCode = undefined;
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('conc io on the embedded demo sites', () => {
  it("prints the article's lines with --verbose and the closing line", async () => {
    const { code, out } = await conc('io', '--repeat', '2', '--latency', '0', '--verbose', '--mode', 'sync');
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(
      new RegExp(`^Read ${PAGE_BYTES.jython} from http://127\\.0\\.0\\.1:\\d+/jython$`),
    );
    expect(lines[1]).toMatch(new RegExp(`^Read ${PAGE_BYTES.dice} from http://127\\.0\\.0\\.1:\\d+/dice$`));
    expect(lines[4]).toMatch(/^Downloaded 4 sites in \d+\.\d\d seconds$/);
  });

  it('downloads 160 sites by default and prints only the closing line', async () => {
    const { code, out, err } = await conc('io', '--latency', '0');
    expect(code).toBe(0);
    expect(out).toMatch(/^Downloaded 160 sites in \d+\.\d\d seconds\n$/);
    expect(err).toBe('');
  });

  it('--mode auto says what auto chose (async, I/O-bound) before the closing line', async () => {
    const { code, out } = await conc('io', '--mode', 'auto', '--latency', '20');
    expect(code).toBe(0);
    const [choice, closing] = out.trim().split('\n');
    expect(choice).toMatch(/^auto chose async, width \d+ at the end — I\/O-bound/);
    expect(closing).toMatch(/^Downloaded 160 sites in \d+\.\d\d seconds$/);
  });

  it('--json prints one document with every result, nothing else', async () => {
    const { code, out } = await conc(
      'io',
      '--json',
      '--repeat',
      '1',
      '--latency',
      '0',
      '--mode',
      'async',
      '--workers',
      '2',
    );
    expect(code).toBe(0);
    const doc = JSON.parse(out);
    expect(doc).toMatchObject({
      job: 'io',
      mode: 'async',
      workers: 2,
      count: 2,
      ok: 2,
      failed: 0,
      bytes: PAGE_BYTES.jython + PAGE_BYTES.dice,
    });
    expect(typeof doc.seconds).toBe('number');
    expect(Object.keys(doc.results[0]).sort()).toEqual(['attempts', 'bytes', 'ms', 'status', 'url']);
  });
});

describe('conc io on given URLs', () => {
  it('reads --urls-file, reports a bad line by number, downloads the rest, exits 1', async () => {
    const list = file(
      'mixed.txt',
      `# demo\n${sites.pages.dice}\n\nftp://example.org/x\n${sites.pages.jython} # trailing\nnot a url\n`,
    );
    const { code, out, err } = await conc('io', '--urls-file', list, '--json');
    expect(code).toBe(1);
    expect(err).toContain(`${list} line 4: unsupported scheme "ftp:"`);
    expect(err).toContain(`${list} line 6: not a valid URL`);
    const doc = JSON.parse(out);
    expect(doc).toMatchObject({ count: 4, ok: 2, failed: 2 });
    expect(doc.results.map((r: { status: number }) => r.status)).toEqual([200, 0, 200, 0]);
  });

  it('takes URLs as arguments too, and reports a refused connection as a failure', async () => {
    const dead = `http://127.0.0.1:${await freePort()}/`;
    const { code, out, err } = await conc('io', sites.pages.dice, dead, '--retries', '1');
    expect(code).toBe(1);
    expect(out).toMatch(/^Downloaded 1 of 2 sites in \d+\.\d\d seconds \(1 failed\)\n$/);
    expect(err).toContain(`failed ${dead}: connection refused`);
    expect(err).toContain('after 2 attempts');
  });

  it('--verbose lists failures among the Read lines', async () => {
    const { code, out } = await conc(
      'io',
      sites.pages.dice,
      `${sites.origin}/missing`,
      '--verbose',
      '--mode',
      'sync',
    );
    expect(code).toBe(1);
    expect(out).toContain(`Read ${PAGE_BYTES.dice} from ${sites.pages.dice}\n`);
    expect(out).toContain(`Failed ${sites.origin}/missing: HTTP 404`);
  });

  it('--max-bytes fails the larger page only', async () => {
    const { code, out } = await conc(
      'io',
      sites.pages.jython,
      sites.pages.dice,
      '--max-bytes',
      '10000',
      '--json',
    );
    expect(code).toBe(1);
    const doc = JSON.parse(out);
    expect(doc.results[0].error).toContain('10000-byte limit');
    expect(doc.results[1].error).toBeUndefined();
  });
});

describe('conc io usage errors (exit 2)', () => {
  it('a missing --urls-file', async () => {
    const { code, err, out } = await conc('io', '--urls-file', join(dir, 'nope.txt'));
    expect(code).toBe(2);
    expect(err).toContain('nope.txt: no such file');
    expect(out).toBe('');
  });

  it('an empty list', async () => {
    const { code, err } = await conc('io', '--urls-file', file('empty.txt', '# nothing here\n\n'));
    expect(code).toBe(2);
    expect(err).toContain('lists no URLs');
  });

  it('--latency with URLs, a bad --mode, a bad number, redis without distributed', async () => {
    expect((await conc('io', sites.pages.dice, '--latency', '5')).err).toContain(
      '--latency applies to the embedded demo sites only',
    );
    for (const args of [
      ['io', sites.pages.dice, '--latency', '5'],
      ['io', '--mode', 'fibers'],
      ['io', '--workers', '0'],
      ['io', '--timeout', 'soon'],
      ['io', '--mode', 'threads', '--redis', 'redis://127.0.0.1:6379', '--repeat', '1'],
    ]) {
      expect((await conc(...args)).code, args.join(' ')).toBe(2);
    }
  });

  it('--workers with mode sync is a bound, as in the API: one download at a time', async () => {
    const run = await conc('io', sites.pages.dice, '--mode', 'sync', '--workers', '3', '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out)).toMatchObject({ mode: 'sync', workers: 1, ok: 1 });
  });
});

describe('conc io and Ctrl-C', () => {
  it('stops every download (the server sees its sockets closed) and exits 130', async () => {
    await using silent = await startSilentServer();
    const before = new Set(process.listeners('SIGINT'));
    const added = () => process.listeners('SIGINT').filter((listener) => !before.has(listener));
    const run = conc('io', silent.url('a'), silent.url('b'), '--retries', '0');
    await silent.requesting(2); // both downloads wait for an answer that never comes
    const [ctrlC] = added();
    ctrlC!('SIGINT'); // what a Ctrl-C calls, without signalling the test runner's own process
    const { code, out, err } = await run;
    expect(code).toBe(130);
    // what was measured: nothing finished, both stopped
    expect(out).toMatch(
      /^Downloaded 0 of 2 sites in \d+\.\d\d seconds \(interrupted by Ctrl-C \(SIGINT\): 2 not downloaded\)\n$/,
    );
    expect(err).toBe('conc: stopping the downloads (Ctrl-C again to quit at once)\n');
    await silent.allClosed();
    expect(added()).toEqual([]); // the handler is gone with the command
  });
});
