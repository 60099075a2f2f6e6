/**
 * The operator-facing pieces of `conc worker` on their own, without Redis: the log's two formats and
 * its levels, what counts as refused or failed, the Redis watch's state changes and reminders (on a
 * fake connection, with fake timers), a stop that must not wait for an unreachable Redis, the health
 * server's refusal of a port in use, and the CLI's usage errors.
 */
import { EventEmitter, once } from 'node:events';
import { createServer } from 'node:net';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidOptionsError } from '../src/index.ts';
import { serveHealth } from '../src/worker/health.ts';
import { callResults } from '../src/worker/job-handler.ts';
import { WorkerLog } from '../src/worker/log.ts';
import { resolveWorkerOptions } from '../src/worker/options.ts';
import { RedisWatch } from '../src/worker/redis-watch.ts';
import { ActiveJobs, Shutdown } from '../src/worker/shutdown.ts';
import { conc } from './helpers/cli.ts';

describe('the worker log', () => {
  it('json: one object per line, fixed keys first, the job fields when given', () => {
    const lines: string[] = [];
    const log = new WorkerLog({ format: 'json', level: 'debug', queue: 'q1', sink: (l) => lines.push(l) });
    log.debug('job.completed', 'job 7 m#square completed in 1.5 ms', {
      job: '7',
      task: 'm#square',
      durationMs: 1.5,
    });
    log.warn('redis.down', 'lost the connection');
    const [job, down] = lines.map((l) => JSON.parse(l));
    expect(Object.keys(job)).toEqual(['time', 'level', 'event', 'queue', 'job', 'task', 'durationMs', 'msg']);
    expect(job).toMatchObject({
      level: 'debug',
      event: 'job.completed',
      queue: 'q1',
      job: '7',
      durationMs: 1.5,
    });
    expect(new Date(job.time).toISOString()).toBe(job.time);
    expect(down).toMatchObject({ level: 'warn', event: 'redis.down', msg: 'lost the connection' });
    expect(lines.every((l) => !l.includes('\n'))).toBe(true);
  });

  it('text: "conc worker: <message>"; lines below the level are not written', () => {
    const lines: string[] = [];
    const log = new WorkerLog({ queue: 'q', sink: (l) => lines.push(l) });
    log.debug('job.completed', 'not shown at info');
    log.info('redis.up', 'back');
    log.error('worker.error', 'boom');
    expect(lines).toEqual(['conc worker: back', 'conc worker: boom']);
    expect(log.enabled('debug')).toBe(false);
  });
});

describe('what a job became, for an operator', () => {
  it('ok → completed, aborted → cancelled, not-found → refused, anything else → failed; a refused job once', () => {
    const outcomes = [
      ['ok', 1],
      ['threw', {}],
      ['aborted', 'x'],
      ['not-found', 'm'],
      ['timeout', 5],
    ] as const;
    expect(callResults({ outcomes: outcomes.map((o) => [...o]), ok: true, text: '' } as never)).toEqual([
      'completed',
      'failed',
      'cancelled',
      'refused',
      'failed',
    ]);
    expect(callResults({ outcomes: [['bad-argument', 'x']], ok: false, text: '', refused: true })).toEqual([
      'refused',
    ]);
  });
});

/** A stand-in for an ioredis connection: its events, its status, a ping the test answers or not. */
class FakeRedis extends EventEmitter {
  status = 'ready';
  answer = true;
  disconnects: boolean[] = [];
  ping(): Promise<string> {
    return this.answer ? Promise.resolve('PONG') : new Promise(() => {});
  }
  disconnect(reconnect = false): void {
    this.disconnects.push(reconnect);
  }
}

