/**
 * Runs the real `conc` in a child process (tsx, as test/cli-compare does), for what only a process
 * shows: signals, exit codes (13 included), what reaches its stdout and stderr. `until` lets a test act
 * on the output as it arrives (send a signal once a line appears) instead of sleeping.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { openSync } from 'node:fs';

const BIN = new URL('../../src/cli/bin.ts', import.meta.url).pathname;

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  /** Called with everything written so far, after each chunk on either stream. */
  until?: (out: { stdout: string; stderr: string }, child: ChildProcess) => void;
  /** Where stdout goes: a pipe (default) or a path opened for writing, e.g. /dev/full. */
  stdoutPath?: string;
  /** Killed (SIGKILL) after this long: a hang fails the test instead of hanging it. */
  killAfterMs?: number;
  cwd?: string;
  /** Extra environment (the child gets NO_COLOR=1 unless told otherwise here). */
  env?: Record<string, string | undefined>;
  /** Gets the child as soon as it is spawned. */
  onSpawn?: (child: ChildProcess) => void;
}

export function spawnConc(args: string[], options: SpawnOptions = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const stdout = options.stdoutPath === undefined ? 'pipe' : openSync(options.stdoutPath, 'w');
    const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], {
      stdio: ['ignore', stdout, 'pipe'],
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: '1', ...options.env },
    });
    options.onSpawn?.(child);
    const seen = { stdout: '', stderr: '' };
    const timer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 30_000);
    child.stdout?.on('data', (d) => {
      seen.stdout += d;
      options.until?.(seen, child);
    });
    child.stderr!.on('data', (d) => {
      seen.stderr += d;
      options.until?.(seen, child);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, ...seen });
    });
  });
}

/** An `until` that sends `signal` once, when `ready` first holds. */
export function signalWhen(
  ready: (out: { stdout: string; stderr: string }) => boolean,
  signal: NodeJS.Signals,
): SpawnOptions['until'] {
  let sent = false;
  return (out, child) => {
    if (sent || !ready(out)) return;
    sent = true;
    child.kill(signal);
  };
}
