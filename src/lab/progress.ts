/**
 * Progress on stderr, one style for every command: `{label} [bar] done/total elapsed`, drawn by
 * cli-progress, only when the stream is a TTY (a log gets no bar). `conc compare` shows a bar per run
 * (which job, which mode, items done); without a TTY, one line per finished run, so a log still shows
 * how far it got.
 */
import { SingleBar } from 'cli-progress';
import type { Mode } from '../executor.ts';
import { safeText } from '../util/safe-text.ts';
import { describeThrown, type JobName, type RunMeasure } from './experiment.ts';

export interface Progress {
  runStart(job: JobName, mode: Mode, run: number, runs: number): void;
  item(job: JobName, mode: Mode, done: number, total: number): void;
  runEnd(job: JobName, mode: Mode, measure: RunMeasure | undefined, error?: unknown): void;
  /** A line of its own (e.g. "stopping…"), not mixed into the bar. */
  say(line: string): void;
  stop(): void;
}

/** A bar that is drawn once it knows its total; `advance` moves it, `stop` clears it. */
export interface Bar {
  advance(done: number, total: number): void;
  stop(): void;
}

/**
 * The one progress bar of every command, or undefined when `stream` is not a TTY. It starts at the
 * first `advance` (when the total is known), so it never shows a placeholder total.
 */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): Bar | undefined {
  if (stream.isTTY !== true) return undefined;
  let bar: SingleBar | undefined;
  return {
    advance(done, total) {
      if (!bar) {
        bar = new SingleBar({
          stream,
          format: '{label} [{bar}] {value}/{total} {duration_formatted}',
          barsize: 30,
          hideCursor: true,
          clearOnComplete: true,
          linewrap: false,
        });
        bar.start(total, done, { label });
        return;
      }
      if (bar.getTotal() !== total) bar.setTotal(total);
      bar.update(done);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  let bar: Bar | undefined;
  let label = '';
  const clear = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    runStart(job, mode, run, runs) {
      label = `${job} · ${mode}${runs > 1 ? ` · run ${run}/${runs}` : ''}`;
      clear();
      bar = progressBar(label, stream);
    },
    item(_job, _mode, done, total) {
      bar?.advance(done, total);
    },
    runEnd(_job, _mode, measure, error) {
      clear();
      const result = measure
        ? `${measure.seconds.toFixed(2)} s${measure.auto?.chosen ? ` (auto chose ${measure.auto.chosen})` : ''}`
        : `did not finish: ${describeThrown(error).replace(/^Error: /, '')}`;
      stream.write(`${label}: ${result}\n`);
    },
    say(line) {
      clear();
      stream.write(`${safeText(line)}\n`);
    },
    stop: clear,
  };
}
