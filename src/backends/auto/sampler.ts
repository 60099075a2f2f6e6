/**
 * How `auto` learns what kind of work it was given: a protocol of named phases, each ended by one event.
 *
 *   loading ──module imported──▶ cold ──first task done──▶ sampling ──enough measured──▶ io | cpu
 *
 *   loading   the first task's module is imported before anything is measured, so that importing (and
 *             compiling TypeScript) is not mistaken for work; nothing runs yet
 *   cold      the first task, measured on its own: first connections and lazy set-up make it slow, so
 *             its figures are used only if nothing better comes (a lone task) — or if it computed for
 *             so long (≥ LONG_TASK_MS, the loop held throughout) that set-up cannot explain it: a job of
 *             a few long tasks must not run a second one here to be sure
 *   sampling  the following tasks, measured together for at least one task's length (median), and until
 *             ≥ minSampleMs and 8 tasks (or 5 × minSampleMs and 3: long ones), or 64 tasks; each task's own
 *             time is kept, and the median says what one costs (first calls are slow: compiling, clones)
 *   io, cpu   the verdict: the event loop with an adaptive width, or threads
 *
 * Separately, `overlaps` tells whether the event loop turned since loading: until it does, tasks run one
 * at a time — a task that never gives the loop back (it computes) must be measured alone, while tasks
 * that wait let the loop turn and may then overlap.
 */
import { resolveTask } from '../../internal/resolve-task.ts';
import type { TaskRef } from '../../tasks.ts';
import {
  type Classification,
  classify,
  type Measurement,
  machineClocks,
  merge,
  Probe,
  type ProbeClocks,
} from './classifier.ts';

export type Phase = 'loading' | 'cold' | 'sampling' | 'io' | 'cpu';

/** Tasks done before a verdict even if the sample is shorter than `minSampleMs` (very short tasks). */
export const MAX_SAMPLE_TASKS = 64;
/** Tasks a sample holds at least, unless they are long. */
export const MIN_SAMPLE_TASKS = 8;
/** A first task that held the loop this long is judged on its own. */
export const LONG_TASK_MS = 50;

export class Sampler {
  #phase: Phase = 'loading';
  #loading: Promise<void> | undefined;
  #overlaps = false;
  #minSampleMs: number;
  #changed: () => void;
  #coldProbe: Probe;
  #cold: Measurement | undefined;
  #coldHeld = false;
  #probe: Probe;
  #sampled = 0;
  #durations: number[] = [];
  #classification: Classification | undefined;
  #ended = false;

  /** `changed` is called when more tasks may start: the module loaded, or the loop turned. */
  constructor(minSampleMs: number, changed: () => void, clocks: ProbeClocks = machineClocks) {
    this.#minSampleMs = minSampleMs;
    this.#changed = changed;
    this.#coldProbe = new Probe(clocks);
    this.#probe = new Probe(clocks);
  }

  /** The first task held the event loop until it ended (it computes, or blocks): threads may be needed. */
  get coldHeldLoop(): boolean {
    return this.#coldHeld;
  }

