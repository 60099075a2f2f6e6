/** What `auto` chose and why: the shape `stats()`, `info()` and the `conc:auto` announcements share. */
import type { Classification } from './classifier.ts';

/** What `auto` chose, as `stats()` and `info()` report it. */
export interface AutoChoice {
  /** The backend running the work: undefined while still sampling. */
  chosen: 'async' | 'threads' | undefined;
  verdict: Classification['verdict'] | undefined;
  /** Tasks in flight allowed now (async: the adaptive limit; threads: the pool's width). */
  width: number;
  /** Why, in plain words, with the measured figures. */
  reason: string | undefined;
  sample: Omit<Classification, 'verdict' | 'reason'> | undefined;
}

/** The choice for what was measured (`c`, if anything yet) and the backend chosen (if any). */
export function choiceOf(
  chosen: AutoChoice['chosen'],
  c: Classification | undefined,
  width: number,
): AutoChoice {
  const sample = c && {
    wallMs: c.wallMs,
    cpuMs: c.cpuMs,
    taskMs: c.taskMs,
    cpuRatio: c.cpuRatio,
    elu: c.elu,
    loopDelayMs: c.loopDelayMs,
    tasks: c.tasks,
  };
  return { chosen, verdict: c?.verdict, width, reason: c?.reason, sample };
}
