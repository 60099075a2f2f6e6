/**
 * A real `conc worker` process for the worker-ops tests: the CLI (src/cli/bin.ts, run by node with
 * tsx, as the other distributed tests do) with `--log json`, so that every line it writes is read
 * as one object; real signals; bounded waits on its log lines, its exit and its health endpoint.
 *
 * @example
 * const worker = await spawnJsonWorker(['--redis', url, '--queue', queue, '--health-port', '0']);
 * await worker.waitFor((l) => l.event === 'redis.down', 'the drop line');
 * worker.child.kill('SIGTERM');
 * const { code } = await worker.exit(10_000);
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** One line of a worker's JSON log. */
export interface LogLine {
  time: string;
  level: string;
  event: string;
  queue: string;
  msg: string;
  job?: string;
  task?: string;
  durationMs?: number;
  [key: string]: unknown;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class WorkerProcess {
  readonly lines: LogLine[] = [];
  /** Lines that were not JSON (there should be none). */
  readonly other: string[] = [];
  readonly exited: Promise<Exit>;
  #waiters: (() => void)[] = [];
  #done = false;

  constructor(readonly child: ChildProcess) {
    let rest = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop()!;
      for (const part of parts) this.#read(part);
    });
    this.exited = once(child, 'exit').then(([code, signal]) => {
      this.#done = true;
      this.#wake();
      return { code, signal } as Exit;
    });
  }

  /** The health server's port, from the start line. */
  get healthPort(): number {
    const url = this.lines.find((l) => l.event === 'worker.started')?.health;
    if (typeof url !== 'string') throw new Error('the worker has no health server');
    return Number(new URL(url).port);
  }

  count(event: string): number {
    return this.lines.filter((l) => l.event === event).length;
  }

  /** The first line (from `from` on) that `match` accepts; fails after `ms` or if the worker exits first. */
  async waitFor(match: (line: LogLine) => boolean, what: string, ms = 20_000, from = 0): Promise<LogLine> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.lines.slice(from).find(match);
      if (found) return found;
      if (this.#done) throw new Error(`the worker exited before ${what}:\n${this.#dump()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${ms} ms:\n${this.#dump()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The exit, within `ms` (else the test fails; the process is killed in `stop`). */
  async exit(ms: number): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the worker did not exit within ${ms} ms:\n${this.#dump()}`)),
        ms,
      );
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills it if it still runs (cleanup). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  #read(text: string): void {
    if (text.trim() === '') return;
    try {
      this.lines.push(JSON.parse(text) as LogLine);
    } catch {
      this.other.push(text);
    }
    this.#wake();
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  #dump(): string {
    return [...this.lines.map((l) => `${l.level} ${l.event}: ${l.msg}`), ...this.other].join('\n');
  }
}

/** Starts `conc worker --log json …args`; resolves once it takes jobs (its start line). */
export async function spawnJsonWorker(args: string[]): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/bin.ts', 'worker', '--log', 'json', ...args],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    },
  );
  const worker = new WorkerProcess(child);
  try {
    await worker.waitFor((l) => l.event === 'worker.started', 'start line', 25_000);
  } catch (error) {
    await worker.stop();
    throw error;
  }
  return worker;
}

/** GET http://127.0.0.1:port/path (no connection kept): status and body. */
export function httpGet(port: number, path: string): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within 5 s`)));
    req.on('error', reject);
  });
}

/** Polls /ready until it answers `status` (a bound, not a timing claim: fails after `ms`). */
export async function readyBecomes(port: number, status: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  let last = 0;
  while (Date.now() < deadline) {
    last = (await httpGet(port, '/ready')).status;
    if (last === status) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`/ready answered ${last}, not ${status}, for ${ms} ms`);
}
