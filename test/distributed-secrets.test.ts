/**
 * No output path prints a Redis password, whatever characters it holds: option errors, connection
 * errors, the executor's errors, warnings and info(), and a `conc worker`'s text and JSON log lines,
 * /ready and /metrics. Against a redis-server of this test's own (its own loopback port, a password
 * with reserved characters), never the shared one. Also `conc worker --tasks` of a module that hangs
 * on import: a clear error and exit 1 after the load timeout, never a silent hang.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createExecutor, InvalidOptionsError, RedisError } from '../src/index.ts';
import { startWorker } from '../src/worker/index.ts';
import { freePort, PrivateRedis, ROOT, redisAvailable } from './fixtures/distributed-redis.ts';
import { tasks as hostile } from './fixtures/hostile.ts';
import { httpGet, spawnJsonWorker, WorkerProcess } from './helpers/worker-process.ts';

const HOSTILE = fileURLToPath(new URL('./fixtures/hostile.ts', import.meta.url));
const HANG = fileURLToPath(new URL('./fixtures/hang-on-import.ts', import.meta.url));
/** Reserved characters of a URL's userinfo, and a "%" that is no escape. */
const PASSWORD = 'se/cr?et#p@ss:w%rd-h1b';
/** Pieces of it that must never show, raw or percent-encoded. */
const PIECES = ['se/cr', 'cr?et', 'et#p', 'p@ss', 'ss:w', 'w%rd', 'rd-h1b', encodeURIComponent(PASSWORD)];

function expectNoSecret(text: string): void {
  for (const piece of PIECES) expect(text).not.toContain(piece);
}

const available = await redisAvailable('distributed secrets');

