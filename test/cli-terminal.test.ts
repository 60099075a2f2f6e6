/**
 * The terminal as people expect it (issue 15): one progress bar style, prose wrapped to the width,
 * one `(default: …)` format in --help, why io/cpu default as they do, profile's warnings and its
 * advice for tiny tasks, and mode distributed's io report describing what ran.
 */
import { randomUUID } from 'node:crypto';
import { createConnection } from 'node:net';
import { PassThrough } from 'node:stream';
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { terminalWidth, wrap } from '../src/cli/wrap.ts';
import { createProgress, progressBar } from '../src/lab/progress.ts';
import { startWorker } from '../src/worker/index.ts';
import { conc } from './helpers/cli.ts';
import { leftoverKeys } from './helpers/redis-keys.ts';
import { spawnConc } from './helpers/spawn-cli.ts';

const FIXTURE = 'test/fixtures/profile-tasks.ts';

/** A stream that says it is a terminal and keeps what is written to it. */
function fakeTty(): { stream: NodeJS.WriteStream; text: () => string } {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
  let text = '';
  stream.on('data', (chunk) => {
    text += String(chunk);
  });
  Object.assign(stream, {
    isTTY: true,
    columns: 100,
    cursorTo: (_x: number, _y?: unknown, cb?: () => void) => {
      cb?.();
      return true;
    },
    clearLine: (_d: number, cb?: () => void) => {
      cb?.();
      return true;
    },
    moveCursor: (_x: number, _y: number, cb?: () => void) => {
      cb?.();
      return true;
    },
  });
  return { stream, text: () => text };
}

describe('progress', () => {
  it('draws no bar when the stream is not a TTY', () => {
    const pipe = new PassThrough() as unknown as NodeJS.WriteStream;
    expect(progressBar('downloading', pipe)).toBeUndefined();
  });

  it('compare shows the real total from the first item, never a placeholder 0/1, and one line per run', () => {
    const { stream, text } = fakeTty();
    const progress = createProgress(stream);
    progress.runStart('cpu', 'threads', 1, 1);
    for (let done = 1; done <= 6; done++) progress.item('cpu', 'threads', done, 6);
    progress.runEnd('cpu', 'threads', { seconds: 1.5 } as never);
    progress.stop();
    const out = text();
    expect(out).toContain('cpu · threads [');
    expect(out).toContain('1/6');
    expect(out).not.toContain('0/1');
    expect(out).toContain('cpu · threads: 1.50 s\n');
  });
});

describe('wrap', () => {
  it('breaks at spaces within the width, with a hanging indent', () => {
    const lines = wrap('Recommended: one two three four five six seven', 20, '  ');
    expect(lines).toEqual(['Recommended: one two', '  three four five', '  six seven']);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(20);
  });

  it('never cuts a URL or a number, and keeps a number with its unit', () => {
    const url = 'https://example.com/a/very/long/path/that/is/longer/than/the/width';
    const lines = wrap(`see ${url} after 1,234,567 calls of 11.4 ms each`, 30, '  ');
    expect(lines).toContain(`  ${url}`);
    expect(lines.join('\n')).toContain('1,234,567');
    expect(lines.some((l) => l.includes('11.4 ms'))).toBe(true);
  });

  it('uses 80 columns when stdout is not a terminal', () => {
    expect(terminalWidth(new PassThrough() as unknown as NodeJS.WriteStream)).toBe(80);
  });
});

