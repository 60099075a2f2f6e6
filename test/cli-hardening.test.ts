/**
 * The CLI against hostile input: numeric flags past sane bounds, text with terminal escapes, floods of
 * bad lines, URLs with credentials, output paths that are special files or full disks, tasks that never
 * settle, hang on import or always fail. Each is refused or reported in clear words — no hang, no raw
 * stack, no secret printed, never exit 13.
 */
import { execFileSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conc } from './helpers/cli.ts';
import { spawnConc } from './helpers/spawn-cli.ts';

const HOSTILE = 'test/fixtures/hostile-tasks.ts';
// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for raw control characters is the point
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;
/** An SGR colour sequence, as cli-table3 writes them. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching escape sequences is the point
const ESC = /\x1b\[\d+m/g;
let dir: string;
let server: Server;
let origin: string;
const BOB = `Basic ${Buffer.from('bob:hunter2').toString('base64')}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'conc-hardening-'));
  server = createServer((req, res) => {
    if (req.headers.authorization === BOB) res.end('secret page');
    else res.writeHead(401).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe('numeric flags are bounded at parse time, naming the allowed range (exit 2)', () => {
  it.each([
    [['io', '--repeat', '9007199254740991'], '--repeat must be between 1 and 1000000; got 9007199254740991.'],
    [['io', '--timeout', '3000000000'], '--timeout must be between 1 and 2147483647; got 3000000000.'],
    [['io', '--workers', '10000'], '--workers must be between 1 and 1024; got 10000.'],
    [['cpu', '--workers', '10000'], '--workers must be between 1 and 1024; got 10000.'],
    [['compare', '--runs', '101'], '--runs must be between 1 and 100; got 101.'],
    [['compare', '--repeat', '2000000'], '--repeat must be between 1 and 1000000; got 2000000.'],
    [['compare', '--task-timeout', '0'], '--task-timeout must be between 1 and 2147483647; got 0.'],
    [
      ['profile', 'x.ts#f', '--task-timeout', '1e9'],
      '--task-timeout must be a whole number; got "1e9". Give one between 1 and 2147483647.',
    ],
  ])('conc %j', async (args, message) => {
    const r = await conc(...args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.out).toBe('');
  });

  it('a list that repeats past a million downloads is refused before anything runs', async () => {
    const r = await conc('io', `http://${origin}/a`, `http://${origin}/b`, '--repeat', '600000');
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'conc: 2 URLs × --repeat 600000 is 1200000 downloads, more than the 1000000 one run may make; lower --repeat.\n',
    );
    const demo = await conc('io', '--repeat', '600000');
    expect(demo.code).toBe(2);
    expect(demo.err).toBe(
      "conc: the demo sites' 2 pages × --repeat 600000 is 1200000 downloads, more than the 1000000 one run may make; lower --repeat.\n",
    );
  });
});

describe('text from a URL file reaches the terminal escaped, and floods are capped', () => {
  it('escape sequences in bad lines are shown escaped, never raw', async () => {
    const file = join(dir, 'escapes.txt');
    await writeFile(file, 'http://\x1b]0;owned\x07/\n\x1b[2Jnot-a-url\n');
    const r = await conc('io', '--urls-file', file);
    expect(r.code).toBe(1);
    expect(r.err).not.toMatch(RAW_CONTROL);
    expect(r.err).toContain(`${file} line 2: not a valid URL: "\\x1B[2Jnot-a-url"`);
    expect(r.out).not.toMatch(RAW_CONTROL);
  });

  it("a usage error quoting the user's input (a file name) shows it escaped", async () => {
    const r = await conc('io', '--urls-file', join(dir, 'x\x1b[2Jy.txt'));
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `conc: --urls-file ${join(dir, 'x\\x1B[2Jy.txt')}: no such file. Give a text file with one URL a line.\n`,
    );
  });

  it('20,000 bad lines print ten and a count, and every one still fails alone', async () => {
    const file = join(dir, 'flood.txt');
    await writeFile(file, Array.from({ length: 20_000 }, (_, i) => `bad ${i}`).join('\n'));
    const r = await conc('io', '--urls-file', file, '--json');
    expect(r.code).toBe(1);
    const lines = r.err.trimEnd().split('\n');
    expect(lines).toHaveLength(11);
    expect(lines[10]).toBe('conc: … and 19,990 more bad URLs (each fails alone; --json lists all).');
    expect(JSON.parse(r.out)).toMatchObject({ count: 20_000, failed: 20_000 });
  }, 60_000);
});

describe("a URL's credentials are sent as Basic auth and never printed", () => {
  it('--verbose, failure lines and --json show ***@ in their place', async () => {
    const good = `http://bob:hunter2@${origin}/page`;
    const bad = `http://bob:wrong@${origin}/page`;
    const verbose = await conc('io', good, bad, '--verbose', '--retries', '0');
    expect(verbose.code).toBe(1);
    expect(verbose.out).toContain(`Read 11 from http://***@${origin}/page\n`);
    expect(verbose.out).toContain(`Failed http://***@${origin}/page: HTTP 401 from http://${origin}/page\n`);
    const plain = await conc('io', good, bad, '--retries', '0');
    expect(plain.err).toBe(`conc: failed http://***@${origin}/page: HTTP 401 from http://${origin}/page\n`);
    const json = await conc('io', good, bad, '--json', '--retries', '0');
    expect(JSON.parse(json.out).results.map((x: { url: string }) => x.url)).toEqual([
      `http://***@${origin}/page`,
      `http://***@${origin}/page`,
    ]);
    for (const r of [verbose, plain, json]) expect(r.out + r.err).not.toMatch(/hunter2|wrong|bob/);
  });

  it('a bad URL with credentials is named without them', async () => {
    const r = await conc('io', 'htp://bob:hunter2@example.org/');
    expect(r.err).toBe(
      'conc: argument 1: unsupported scheme "htp:" in "htp://***@example.org/" — only http: and https: URLs can be downloaded\n',
    );
  });
});

describe('output files and streams', () => {
  const task = ['--task', `${HOSTILE}#tick`, '--args', '[1]', '--modes', 'sync'];

  it("--out '' is refused (it would mean the current directory)", async () => {
    const r = await conc('compare', '--out', '');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--out needs a directory, e.g. --out ./conc-report; got an empty value.');
  });

  it('--out on a device or a FIFO fails fast as a usage error', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    for (const out of ['/dev/full', fifo]) {
      const r = await conc('compare', ...task, '--out', out);
      expect(r.code, out).toBe(2);
      expect(r.err).toBe(
        `conc: --out ${out}: ${out} is not a directory. Pick a directory you can write to, e.g. --out ./conc-report.\n`,
      );
    }
  });

  it('a symlinked report.json is replaced, not followed; a FIFO there is replaced, never opened', async () => {
    const out = join(dir, 'links');
    await mkdir(out);
    const victim = join(dir, 'victim.txt');
    await writeFile(victim, 'keep me');
    await symlink(victim, join(out, 'report.json'));
    execFileSync('mkfifo', [join(out, 'report.html')]);
    const r = await spawnConc(['compare', ...task, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(victim, 'utf8')).toBe('keep me');
    expect((await lstat(join(out, 'report.json'))).isFile()).toBe(true);
    expect((await lstat(join(out, 'report.html'))).isFile()).toBe(true);
    expect(JSON.parse(await readFile(join(out, 'report.json'), 'utf8')).task).toHaveLength(1);
  });

  it('a report.json that is a directory is refused before anything runs', async () => {
    const out = join(dir, 'dir-in-the-way');
    await mkdir(join(out, 'report.json'), { recursive: true });
    const r = await conc('compare', ...task, '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `conc: --out ${out}: ${join(out, 'report.json')} is a directory; remove it or pick another --out.\n`,
    );
  });

  it('stdout on a full disk: one clear line, exit 1, no stack', async () => {
    for (const args of [
      ['cpu', '--count', '1'],
      ['cpu', '--count', '1', '--json'],
    ]) {
      const r = await spawnConc(args, { stdoutPath: '/dev/full' });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toBe('conc: cannot write the output: no space left on the device (ENOSPC)\n');
    }
  });
});

describe('tasks that never settle, hang on import, or always fail', () => {
  it('conc profile: a promise that never settles fails at --task-timeout, naming task and bound (exit 1, not 13)', async () => {
    const r = await spawnConc(['profile', `${HOSTILE}#never`, '--args', '[]', '--task-timeout', '200']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'conc: never did not settle within 200 ms: it may hang or return a promise that never settles. ' +
        'The bound is --task-timeout 200 ms: raise it if never is just slow, or fix it.\n',
    );
  });

  it('a module whose import never settles: the command says so and exits 1, not 13 in silence', async () => {
    const r = await spawnConc(['profile', 'test/fixtures/idle-on-import.ts#unreachable']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'conc: the command was left waiting for a promise that can never settle (nothing is left to run); ' +
        'a task or module of yours may return or await one that never settles.\n',
    );
  });

  it("a task's error message is shown with its escape sequences escaped", async () => {
    const r = await spawnConc(['profile', `${HOSTILE}#escapes`]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(RAW_CONTROL);
    expect(r.stderr).toContain('threw Error: bad \\x1B]0;owned\\x07 \\x1B[2J input');
  });

  it('compare --task whose every call fails says nothing succeeded and recommends no mode', async () => {
    const out = join(dir, 'all-failed');
    const r = await spawnConc([
      'compare',
      '--task',
      `${HOSTILE}#alwaysFails`,
      '--args',
      '[1]',
      '--args',
      '[2]',
      '--modes',
      'sync,async',
      '--out',
      out,
      '--json',
    ]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.task.map((row: { failed: number; count: number }) => [row.failed, row.count])).toEqual([
      [2, 2],
      [2, 2],
    ]);
    expect(doc.recommendation.task).toBeUndefined();
    expect(doc.recommendation.summary).toBe(
      'Your task: nothing succeeded — every call failed in every mode, so no mode is recommended; fix the task or its --args and compare again.',
    );
    // each distinct failure said once per mode, not once per call
    const said = r.stderr.match(/a call of alwaysFails failed: .*RangeError: cannot handle 1$/gm);
    expect(said).toHaveLength(2);
  });
});

describe('the terminal, as people expect it', () => {
  const task = ['compare', '--task', `${HOSTILE}#tick`, '--args', '[1]', '--modes', 'sync'];

  it('NO_COLOR turns the tables plain, FORCE_COLOR colours them even on a pipe', async () => {
    const plain = await spawnConc([...task, '--out', join(dir, 'plain')], { env: { NO_COLOR: '1' } });
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).not.toContain('\x1b[');
    const forced = await spawnConc([...task, '--out', join(dir, 'forced')], {
      env: { NO_COLOR: undefined, FORCE_COLOR: '1' },
    });
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain('\x1b[');
    // the same figures either way
    expect(forced.stdout.replaceAll(ESC, '').split('\n').length).toBe(plain.stdout.split('\n').length);
  });

  it("one error prefix: commander's errors say `conc:` as conc's own do", async () => {
    const r = await spawnConc(['cpu', '--start', '-5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "conc: option '--start <n>' argument '-5' is invalid. --start must be between 0 and 4294967296; got -5.\n" +
        '(run with --help for usage)\n',
    );
    const unknown = await conc('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^conc: unknown command 'frobnicate'\n/);
  });

  it('compare --task with many calls on one signal warns of no listener leak', async () => {
    const r = await spawnConc([
      'compare',
      '--task',
      `${HOSTILE}#tick`,
      '--args',
      '[1]',
      '--repeat',
      '30',
      '--modes',
      'async',
      '--out',
      join(dir, 'listeners'),
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).task[0]).toMatchObject({ mode: 'async', count: 30, failed: 0 });
    expect(r.stderr).not.toContain('MaxListenersExceededWarning');
  });

  it('the report links the article', async () => {
    const html = await readFile(join(dir, 'plain', 'report.html'), 'utf8');
    expect(html).toContain('<a href="https://realpython.com/python-concurrency/">');
  });
});
