import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../src/errors.ts';
import { PAGE_BYTES, startSites } from '../src/workloads/sites.ts';

async function get(
  url: string,
  dispatcher?: Agent,
): Promise<{ status: number; bytes: number; type: string }> {
  const res = await request(url, dispatcher ? { dispatcher } : {});
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, bytes: body.length, type: String(res.headers['content-type']) };
}

describe('embedded demo sites', () => {
  it('serves the two pages at their sizes, and 404 elsewhere', async () => {
    await using sites = await startSites({ latencyMs: 0 });
    expect(sites.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await get(sites.pages.jython)).toEqual({
      status: 200,
      bytes: PAGE_BYTES.jython,
      type: 'text/html; charset=utf-8',
    });
    expect(await get(sites.pages.dice)).toMatchObject({ status: 200, bytes: PAGE_BYTES.dice });
    expect(await get(`${sites.pages.dice}?roll=1`)).toMatchObject({ status: 200, bytes: PAGE_BYTES.dice });
    expect((await get(`${sites.origin}/`)).status).toBe(200);
    expect((await get(`${sites.origin}/nope`)).status).toBe(404);
  });

  it("builds the article's list: [jython, dice] × repeat", async () => {
    await using sites = await startSites({ latencyMs: 0 });
    const urls = sites.articleUrls();
    expect(urls).toHaveLength(160);
    expect(urls.slice(0, 4)).toEqual([
      sites.pages.jython,
      sites.pages.dice,
      sites.pages.jython,
      sites.pages.dice,
    ]);
    expect(sites.articleUrls(3)).toHaveLength(6);
    expect(() => sites.articleUrls(-1)).toThrow(InvalidOptionsError);
  });

  it('holds hundreds of concurrent connections, and keep-alive reuses them', async () => {
    await using sites = await startSites({ latencyMs: 20 });
    const agent = new Agent({ connections: null });
    try {
      const first = await Promise.all(sites.articleUrls(150).map((u) => get(u, agent)));
      expect(first.every((r) => r.status === 200)).toBe(true);
      expect(sites.stats()).toEqual({ requests: 300, connections: 300 });
      const again = await Promise.all(sites.articleUrls(150).map((u) => get(u, agent)));
      expect(again.every((r) => r.status === 200)).toBe(true);
      expect(sites.stats().requests).toBe(600);
      expect(sites.stats().connections).toBeLessThan(600);
    } finally {
      await agent.destroy();
    }
  });

  it('closes with idle keep-alive connections still open', async () => {
    const sites = await startSites({ latencyMs: 0 });
    const agent = new Agent();
    try {
      await get(sites.pages.dice, agent);
      await sites.close();
      await sites.close(); // idempotent
      await expect(get(sites.pages.dice, new Agent())).rejects.toThrow();
    } finally {
      await agent.destroy();
    }
  });

  it('listens on the port asked for', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await using sites = await startSites({ port, latencyMs: 0 });
    expect(sites.port).toBe(port);
    await expect(startSites({ port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('rejects bad options', async () => {
    await expect(startSites({ port: 70_000 })).rejects.toThrow(/port must be an integer from 0 to 65535/);
    await expect(startSites({ latencyMs: -5 })).rejects.toThrow(/latencyMs must be a number ≥ 0/);
  });
});

describe('conc serve', () => {
  it('serves standalone until SIGTERM, then says how much it served', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'serve', '--latency', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c;
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const origin = await new Promise<string>((resolve, reject) => {
        const timer = setInterval(() => {
          const match = /Serving the demo sites at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (match) {
            clearInterval(timer);
            resolve(match[1]!);
          }
        }, 20);
        void exited.then(() => {
          clearInterval(timer);
          reject(new Error(`conc serve exited early: ${err}`));
        });
      });
      expect(await get(`${origin}/dice`)).toMatchObject({ status: 200, bytes: PAGE_BYTES.dice });
      child.kill('SIGTERM');
      expect(await exited).toBe(143); // 128 + SIGTERM, as every command exits on it
      expect(out).toMatch(/Stopped after 1 requests on 1 connections/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('says when the port is taken (usage error, exit 2)', async () => {
    await using sites = await startSites({ latencyMs: 0 });
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/bin.ts', 'serve', '--port', String(sites.port)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err += c;
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain(`port ${sites.port} is in use`);
  });
});