describe.runIf(available)('secrets never print', () => {
  let own: PrivateRedis;
  const cleanups: (() => Promise<void> | void)[] = [];
  beforeAll(async () => {
    own = new PrivateRedis(await freePort(), PASSWORD);
    await own.start();
  }, 30_000);
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  }, 30_000);
  afterAll(async () => {
    await own?.kill();
  });

  it('a URL whose password has unescaped reserved characters is refused without showing it', async () => {
    const raw = `redis://:${PASSWORD}@127.0.0.1:${own.port}`;
    const error = (() => {
      try {
        createExecutor({ mode: 'distributed', redis: raw });
      } catch (e) {
        return e as Error;
      }
    })()!;
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect(error.message).toContain('must be percent-encoded (/ as %2F)');
    expectNoSecret(error.message);
    const fromWorker = (await startWorker({ redis: raw, log: () => {} }).catch((e: unknown) => e)) as Error;
    expect(fromWorker).toBeInstanceOf(InvalidOptionsError);
    expectNoSecret(fromWorker.message);
  });

  it('a malformed percent-escape is an InvalidOptionsError, not a URIError from inside ioredis', async () => {
    const bad = `redis://:abc%E0%A4%Ahunter2@127.0.0.1:${own.port}`;
    let error: Error | undefined;
    try {
      createExecutor({ mode: 'distributed', redis: bad });
    } catch (e) {
      error = e as Error;
    }
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect(error!.message).toContain(
      'its password has a malformed percent-escape (write a literal "%" as %25)',
    );
    expect(error!.message).not.toContain('hunter2');
    const fromWorker = (await startWorker({ redis: bad, log: () => {} }).catch((e: unknown) => e)) as Error;
    expect(fromWorker).toBeInstanceOf(InvalidOptionsError);
    expect(fromWorker.message).not.toContain('hunter2');
  });

  it('conc worker with such URLs: exit 2, one clear line, no secret, no stack', async () => {
    for (const url of [
      `redis://:${PASSWORD}@127.0.0.1:${own.port}`,
      `redis://:x%ZZ${PASSWORD}@127.0.0.1:1`,
    ]) {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'src/cli/bin.ts', 'worker', '--log', 'json'],
        {
          cwd: ROOT,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, CONC_REDIS: url },
        },
      );
      const worker = new WorkerProcess(child);
      cleanups.push(() => worker.stop());
      const exit = await worker.exit(20_000);
      expect(exit.code).toBe(2);
      expect(worker.lines.map((l) => l.event)).toEqual(['worker.failed']);
      expect(worker.other).toEqual([]); // no stack, no URIError
      expect(worker.lines[0]!.msg).toContain('redis must be a URL');
      expectNoSecret(JSON.stringify(worker.lines));
    }
  });

  it('a worker and an executor on a password-protected Redis: logs (json), /ready, /metrics, errors, warnings, info()', async () => {
    const url = own.url; // the password percent-encoded: the right way to write it
    const worker = await spawnJsonWorker([
      '--redis',
      url,
      '--queue',
      'secrets',
      '--tasks',
      HOSTILE,
      '--mode',
      'async',
      '--log-level',
      'debug',
      '--health-port',
      '0',
    ]);
    cleanups.push(() => worker.stop());
    const ex = createExecutor({
      mode: 'distributed',
      redis: url,
      queue: 'secrets',
      noWorkerTimeoutMs: 2_000,
    });
    cleanups.push(() => ex.close({ cancel: true }));
    expect(await ex.map(hostile.double, [1, 2, 3])).toEqual([2, 4, 6]);
    await expect(ex.submit(hostile.throwProxy)).rejects.toThrow(/could not be read|cannot (be )?read/);
    expectNoSecret(JSON.stringify(ex.stats()));
    // a queue nobody serves, on the same Redis: the warning and the error show the URL masked
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    cleanups.push(() => void process.off('warning', onWarning));
    const lonely = createExecutor({
      mode: 'distributed',
      redis: url,
      queue: 'secrets-nobody',
      noWorkerTimeoutMs: 3_500,
    });
    cleanups.push(() => lonely.close({ cancel: true }));
    const nobody = (await lonely.submit(hostile.double, 1).catch((e: unknown) => e)) as Error;
    expect(nobody).toBeInstanceOf(RedisError);
    expect(nobody.message).toContain(`at redis://:***@127.0.0.1:${own.port}`);
    expect(nobody.message).toContain('conc worker --redis <url> --queue secrets-nobody');
    expect(warnings.some((w) => w.includes('queue "secrets-nobody"'))).toBe(true);
    expectNoSecret(nobody.message + warnings.join('\n'));
    // a wrong password: the error says so, and shows neither
    const wrong = createExecutor({
      mode: 'distributed',
      redis: `redis://:wrong-${encodeURIComponent(PASSWORD)}@127.0.0.1:${own.port}`,
    });
    cleanups.push(() => wrong.close());
    const denied = (await wrong.submit(hostile.double, 1).catch((e: unknown) => e)) as Error;
    expect(denied).toBeInstanceOf(RedisError);
    expect(denied.message).toContain('Check the user name and password');
    expectNoSecret(`${denied.message}\n${denied.stack}`);
    // the worker's every output
    const metrics = await httpGet(worker.healthPort, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('hostile#double');
    const ready = await httpGet(worker.healthPort, '/ready');
    worker.child.kill('SIGTERM');
    expect((await worker.exit(15_000)).code).toBe(0);
    expect(
      worker.lines.some((l) => l.event === 'worker.started' && l.msg.includes('redis://:***@127.0.0.1')),
    ).toBe(true);
    expectNoSecret([JSON.stringify(worker.lines), ...worker.other, metrics.body, ready.body].join('\n'));
  });

  it('conc worker --tasks <a module that hangs on import>: says what it waits for, then exits 1', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/bin.ts', 'worker', '--log', 'json', '--redis', own.url, '--tasks', HANG],
      {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, CONC_WORKER_LOAD_TIMEOUT_MS: '6000' },
      },
    );
    const worker = new WorkerProcess(child);
    cleanups.push(() => worker.stop());
    const slow = await worker.waitFor((l) => l.event === 'tasks.slow', 'the slow-load line', 20_000);
    expect(slow.msg).toContain('still loading task module');
    expect(slow.msg).toContain('hang-on-import.ts');
    expect(slow.msg).toContain('giving up after 6 s');
    const exit = await worker.exit(20_000);
    expect(exit.code).toBe(1);
    const failed = worker.lines.find((l) => l.event === 'worker.failed')!;
    expect(failed.msg).toContain('did not finish loading within 6000 ms');
    expect(failed.msg).toContain('CONC_WORKER_LOAD_TIMEOUT_MS');
    expect(worker.other).toEqual([]);
    expectNoSecret(JSON.stringify(worker.lines));
  }, 40_000);
});
