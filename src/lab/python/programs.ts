/**
 * The article's seven programs, as conc runs them: which conc mode each one stands beside, and which
 * modules it imports. The `.py` files sit next to this one (the build copies them into dist/), so the
 * same URL finds them from the sources and from the installed package.
 */
import { fileURLToPath } from 'node:url';
import type { Mode } from '../../executor.ts';

/** The modules the article's programs need beyond Python's standard library. */
export type PythonModule = 'requests' | 'aiohttp';
export const PYTHON_MODULES: readonly PythonModule[] = ['requests', 'aiohttp'];

/** The article's jobs (the user's own task has no Python twin). */
export type TwinJob = 'io' | 'cpu';

export interface TwinProgram {
  /** File name, as the article names it. */
  file: string;
  job: TwinJob;
  /** The conc mode it is compared with. */
  mode: Mode;
  /** What the article's program uses, in a few words (tables and the report). */
  style: string;
  needs: readonly PythonModule[];
}

export const TWINS: readonly TwinProgram[] = [
  { file: 'io_bound_sync.py', job: 'io', mode: 'sync', style: 'one requests.Session', needs: ['requests'] },
  {
    file: 'io_bound_threading.py',
    job: 'io',
    mode: 'threads',
    style: '5 threads, a session each',
    needs: ['requests'],
  },
  {
    file: 'io_bound_asyncio.py',
    job: 'io',
    mode: 'async',
    style: 'asyncio + one aiohttp session',
    needs: ['aiohttp'],
  },
  {
    file: 'io_bound_multiprocessing.py',
    job: 'io',
    mode: 'processes',
    style: 'multiprocessing.Pool, a session per process',
    needs: ['requests'],
  },
  { file: 'cpu_bound_sync.py', job: 'cpu', mode: 'sync', style: 'a for loop', needs: [] },
  { file: 'cpu_bound_threading.py', job: 'cpu', mode: 'threads', style: '5 threads (the GIL)', needs: [] },
  {
    file: 'cpu_bound_multiprocessing.py',
    job: 'cpu',
    mode: 'processes',
    style: 'multiprocessing.Pool',
    needs: [],
  },
];

/** The article's program that does `job` the way `mode` does, if it has one. */
export function twinOf(job: TwinJob, mode: Mode): TwinProgram | undefined {
  return TWINS.find((t) => t.job === job && t.mode === mode);
}

/** The twins a comparison of these jobs in these modes runs. */
export function twinsFor(jobs: readonly string[], modes: readonly Mode[]): TwinProgram[] {
  return TWINS.filter((t) => jobs.includes(t.job) && modes.includes(t.mode));
}

/** Where a program's file is on disk. */
export function programPath(program: TwinProgram): string {
  return fileURLToPath(new URL(program.file, import.meta.url));
}