describe('the Redis watch', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function watch() {
    const redis = new FakeRedis();
    const seen: string[] = [];
    const w = new RedisWatch(redis as unknown as Redis, {
      onDown: (reason) => seen.push(`down: ${reason}`),
      onStill: (ms, attempts) => seen.push(`still ${ms / 1000} s, ${attempts} attempts`),
      onUp: (ms, attempts) => seen.push(`up after ${ms / 1000} s, ${attempts} attempts`),
    });
    return { redis, seen, w };
  }

  it('one line down, reminders at 10 s then every 10 s, one line up; reconnect attempts counted', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const { redis, seen, w } = watch();
    redis.status = 'reconnecting';
    redis.emit('close');
    redis.emit('close'); // every socket of an outage closes: still one line
    for (let i = 0; i < 5; i++) redis.emit('reconnecting');
    await vi.advanceTimersByTimeAsync(20_000);
    expect(w.up).toBe(false);
    redis.status = 'ready';
    redis.emit('ready');
    await vi.advanceTimersByTimeAsync(30_000); // no reminder once it is back
    expect(seen).toEqual([
      'down: the connection closed',
      'still 10 s, 5 attempts',
      'still 20 s, 5 attempts',
      'up after 20 s, 5 attempts',
    ]);
    expect([w.up, w.reconnects]).toEqual([true, 1]);
    w.stop();
  });

  it('a ping left unanswered on a connection that thinks it is up: down, and the socket is made anew', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const { redis, seen, w } = watch();
    redis.answer = false;
    await vi.advanceTimersByTimeAsync(3_500);
    expect(seen).toEqual(['down: no answer to a ping within 2 s']);
    expect(redis.disconnects).toEqual([true]);
    redis.answer = true;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(seen.at(-1)).toMatch(/^up after/);
    w.stop();
  });
});

describe('stopping', () => {
  it('nothing running and Redis unreachable: a graceful stop drains at once and drops the connections', async () => {
    const calls: string[] = [];
    const worker = {
      close: () => {
        calls.push('close');
        return new Promise(() => {}); // BullMQ waits for Redis to say goodbye: for ever
      },
      disconnect: () => {
        calls.push('disconnect');
        return new Promise(() => {}); // ioredis never says a reconnecting connection ended
      },
    } as unknown as Worker;
    const shutdown = new Shutdown({
      worker,
      active: new ActiveJobs(),
      graceMs: 60_000,
      redisUp: () => false,
      stopTasks: async (force) => {
        calls.push(`tasks ${force}`);
      },
      onForce: () => calls.push('forced'),
    });
    expect(await shutdown.stop(false)).toEqual({ how: 'drained', returned: 0, left: 0 });
    expect(calls).toEqual(['close', 'disconnect', 'tasks false']);
  });
});

describe('health server and CLI options', () => {
  it('a port in use is refused with a clear error naming it', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const { port } = taken.address() as { port: number };
    try {
      const error = await serveHealth({
        host: '127.0.0.1',
        port,
        ready: () => ({ ready: true }),
        metrics: async () => ({ body: '', contentType: 'text/plain' }),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidOptionsError);
      expect((error as Error).message).toContain(`127.0.0.1:${port} is in use`);
    } finally {
      taken.close();
    }
  });

  it('options: a health host needs a port; log format, level and grace are checked', () => {
    const base = { redis: 'redis://127.0.0.1:6379' };
    expect(() => resolveWorkerOptions({ ...base, healthHost: '0.0.0.0' })).toThrow(
      /healthHost needs healthPort/,
    );
    expect(() => resolveWorkerOptions({ ...base, logFormat: 'yaml' as never })).toThrow(
      /logFormat must be text or json/,
    );
    expect(() => resolveWorkerOptions({ ...base, logLevel: 'loud' as never })).toThrow(
      /logLevel must be one of/,
    );
    expect(() => resolveWorkerOptions({ ...base, graceMs: -1 })).toThrow(/graceMs must be an integer ≥ 0/);
    expect(() => resolveWorkerOptions({ ...base, healthPort: 70_000 })).toThrow(/healthPort must be/);
    expect(resolveWorkerOptions({ ...base, healthPort: 0 }).health).toEqual({ port: 0, host: '127.0.0.1' });
    expect(resolveWorkerOptions(base).graceMs).toBe(25_000);
  });

  it('conc worker: a bad --log, --log-level, --grace or --health-port is a usage error (exit 2)', async () => {
    for (const args of [
      ['--log', 'yaml'],
      ['--log-level', 'loud'],
      ['--grace', '-1'],
      ['--health-port', '70000'],
    ]) {
      const { code, err } = await conc('worker', ...args);
      expect(code).toBe(2);
      expect(err).toContain(args[0]);
    }
  });
});
