/**
 * One run of one of the article's programs: a fresh interpreter, the items on its stdin, its result
 * line read back. The interpreter gets a process group of its own, so that stopping a run (Ctrl-C, a
 * deadline) also stops the worker processes a multiprocessing.Pool started.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { programPath, type TwinProgram } from './programs.ts';

/** The prefix of the line a program prints its result on (conc_twin.py). */
const RESULT_PREFIX = 'CONC-TWIN ';
/** A run that takes longer than this is stopped: no job of the lab takes minutes in Python. */
export const DEFAULT_DEADLINE_MS = 10 * 60_000;
/** How long a stopped interpreter has to exit after SIGTERM before it is killed. */
const KILL_GRACE_MS = 2_000;

/** What a program printed on its result line (see conc_twin.py). */
export interface ResultLine {
  program: string;
  /** Python's version, e.g. 3.11.2. */
  python: string;
  /** The program's own time, measured as the article does: around the work, after the imports. */
  seconds: number;
  workers: number;
  count: number;
  /** I/O programs: downloads that failed, and the bytes of those that did not. */
  failed?: number;
  bytes?: number;
  /** CPU programs: the sums, as decimal strings. */
  sums?: string[];
}

export interface ProgramRun {
  line: ResultLine;
  /** From spawning the interpreter to its exit: its start-up and imports included. */
  processSeconds: number;
}

/** A program that could not run, failed, or printed no result (the message says which). */
export class PythonRunError extends Error {
  override name = 'PythonRunError';
}

export interface RunProgramOptions {
  signal?: AbortSignal | undefined;
  deadlineMs?: number | undefined;
}

/** Runs `program` on `interpreter` with `items` on stdin, one a line; resolves with its result line. */
export function runProgram(
  interpreter: string,
  program: TwinProgram,
  items: readonly (string | number)[],
  options: RunProgramOptions = {},
): Promise<ProgramRun> {
  const { signal, deadlineMs = DEFAULT_DEADLINE_MS } = options;
  signal?.throwIfAborted();
  const started = performance.now();
  // -B: no __pycache__ beside the programs (the package directory may be read-only)
  const child = spawn(interpreter, ['-B', programPath(program)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    output.stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    output.stderr = (output.stderr + d).slice(-4000); // the end says what went wrong
  });
  const stopper = new Stopper(child, signal, deadlineMs);
  child.stdin.on('error', () => {}); // it exited before reading everything: its exit says why
  child.stdin.end(items.length > 0 ? `${items.join('\n')}\n` : '');
  return new Promise((resolve, reject) => {
    child.once('error', (error) => {
      stopper.dispose();
      reject(new PythonRunError(`${program.file}: cannot start ${interpreter}: ${error.message}`));
    });
    child.once('close', (code, sig) => {
      stopper.dispose();
      const processSeconds = (performance.now() - started) / 1000;
      if (stopper.why === 'aborted') return reject(signal?.reason ?? new Error('aborted'));
      if (stopper.why === 'deadline') {
        const why = `${program.file} ran longer than ${deadlineMs / 1000} s and was stopped.`;
        return reject(new PythonRunError(why));
      }
      try {
        resolve({ line: resultLine(program, output.stdout, code, sig, output.stderr), processSeconds });
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** Stops a run on abort or at its deadline: SIGTERM to its process group, SIGKILL if it lingers. */
class Stopper {
  why: 'aborted' | 'deadline' | undefined;
  readonly #pid: number | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #deadline: NodeJS.Timeout;
  #killer: NodeJS.Timeout | undefined;
  readonly #onAbort = () => this.#stop('aborted');

  constructor(child: ChildProcess, signal: AbortSignal | undefined, deadlineMs: number) {
    this.#pid = child.pid;
    this.#signal = signal;
    this.#deadline = setTimeout(() => this.#stop('deadline'), deadlineMs);
    signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  dispose(): void {
    clearTimeout(this.#deadline);
    clearTimeout(this.#killer);
    this.#signal?.removeEventListener('abort', this.#onAbort);
  }

  #stop(why: 'aborted' | 'deadline'): void {
    this.why ??= why;
    signalGroup(this.#pid, 'SIGTERM');
    this.#killer ??= setTimeout(() => signalGroup(this.#pid, 'SIGKILL'), KILL_GRACE_MS);
  }
}

/** The program's result line, or why there is none. */
function resultLine(
  program: TwinProgram,
  stdout: string,
  code: number | null,
  sig: NodeJS.Signals | null,
  stderr: string,
): ResultLine {
  const tail = stderr.trim().split('\n').slice(-3).join(' | ');
  if (code !== 0) {
    const how = sig ? `was killed by ${sig}` : `exited with code ${code}`;
    throw new PythonRunError(`${program.file} ${how}${tail ? `: ${tail}` : ''}`);
  }
  const line = stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith(RESULT_PREFIX));
  if (line === undefined) {
    throw new PythonRunError(
      `${program.file} printed no "${RESULT_PREFIX.trim()}" result line${tail ? `: ${tail}` : ''}`,
    );
  }
  const parsed = JSON.parse(line.slice(RESULT_PREFIX.length)) as ResultLine;
  if (typeof parsed.seconds !== 'number' || typeof parsed.count !== 'number') {
    throw new PythonRunError(`${program.file}: its result line has no seconds or count: ${line}`);
  }
  return parsed;
}

/** Signals the interpreter's whole process group (its Pool's workers too); it may be gone already. */
function signalGroup(pid: number | undefined, sig: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig); // no process groups here (Windows)
    } catch {
      // already exited
    }
  }
}
