/** runIoJob: the article's I/O job in every local mode, on the embedded sites or given URLs. */
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { AbortError, InvalidOptionsError, TaskTimeoutError } from '../src/errors.ts';
import { createExecutor } from '../src/executor.ts';
import { downloadSite, initSession, releaseSession, tasks } from '../src/workloads/io.ts';
import { runIoJob } from '../src/workloads/io-job.ts';
import { PAGE_BYTES, startSites } from '../src/workloads/sites.ts';
import { startSilentServer } from './helpers/silent-server.ts';

const PAIR = PAGE_BYTES.jython + PAGE_BYTES.dice;

describe('runIoJob on the embedded demo sites', () => {
  it.each([
    ['sync', 1],
    ['async', 4], // unlimited: as many as URLs
    ['threads', 5],
    ['processes', availableParallelism()],
  ] as const)('%s: every page, in list order, with the default width', async (mode, workers) => {
    const report = await runIoJob({ mode, repeat: 2, latencyMs: 1 });
    expect(report).toMatchObject({ job: 'io', mode, workers, count: 4, ok: 4, failed: 0, bytes: 2 * PAIR });
    expect(report.results.map((r) => r.bytes)).toEqual([
      PAGE_BYTES.jython,
      PAGE_BYTES.dice,
      PAGE_BYTES.jython,
      PAGE_BYTES.dice,
    ]);
    expect(report.results.map((r) => new URL(r.url).pathname)).toEqual([
      '/jython',
      '/dice',
      '/jython',
      '/dice',
    ]);
    expect(report.results.every((r) => r.status === 200 && r.attempts === 1 && r.error === undefined)).toBe(
      true,
    );
    expect(report.seconds).toBeGreaterThan(0);
  });

  it("defaults to the article's 160 URLs and reports progress for each", async () => {
    const seen: number[] = [];
    const report = await runIoJob({
      mode: 'async',
      latencyMs: 0,
      onProgress: (done, total, result) => {
        expect(total).toBe(160);
        expect(result.status).toBe(200);
        seen.push(done);
      },
    });
    expect(report.count).toBe(160);
    expect(report.bytes).toBe(80 * PAIR);
    expect(seen).toEqual(Array.from({ length: 160 }, (_, i) => i + 1));
  });

  it('honours workers', async () => {
    expect((await runIoJob({ mode: 'async', workers: 3, repeat: 2, latencyMs: 0 })).workers).toBe(3);
    expect((await runIoJob({ mode: 'processes', workers: 1, repeat: 2, latencyMs: 0 })).workers).toBe(1);
  });
});

describe('runIoJob on given URLs', () => {
  it('keeps every good result when some URLs are bad, in order', async () => {
    await using sites = await startSites({ latencyMs: 0 });
    const urls = [sites.pages.dice, 'notaurl', `${sites.origin}/missing`, 'ftp://x/', sites.pages.jython];
    const report = await runIoJob({ mode: 'threads', workers: 2, urls, retries: 0 });
    expect(report).toMatchObject({ count: 5, ok: 2, failed: 3, bytes: PAIR + 'not found\n'.length });
    expect(report.results.map((r) => [r.url, r.status])).toEqual([
      [urls[0], 200],
      ['notaurl', 0],
      [urls[2], 404],
      ['ftp://x/', 0],
      [urls[4], 200],
    ]);
    expect(report.results[1]!.error).toContain('not a valid URL');
    expect(report.results[3]!.error).toContain('unsupported scheme');
  });

  it('repeats the list', async () => {
    await using sites = await startSites({ latencyMs: 0 });
    const report = await runIoJob({ mode: 'sync', urls: [sites.pages.dice], repeat: 4 });
    expect(report).toMatchObject({ count: 4, ok: 4, bytes: 4 * PAGE_BYTES.dice });
  });

  it('passes timeout, retries and max-bytes to every worker', async () => {
    await using sites = await startSites({ latencyMs: 0 });
    for (const mode of ['async', 'threads'] as const) {
      const report = await runIoJob({
        mode,
        workers: 1,
        urls: [sites.pages.jython, sites.pages.dice],
        maxBytes: 10_000,
      });
      expect(report.results.map((r) => r.error === undefined)).toEqual([false, true]);
      expect(report.results[0]!.error).toContain('10000-byte limit');
    }
  });

  it('returns an empty report for an empty list', async () => {
    const report = await runIoJob({ mode: 'threads', urls: [] });
    expect(report).toMatchObject({ count: 0, ok: 0, failed: 0, bytes: 0, results: [] });
  });
});

