/**
 * What `conc compare` shows while it runs, on stderr: on a TTY a bar per run (which job, which mode,
 * items done); otherwise one line per finished run, so a log still shows how far it got.
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

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = stream.isTTY === true;
  let bar: SingleBar | undefined;
  let label = '';
  const clear = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    runStart(job, mode, run, runs) {
      label = `${job} · ${mode}${runs > 1 ? ` · run ${run}/${runs}` : ''}`;
      if (!tty) return;
      clear();
      bar = new SingleBar({
        stream,
        format: '{label} [{bar}] {value}/{total}',
        barsize: 30,
        hideCursor: true,
        clearOnComplete: true,
        linewrap: false,
      });
      bar.start(1, 0, { label });
    },
    item(_job, _mode, done, total) {
      if (!bar) return;
      if (bar.getTotal() !== total) bar.setTotal(total);
      bar.update(done, { label });
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
