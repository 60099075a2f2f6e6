/**
 * What a `conc worker` exposes on its health port, read by a Prometheus parser: counters that match
 * the jobs the test ran (completed, failed, refused), the duration histogram, the gauges — and the
 * caller's `ex.stats().byTask`, which must say the same. A real CLI process on the real Redis.
 */
import { fileURLToPath } from 'node:url';
import parsePrometheus, { type PrometheusFamily } from 'parse-prometheus-text-format';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createExecutor, type Executor, TaskError, TaskNotFoundError } from '../src/index.ts';
import { tasks as basic } from './fixtures/basic.ts';
import { REDIS, redisAvailable, removeQueue, uniqueQueue } from './fixtures/distributed-redis.ts';
import { tasks as ops } from './helpers/ops-tasks.ts';
import { leftoverKeys } from './helpers/redis-keys.ts';
import { httpGet, spawnJsonWorker } from './helpers/worker-process.ts';

const OPS = fileURLToPath(new URL('./helpers/ops-tasks.ts', import.meta.url));
const available = await redisAvailable('worker ops metrics');

/** The value of the sample of `name` whose labels include `labels` (undefined: no such sample). */
function sample(
  families: PrometheusFamily[],
  name: string,
  labels: Record<string, string>,
): number | undefined {
  const family = families.find((f) => f.name === name);
  const found = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  if (!found) return undefined;
  return Number(found.value);
}

/** 3 calls that complete, 2 that fail, 1 the worker refuses (basic.ts is not among its task modules). */
async function runJobs(ex: Executor): Promise<void> {
  expect(await ex.map(ops.square, [1, 2, 3])).toEqual([1, 4, 9]);
  const failed = await Promise.allSettled([ex.submit(ops.fail, 'one'), ex.submit(ops.fail, 'two')]);
  expect(failed.map((r) => (r as PromiseRejectedResult).reason)).toEqual([
    expect.any(TaskError),
    expect.any(TaskError),
  ]);
  await expect(ex.submit(basic.square, 4)).rejects.toBeInstanceOf(TaskNotFoundError);
}

/** GET /metrics, parsed; every conc metric has a help text and a type. */
async function readMetrics(port: number): Promise<{ body: string; families: PrometheusFamily[] }> {
  const res = await httpGet(port, '/metrics');
  expect(res.status).toBe(200);
  expect(res.type).toContain('text/plain');
  const families = parsePrometheus(res.body);
  for (const family of families.filter((f) => f.name.startsWith('conc_worker_'))) {
    expect(family.help).not.toBe('');
    expect(family.type).not.toBe('UNTYPED');
  }
  return { body: res.body, families };
}

describe.runIf(available)('conc worker: /metrics and the counters of both sides', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  const queues: string[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  }, 30_000);
  afterAll(async () => {
    expect(await leftoverKeys(REDIS, queues)).toEqual([]); // Redis as we found it
  });

  it('/metrics parses as Prometheus text; its counters match the jobs run, and so do the caller’s', async () => {
    const queue = uniqueQueue('ops-metrics');
    queues.push(queue);
    cleanups.push(() => removeQueue(queue));
    const worker = await spawnJsonWorker([
      ...['--redis', REDIS, '--queue', queue, '--tasks', OPS, '--no-builtins'],
      ...['--mode', 'async', '--concurrency', '4', '--health-port', '0'],
    ]);
    cleanups.push(() => worker.stop());
    const ex = createExecutor({ mode: 'distributed', redis: REDIS, queue });
    cleanups.push(() => ex.close({ cancel: true }));

    await runJobs(ex);
    const { body, families } = await readMetrics(worker.healthPort);
    const calls = (task: string, result: string) =>
      sample(families, 'conc_worker_calls_total', { queue, task, result });
    expect(calls('ops-tasks#square', 'completed')).toBe(3);
    expect(calls('ops-tasks#fail', 'failed')).toBe(2);
    expect(calls('basic#square', 'refused')).toBe(1);
    expect(calls('ops-tasks#square', 'failed')).toBeUndefined();
    // (the parser merges a labelled histogram's series, so its count is read from the text itself)
    expect(body).toContain(
      `conc_worker_job_duration_seconds_count{queue="${queue}",task="ops-tasks#square"} 3\n`,
    );
    expect(sample(families, 'conc_worker_jobs_running', { queue })).toBe(0);
    expect(sample(families, 'conc_worker_concurrency', { queue })).toBe(4);
    expect(sample(families, 'conc_worker_ready', { queue })).toBe(1);
    expect(sample(families, 'conc_worker_redis_up', { queue })).toBe(1);
    expect(sample(families, 'conc_worker_redis_reconnects_total', { queue })).toBe(0);
    expect(sample(families, 'process_cpu_user_seconds_total', { queue })).toBeGreaterThan(0);
    expect(worker.count('job.refused')).toBe(1); // a refusal is worth a warning; the rest are debug lines

    // The caller's side keeps the same counters
    const zero = { completed: 0, failed: 0, cancelled: 0, refused: 0, retried: 0 };
    expect(ex.stats().byTask).toEqual({
      'ops-tasks#square': { ...zero, completed: 3 },
      'ops-tasks#fail': { ...zero, failed: 2 },
      'basic#square': { ...zero, refused: 1 },
    });
    expect(ex.stats().reconnects).toBe(0);
  }, 60_000);

  it('the health server: /live 200, /ready 200, an unknown path 404, on 127.0.0.1 only by default', async () => {
    const queue = uniqueQueue('ops-health');
    queues.push(queue);
    cleanups.push(() => removeQueue(queue));
    const worker = await spawnJsonWorker(['--redis', REDIS, '--queue', queue, '--health-port', '0']);
    cleanups.push(() => worker.stop());
    const started = worker.lines.find((l) => l.event === 'worker.started');
    expect(new URL(String(started?.health)).hostname).toBe('127.0.0.1');
    const live = await httpGet(worker.healthPort, '/live');
    expect([live.status, JSON.parse(live.body).live]).toEqual([200, true]);
    const ready = await httpGet(worker.healthPort, '/ready');
    expect([ready.status, JSON.parse(ready.body)]).toEqual([200, { ready: true }]);
    const missing = await httpGet(worker.healthPort, '/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toContain('/live, /ready or /metrics');
    worker.child.kill('SIGINT');
    expect((await worker.exit(10_000)).code).toBe(0);
  }, 30_000);
});