describe('runIoJob errors', () => {
  it('rejects bad options before starting anything', async () => {
    await expect(runIoJob({ mode: 'async', urls: ['http://x/'], latencyMs: 5 })).rejects.toThrow(
      /latencyMs applies to the embedded/,
    );
    await expect(runIoJob({ mode: 'async', repeat: 0 })).rejects.toThrow(/repeat must be an integer ≥ 1/);
    await expect(runIoJob({ mode: 'async', timeoutMs: -1 })).rejects.toThrow(InvalidOptionsError);
    await expect(runIoJob({ mode: 'threads', workers: 0, repeat: 1 })).rejects.toThrow(
      /workers must be an integer ≥ 1; got `0`/,
    );
    await expect(runIoJob({ mode: 'bogus' as never, repeat: 1 })).rejects.toThrow(/mode must be one of/);
  });

  it('passes redis and queue to the executor in distributed mode, and refuses them elsewhere', async () => {
    await expect(runIoJob({ mode: 'threads', repeat: 1, redis: 'redis://127.0.0.1:6379' })).rejects.toThrow(
      /applies to mode 'distributed' only/,
    );
  });

  it('stops on abort: rejects with AbortError and leaves nothing running', async () => {
    const controller = new AbortController();
    const job = runIoJob({
      mode: 'async',
      workers: 2,
      latencyMs: 20,
      signal: controller.signal,
      onProgress: (done) => {
        if (done === 4) controller.abort();
      },
    });
    await expect(job).rejects.toBeInstanceOf(AbortError);
    const already = AbortSignal.abort();
    await expect(runIoJob({ mode: 'sync', repeat: 1, signal: already })).rejects.toThrow();
  });
});

describe('cancellation reaches the downloads of runIoJob', () => {
  it.each(['async', 'threads'] as const)(
    '%s: a signal aborted mid-run ends every request (the server sees all sockets closed)',
    async (mode) => {
      await using silent = await startSilentServer();
      const controller = new AbortController();
      const urls = [1, 2, 3, 4].map((n) => silent.url(`page/${n}`));
      const job = runIoJob({ mode, workers: 4, urls, retries: 0, signal: controller.signal });
      await silent.requesting(4); // every download is waiting for an answer
      controller.abort();
      await expect(job).rejects.toBeInstanceOf(AbortError);
      await silent.allClosed();
      expect(silent.requested).toBe(4); // and nothing was retried
    },
  );
});

describe('cancellation reaches the download task', () => {
  it("downloadSite passes its task's signal on: an aborted call frees its socket, the session still held", async () => {
    await using silent = await startSilentServer();
    const holder = 'signal-test';
    const ex = createExecutor({
      mode: 'async',
      initializer: tasks.initSession,
      initArgs: [{ timeoutMs: 30_000, retries: 0 }, holder],
    });
    try {
      const controller = new AbortController();
      const call = ex.run(tasks.downloadSite, [silent.url('abort')], { signal: controller.signal });
      await silent.accepting(1);
      controller.abort();
      await expect(call).rejects.toBeInstanceOf(AbortError);
      await silent.allClosed(); // nothing closed the session: the download stopped itself
      expect(ex.stats()).toMatchObject({ cancelled: 1, running: 0 });
    } finally {
      await ex.close();
      await releaseSession(holder);
    }
  });

  it('a task timeout stops the download too', async () => {
    await using silent = await startSilentServer();
    const holder = 'timeout-test';
    const ex = createExecutor({
      mode: 'async',
      initializer: tasks.initSession,
      initArgs: [{ timeoutMs: 30_000, retries: 0 }, holder],
    });
    try {
      const call = ex.run(tasks.downloadSite, [silent.url('timeout')], { timeoutMs: 200 });
      await expect(call).rejects.toBeInstanceOf(TaskTimeoutError);
      await silent.accepting(1);
      await silent.allClosed();
    } finally {
      await ex.close();
      await releaseSession(holder);
    }
  });
});

describe('io task module', () => {
  it('shares one session per thread and closes it when its last holder lets go', async () => {
    await using sites = await startSites({ latencyMs: 0 });
    initSession({ retries: 0 }, 'a');
    initSession({ retries: 0 }, 'b');
    expect((await downloadSite(sites.pages.dice)).status).toBe(200);
    await releaseSession('a');
    expect((await downloadSite(sites.pages.dice)).status).toBe(200); // b still holds it
    await releaseSession('b');
    await releaseSession('never-held'); // no effect
    expect((await downloadSite(sites.pages.dice)).status).toBe(200); // a fresh default session
    expect(() => initSession({ timeoutMs: 0 }, 'c')).toThrow(InvalidOptionsError);
    await releaseSession('c');
  });
});
