/**
 * The article's comparison of concurrency models — who decides when to switch, how many processors,
 * which work it fits — restated for Node and conc's modes. The report puts what we measured beside it.
 */
import type { Mode } from '../executor.ts';

export interface ModelFacts {
  mode: Mode;
  /** What the article (Python) uses for it. */
  python: string;
  /** Who decides when one task stops and another runs. */
  switching: string;
  /** How many processors it can use at once, in Node. */
  processors: string;
  /** Which work it fits, according to the article. */
  fits: string;
}

export const MODELS: readonly ModelFacts[] = [
  {
    mode: 'sync',
    python: 'a plain for loop',
    switching: 'No switching: each task runs to the end before the next starts.',
    processors: '1',
    fits: 'Neither — the baseline.',
  },
  {
    mode: 'async',
    python: 'asyncio',
    switching: 'Cooperative: a task hands the event loop back at each await.',
    processors: '1',
    fits: 'I/O-bound',
  },
  {
    mode: 'threads',
    python: 'threading',
    switching: 'Pre-emptive: the operating system switches threads when it likes.',
    processors:
      'Many in Node (each worker thread has its own JavaScript engine); 1 at a time in CPython, because of the GIL.',
    fits: 'I/O-bound in the article; CPU-bound too in Node',
  },
  {
    mode: 'processes',
    python: 'multiprocessing',
    switching: 'Pre-emptive: the operating system; the processes run at the same time.',
    processors: 'Many',
    fits: 'CPU-bound',
  },
  {
    mode: 'distributed',
    python: '(beyond the article: a job queue such as Celery)',
    switching: 'Workers on any machine take jobs from a Redis queue.',
    processors: 'Many, on many machines',
    fits: 'CPU-bound work larger than one machine; jobs that must survive a restart',
  },
  {
    mode: 'auto',
    python: '(beyond the article)',
    switching:
      'conc measures CPU time against wall time on a first sample, then runs the rest on async or threads.',
    processors: '1 for I/O, all cores for CPU',
    fits: 'Both — it decides from the measurement',
  },
];
