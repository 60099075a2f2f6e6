/**
 * `conc worker` as an operator runs it: real CLI processes, real signals, the real Redis — reached
 * directly or through a loopback proxy the test cuts and heals. Jobs are gated tasks (the test opens
 * the gate), so a signal lands while a job is known to run; every wait is bounded.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createExecutor } from '../src/index.ts';
import { FORCED_STOP_MAX_MS } from '../src/worker/shutdown.ts';
import { REDIS, redisAvailable, removeQueue, uniqueQueue } from './fixtures/distributed-redis.ts';
import { openGate } from './helpers/gate.ts';
import { tasks as ops } from './helpers/ops-tasks.ts';
import { leftoverKeys } from './helpers/redis-keys.ts';
import { type RedisProxy, startRedisProxy } from './helpers/redis-proxy.ts';
import { httpGet, readyBecomes, spawnJsonWorker } from './helpers/worker-process.ts';

const OPS = fileURLToPath(new URL('./helpers/ops-tasks.ts', import.meta.url));
const available = await redisAvailable('worker ops');

describe.runIf(available)('conc worker: stopping, outages, health', () => {
  const queues: string[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  }, 30_000);
  afterAll(async () => {
    expect(await leftoverKeys(REDIS, queues)).toEqual([]); // Redis as we found it
  });

  async function setup(label: string) {
    const queue = uniqueQueue(`ops-${label}`);
    queues.push(queue);
    cleanups.push(() => removeQueue(queue));
    const gate = await openGate();
    cleanups.push(() => gate.close());
    const ex = createExecutor({ mode: 'distributed', redis: REDIS, queue });
    cleanups.push(() => ex.close({ cancel: true }));
    const dir = mkdtempSync(join(tmpdir(), 'conc-ops-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const spawn = async (redis: string, ...extra: string[]) => {
      const args = [
        '--redis',
        redis,
        '--queue',
        queue,
        '--tasks',
        OPS,
        '--no-builtins',
        '--health-port',
        '0',
      ];
      const worker = await spawnJsonWorker([...args, ...extra]);
      cleanups.push(() => worker.stop());
      return worker;
    };
    return { queue, gate, ex, marker: join(dir, 'marker'), spawn };
  }

  async function proxy(): Promise<RedisProxy> {
    const p = await startRedisProxy();
    cleanups.push(() => p.close());
    return p;
  }

  it('SIGTERM drains: /ready says 503, the running job finishes and reports, exit 0', async () => {
    const { gate, ex, spawn } = await setup('drain');
    const worker = await spawn(REDIS, '--mode', 'async', '--grace', '20000');
    const run = ex.submit(ops.gated, gate.port, 'finished');
    await gate.started(1);
    worker.child.kill('SIGTERM');
    await worker.waitFor((l) => l.event === 'worker.stopping', 'the stopping line');
    expect((await httpGet(worker.healthPort, '/ready')).status).toBe(503);
    expect((await httpGet(worker.healthPort, '/live')).status).toBe(200);
    gate.open();
    expect(await run).toBe('finished');
    expect(await worker.exit(15_000)).toEqual({ code: 0, signal: null });
    const stopped = await worker.waitFor((l) => l.event === 'worker.stopped', 'the stopped line');
    expect(stopped).toMatchObject({ how: 'drained', exitCode: 0 });
    expect(worker.count('worker.forced')).toBe(0);
    expect(worker.other).toEqual([]); // --log json: every line is one JSON object
  });

  it('a second signal stops at once: the running job goes back to the queue, runs on another worker; exit 3', async () => {
    const { gate, ex, marker, spawn } = await setup('second');
    const first = await spawn(REDIS, '--mode', 'threads', '--workers', '1', '--grace', '60000');
    const run = ex.submit(ops.gatedFirstTime, gate.port, marker);
    await gate.started(1);
    first.child.kill('SIGTERM');
    await first.waitFor((l) => l.event === 'worker.stopping', 'the stopping line');
    first.child.kill('SIGINT');
    expect(await first.exit(FORCED_STOP_MAX_MS + 2_000)).toEqual({ code: 3, signal: null });
    expect(await first.waitFor((l) => l.event === 'worker.forced', 'the forced line')).toMatchObject({
      jobs: 1,
    });
    expect(first.count('job.returned')).toBe(1);
    expect(first.lines.find((l) => l.event === 'worker.stopped')).toMatchObject({
      how: 'forced',
      returned: 1,
      left: 0,
    });

    await spawn(REDIS, '--mode', 'async');
    expect(await run).toBe('ran again');
    expect(ex.stats().byTask).toEqual({
      'ops-tasks#gatedFirstTime': { completed: 1, failed: 0, cancelled: 0, refused: 0, retried: 1 },
    });
  }, 60_000);

  it('cut off from Redis: /ready 503, one drop line, reminders, one recovery line, /ready 200 again', async () => {
    const { spawn } = await setup('cut');
    const p = await proxy();
    const worker = await spawn(p.url, '--mode', 'async');
    await readyBecomes(worker.healthPort, 200, 5_000);
    const accepted = p.accepted;
    p.cut('refuse');
    await readyBecomes(worker.healthPort, 503, 5_000);
    const down = await worker.waitFor((l) => l.event === 'redis.down', 'the drop line', 5_000);
    expect(down.level).toBe('warn');
    const still = await worker.waitFor((l) => l.event === 'redis.unreachable', 'a reminder', 15_000);
    expect(still.msg).toMatch(/still unreachable after \d+ s/);
    p.heal();
    const up = await worker.waitFor((l) => l.event === 'redis.up', 'the recovery line', 15_000);
    await readyBecomes(worker.healthPort, 200, 5_000);
    // One line per state change and a reminder, not one per reconnect attempt
    expect(up.attempts as number).toBeGreaterThan(1);
    expect(p.accepted - accepted).toBeGreaterThan(worker.count('redis.unreachable') + 1);
    expect([worker.count('redis.down'), worker.count('redis.unreachable'), worker.count('redis.up')]).toEqual(
      [1, 1, 1],
    );
    expect(worker.lines.filter((l) => l.level === 'error')).toEqual([]);
    const metrics = (await httpGet(worker.healthPort, '/metrics')).body;
    expect(metrics).toMatch(/^conc_worker_redis_reconnects_total\{queue="[^"]+"\} 1$/m);
    worker.child.kill('SIGTERM');
    expect((await worker.exit(10_000)).code).toBe(0);
  }, 60_000);

  it('a silent network (nothing closes, nothing answers) is noticed by the heartbeat; healed, it is back', async () => {
    const { spawn } = await setup('silent');
    const p = await proxy();
    const worker = await spawn(p.url, '--mode', 'async');
    await readyBecomes(worker.healthPort, 200, 5_000);
    p.cut('blackhole');
    await readyBecomes(worker.healthPort, 503, 8_000);
    const down = await worker.waitFor((l) => l.event === 'redis.down', 'the drop line', 5_000);
    expect(down.msg).toContain('no answer to a ping');
    p.heal();
    await worker.waitFor((l) => l.event === 'redis.up', 'the recovery line', 15_000);
    await readyBecomes(worker.healthPort, 200, 5_000);
    worker.child.kill('SIGTERM');
    expect((await worker.exit(10_000)).code).toBe(0);
  }, 60_000);

  it('SIGTERM during a long cut ends the worker within the grace plus a margin; its job is recovered elsewhere', async () => {
    const { gate, ex, marker, spawn } = await setup('cut-stop');
    const p = await proxy();
    const graceMs = 2_000;
    const first = await spawn(p.url, '--mode', 'async', '--grace', String(graceMs), '--stall-ms', '1500');
    const run = ex.submit(ops.gatedFirstTime, gate.port, marker);
    await gate.started(1);
    p.cut('refuse');
    await first.waitFor((l) => l.event === 'redis.down', 'the drop line', 5_000);
    first.child.kill('SIGTERM');
    // the bound: the grace, then a forced stop that waits for Redis no longer than FORCED_STOP_MAX_MS
    expect(await first.exit(graceMs + FORCED_STOP_MAX_MS + 2_000)).toEqual({ code: 4, signal: null });
    expect(first.count('job.left')).toBe(1);
    expect(first.lines.find((l) => l.event === 'worker.stopped')).toMatchObject({
      how: 'forced',
      reason: 'grace',
      returned: 0,
      left: 1,
    });
    // Redis never heard the job end: its lock expires, another worker's stalled-job check re-runs it
    await spawn(REDIS, '--mode', 'async', '--stall-ms', '1000');
    expect(await run).toBe('ran again');
  }, 60_000);
});