describe('--help', () => {
  it.each(['io', 'cpu', 'compare', 'worker', 'profile', 'serve'])(
    '%s writes every default as "(default: …)"',
    async (command) => {
      const r = await spawnConc([command, '--help'], { killAfterMs: 20_000 });
      expect(r.code).toBe(0);
      const flat = r.stdout.replace(/\s+/g, ' ');
      expect(flat).toContain('(default: ');
      // the old forms: "(default 50)" and "default: x" inside a description's own parentheses
      expect(flat).not.toMatch(/\(default [^:]/);
      expect(flat).not.toMatch(/[;,] default:/);
    },
  );

  it('io and cpu say why their default mode is what it is', async () => {
    const io = (await spawnConc(['io', '--help'], { killAfterMs: 20_000 })).stdout.replace(/\s+/g, ' ');
    expect(io).toContain('(default: async — downloads mostly wait');
    const cpu = (await spawnConc(['cpu', '--help'], { killAfterMs: 20_000 })).stdout.replace(/\s+/g, ' ');
    expect(cpu).toContain(
      "(default: sync — at the article's sizes JavaScript sums faster than workers start",
    );
  });
});

describe('conc profile', () => {
  it('warns when called without --args', async () => {
    const r = await spawnConc(['profile', `${FIXTURE}#spin`, '--runs', '1', '--json'], {
      killAfterMs: 25_000,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('conc: warning: no --args given, so spin is called with no arguments');
    expect(JSON.parse(r.stdout).target.name).toBe('spin');
  });

  it('does not recommend threads for a call shorter than a thread start-up: inline or chunkSize', async () => {
    const r = await spawnConc(['profile', `${FIXTURE}#spin`, '--args', '[0.2]', '--json'], {
      killAfterMs: 25_000,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout);
    expect(doc.verdict).toBe('cpu-bound');
    expect(doc.threadStartMs).toBeGreaterThan(0);
    expect(doc.recommended.mode).toBe('sync');
    expect(doc.recommended.why).toMatch(/Stay inline \(--mode sync\).*chunkSize \d+/);
  });

  it('wraps its verdict and recommendation to 80 columns in a pipe', async () => {
    const r = await spawnConc(['profile', `${FIXTURE}#spin`, '--args', '[0.2]'], { killAfterMs: 25_000 });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    expect(lines.some((l) => l.startsWith('Recommended: --mode sync --workers 1 —'))).toBe(true);
    expect(lines.filter((l) => l.startsWith('  ')).length).toBeGreaterThan(2);
  });
});

const REDIS = 'redis://127.0.0.1:6379';

function redisUp(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port: 6379 });
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

const haveRedis = await redisUp();
if (!haveRedis && !process.env.CI)
  console.warn('SKIPPED: conc io --mode distributed needs Redis at 127.0.0.1:6379');

describe.skipIf(!haveRedis && !process.env.CI)('conc io --mode distributed', () => {
  const queue = `conc-terminal-${randomUUID().slice(0, 8)}`;
  afterAll(async () => {
    const q = new Queue(queue, { connection: { host: '127.0.0.1', port: 6379 } });
    await q.obliterate({ force: true });
    await q.close();
    expect(await leftoverKeys(REDIS, [queue])).toEqual([]);
  });

  it('reports what ran: workers null, remote with the stats, and what sets the concurrency', async () => {
    const worker = await startWorker({ redis: REDIS, queue, mode: 'async', log: () => {} });
    try {
      const json = await conc(
        'io',
        '--mode',
        'distributed',
        '--redis',
        REDIS,
        '--queue',
        queue,
        '--repeat',
        '2',
        '--json',
      );
      expect(json.code, json.err).toBe(0);
      const doc = JSON.parse(json.out);
      expect(doc).toMatchObject({
        job: 'io',
        mode: 'distributed',
        count: 4,
        ok: 4,
        failed: 0,
        workers: null,
      });
      expect(doc.remote).toMatchObject({ queue, completed: 4, failed: 0 });
      expect(doc.remote.concurrency).toContain('--mode async');
      expect(doc.executor).toBeUndefined();
      const text = await conc(
        'io',
        '--mode',
        'distributed',
        '--redis',
        REDIS,
        '--queue',
        queue,
        '--repeat',
        '1',
      );
      expect(text.code, text.err).toBe(0);
      expect(text.out).toContain(`Ran on the conc workers of queue "${queue}"`);
      expect(text.out).toMatch(/Downloaded 2 sites in \d+\.\d\d seconds\n$/);
    } finally {
      await worker.close();
    }
  }, 60_000);
});