  /** The median running time of the sampled tasks, ms (the cold task's if none was sampled). */
  get medianTaskMs(): number | undefined {
    if (this.#durations.length === 0) return this.#cold?.wallMs;
    const sorted = [...this.#durations].sort((a, b) => a - b);
    return sorted[sorted.length >> 1];
  }

  /** What the first task measured, alone (undefined until it ended). */
  get cold(): Measurement | undefined {
    return this.#cold;
  }

  get phase(): Phase {
    return this.#phase;
  }

  /** The event loop turned while tasks ran: they wait on something, so several may run at once. */
  get overlaps(): boolean {
    return this.#overlaps;
  }

  /** The verdict with its figures; before one, at close, what the tasks so far looked like. */
  get classification(): Classification | undefined {
    return this.#classification;
  }

  /** Imports the module of the first task (later calls do nothing); then the cold phase begins. */
  load(ref: TaskRef): void {
    if (this.#loading) return;
    const imported = ref.fn ? Promise.resolve() : resolveTask(ref.module, ref.name).then(() => undefined);
    // a task that cannot be found is reported by the backend that runs it, with the proper error
    this.#loading = imported.then(
      () => this.#loaded(),
      () => this.#loaded(),
    );
  }

  /** Tasks in flight on the event loop from now on: the probe integrates them into task time. */
  inflight(n: number): void {
    if (this.#probe.running) this.#probe.setInflight(n);
    else if (this.#coldProbe.running) this.#coldProbe.setInflight(n);
  }

  /**
   * A task measured here finished (not cancelled); `inflight` are still running. Returns true when this
   * task completed the sample and the verdict is in (`phase` is now 'io' or 'cpu').
   */
  taskDone(inflight: number, durationMs = 0): boolean {
    if (this.#phase === 'cold') {
      // the first task was the warm-up; the sample starts now, with the tasks still in flight
      this.#cold = this.#coldProbe.stop(1);
      this.#coldHeld = !this.#overlaps;
      if (this.#coldHeld && this.#cold.wallMs >= LONG_TASK_MS) {
        const c = classify(this.#cold);
        if (c.verdict === 'cpu-bound') return this.#verdict(c);
      }
      this.#phase = 'sampling';
      this.#probe.start(inflight);
      return false;
    }
    if (this.#phase !== 'sampling') return false;
    this.#sampled++;
    this.#durations.push(durationMs);
    const elapsed = this.#probe.elapsedMs();
    // at least one task's length: tasks that waited together end in a burst, and a sample of the burst
    // alone would see only the work of taking their answers, not the wait
    const enough =
      elapsed >= (this.medianTaskMs ?? 0) &&
      (this.#sampled >= MAX_SAMPLE_TASKS ||
        (elapsed >= this.#minSampleMs && this.#sampled >= MIN_SAMPLE_TASKS) ||
        // long tasks: three are enough (a median of three survives one stalled by a busy machine)
        (elapsed >= this.#minSampleMs * 5 && this.#sampled >= 3));
    if (!enough) return false;
    return this.#verdict(classify(this.#stopSample()));
  }

  /** The sample's figures, with the median task time (a burst of answers does not make tasks short). */
  #stopSample(): Measurement {
    return { ...this.#probe.stop(this.#sampled), medianTaskMs: this.medianTaskMs };
  }

  #verdict(c: Classification): true {
    this.#classification = c;
    this.#phase = c.verdict === 'cpu-bound' ? 'cpu' : 'io';
    return true;
  }

  /**
   * Nothing is left to run before the sample filled: the verdict from the tasks sampled so far, if any
   * (not the cold task alone). Returns true when that gave a verdict.
   */
  concludeNow(): boolean {
    if (this.#phase !== 'sampling' || this.#sampled === 0) return false;
    const short = this.#probe.elapsedMs() < this.#minSampleMs;
    const sampled = this.#stopSample();
    // a sample shorter than asked may hold only the burst of answers that ended the tasks' wait: the
    // wait itself was measured with the first task
    return this.#verdict(classify(short && this.#cold ? merge(this.#cold, sampled) : sampled));
  }

  /** The work ended before a verdict (too few tasks): keep what they looked like, for stats(). */
  conclude(): void {
    this.#ended = true;
    if (this.#classification) return; // the verdict, or concluded already
    const measured = this.#probe.running ? this.#probe.stop(this.#sampled) : undefined;
    if (this.#coldProbe.running) this.#coldProbe.stop(0);
    if (measured && this.#sampled > 0) this.#classification = classify(measured);
    else if (this.#cold) this.#classification = classify(this.#cold);
  }

  #loaded(): void {
    if (this.#ended) return; // closed while loading: nothing left to measure
    this.#phase = 'cold';
    this.#coldProbe.start();
    // if this fires before the first task is done, the task gave the event loop back
    setImmediate(() => {
      this.#overlaps = true;
      this.#changed();
    }).unref();
    this.#changed();
  }
}
