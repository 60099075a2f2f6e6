/**
 * The article's programs as twins of conc's modes, each run checked: the I/O programs download from
 * demo sites started for that run, which must count one request per URL and serve every byte; every
 * sum of the CPU programs must equal the exact value. A run that fails its check fails, with the reason.
 */
import type { Mode } from '../../executor.ts';
import { PAGE_BYTES, startSites } from '../../workloads/sites.ts';
import type { Twin, TwinOutcome, TwinRunner } from '../twin.ts';
import { blockedPrograms, type PythonSetup } from './interpreter.ts';
import { type TwinJob, type TwinProgram, twinOf } from './programs.ts';
import { PythonRunError, runProgram } from './run.ts';

export interface TwinSettings {
  /** I/O: the demo sites' latency, or the user's URLs (then no request count to check). */
  latencyMs?: number | undefined;
  urls?: string[] | undefined;
  repeat: number;
  /** CPU: the numbers start, start + 1, … (count of them). */
  start: number;
  count: number;
}

/** For a job, the twin of each mode: a runner, a reason it cannot run, or none (no such program). */
export function twinsOf(
  setup: PythonSetup,
  job: TwinJob,
  settings: TwinSettings,
): (mode: Mode) => Twin | undefined {
  return (mode) => {
    const program = twinOf(job, mode);
    if (!program) return undefined;
    const blocked = blockedPrograms(setup, [program])[0];
    const chosen = setup.chosen;
    if (blocked || !chosen) {
      const why = chosen
        ? `${chosen.executable ?? chosen.candidate} has no ${blocked!.lacks.join(' and no ')}`
        : 'no usable Python 3';
      return { program: program.file, skipped: `not run: ${why}` };
    }
    const python = chosen.executable ?? chosen.candidate;
    const run = job === 'io' ? ioTwin(python, program, settings) : cpuTwin(python, program, settings);
    return { program: program.file, run };
  };
}

/** An I/O program on demo sites of its own (or the user's URLs), its downloads checked. */
export function ioTwin(python: string, program: TwinProgram, settings: TwinSettings): TwinRunner {
  return async ({ signal }) => {
    const sites = settings.urls ? undefined : await startSites({ latencyMs: settings.latencyMs });
    try {
      const urls = sites ? sites.articleUrls(settings.repeat) : repeatList(settings.urls!, settings.repeat);
      const { line, processSeconds } = await runProgram(python, program, urls, { signal });
      const failed = line.failed ?? 0;
      const fail = (why: string) => new PythonRunError(`${program.file}: ${why}`);
      if (line.count !== urls.length) throw fail(`reported ${line.count} downloads for ${urls.length} URLs`);
      let check = `reported one result per URL (${urls.length})`;
      if (sites) {
        const requests = sites.stats().requests;
        const bytes = urls.reduce(
          (sum, url) => sum + (url === sites.pages.jython ? PAGE_BYTES.jython : PAGE_BYTES.dice),
          0,
        );
        if (failed > 0) throw fail(`${failed} of ${urls.length} downloads from the demo sites failed`);
        if (requests !== urls.length)
          throw fail(`the demo sites counted ${requests} requests for ${urls.length} URLs`);
        if (line.bytes !== bytes) throw fail(`read ${line.bytes} bytes; the demo sites served ${bytes}`);
        check = `the demo sites counted ${requests} requests; ${bytes} bytes read`;
      }
      return outcome(program, line, processSeconds, failed, check);
    } finally {
      await sites?.close();
    }
  };
}

/** A CPU program on the comparison's numbers, every sum checked against the exact value. */
export function cpuTwin(python: string, program: TwinProgram, settings: TwinSettings): TwinRunner {
  return async ({ signal }) => {
    const numbers = Array.from({ length: settings.count }, (_, i) => settings.start + i);
    const { line, processSeconds } = await runProgram(python, program, numbers, { signal });
    const sums = line.sums ?? [];
    if (sums.length !== numbers.length) {
      throw new PythonRunError(`${program.file}: returned ${sums.length} sums for ${numbers.length} numbers`);
    }
    numbers.forEach((n, i) => {
      const exact = exactSumOfSquares(n).toString();
      if (sums[i] !== exact) {
        throw new PythonRunError(
          `${program.file}: the sum of squares below ${n} came back as ${sums[i]}, not ${exact}`,
        );
      }
    });
    return outcome(program, line, processSeconds, 0, `all ${sums.length} sums exact`);
  };
}

/** Σ i² for 0 ≤ i < n, from the closed form (n − 1)n(2n − 1)/6 — conc's kernel is tested against it. */
export function exactSumOfSquares(n: number): bigint {
  const b = BigInt(n);
  return n === 0 ? 0n : ((b - 1n) * b * (2n * b - 1n)) / 6n;
}

function outcome(
  program: TwinProgram,
  line: { seconds: number; workers: number; count: number },
  processSeconds: number,
  failed: number,
  check: string,
): TwinOutcome {
  return {
    program: program.file,
    seconds: line.seconds,
    processSeconds,
    workers: line.workers,
    count: line.count,
    failed,
    check,
  };
}

function repeatList(urls: string[], repeat: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < repeat; i++) out.push(...urls);
  return out;
}
