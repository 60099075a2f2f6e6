/**
 * The article's programs as twins in the lab, on fakes (no Python needed): a twin runs right after
 * each run of its mode (alternating), its row holds the median, its speedup over sync's twin and its
 * time over conc's; a twin that cannot run or fails is said in its row while conc's runs go on. Then
 * the Python figures in the table, the JSON document, the advice and the HTML report.
 */
import { describe, expect, it } from 'vitest';
import type { Mode } from '../src/executor.ts';
import { advise, pythonLesson } from '../src/lab/advice.ts';
import { type JobReport, type JobRunner, runExperiment } from '../src/lab/experiment.ts';
import type { Machine } from '../src/lab/machine.ts';
import { renderHtml } from '../src/lab/report/html.ts';
import { toDocument } from '../src/lab/report/json.ts';
import { renderPythonTable } from '../src/lab/report/table.ts';
import type { Twin } from '../src/lab/twin.ts';

const machine: Machine = {
  cores: 2,
  cpuModel: 'Test CPU',
  node: 'v20.20.2',
  platform: 'linux test x64',
  memoryGiB: 8,
  load: 0.3,
};

/** conc's fake job and Python's fake twins, writing every run into one log (the order they ran in). */
function fakes(
  conc: Partial<Record<Mode, number[]>>,
  python: Partial<Record<Mode, number[] | 'skip' | 'fail'>>,
) {
  const log: string[] = [];
  const seen = new Map<string, number>();
  const next = (key: string) => {
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return n;
  };
  const runner: JobRunner = async (mode) => {
    const n = next(`conc ${mode}`);
    log.push(`conc ${mode} ${n}`);
    return { seconds: conc[mode]![n - 1]!, workers: mode === 'sync' ? 1 : 2, count: 4, failed: 0 };
  };
  const twin = (mode: Mode): Twin | undefined => {
    const plan = python[mode];
    const program = `cpu_bound_${mode}.py`;
    if (plan === undefined) return undefined;
    if (plan === 'skip') return { program, skipped: 'not run: /usr/bin/python3 has no aiohttp' };
    return {
      program,
      run: async () => {
        const n = next(`python ${mode}`);
        log.push(`python ${mode} ${n}`);
        if (plan === 'fail')
          throw new Error(`${program}: the sum of squares below 7 came back as 90, not 91`);
        return {
          program,
          seconds: plan[n - 1]!,
          processSeconds: plan[n - 1]! + 0.05,
          workers: mode === 'threads' ? 5 : mode === 'sync' ? 1 : 2,
          count: 4,
          failed: 0,
          check: 'all 4 sums exact',
        };
      },
    };
  };
  return { log, runner, twin };
}

describe('runExperiment with twins', () => {
  it('runs each twin right after each run of its mode, and pairs the medians', async () => {
    const { log, runner, twin } = fakes(
      { sync: [0.1, 0.3, 0.2], async: [0.2, 0.2, 0.2], threads: [0.05, 0.06, 0.07] },
      { sync: [3, 5, 4], threads: [4.4, 4, 4.2] },
    );
    const report = await runExperiment({
      job: 'cpu',
      modes: ['sync', 'async', 'threads'],
      runs: 3,
      runner,
      twin,
    });
    expect(log).toEqual([
      'conc sync 1',
      'python sync 1',
      'conc sync 2',
      'python sync 2',
      'conc sync 3',
      'python sync 3',
      'conc async 1',
      'conc async 2',
      'conc async 3',
      'conc threads 1',
      'python threads 1',
      'conc threads 2',
      'python threads 2',
      'conc threads 3',
      'python threads 3',
    ]);
    const [sync, async, threads] = report.rows;
    expect(async!.python).toBeUndefined();
    expect(sync!.python).toMatchObject({
      program: 'cpu_bound_sync.py',
      seconds: 4,
      runs: [3, 5, 4],
      speedup: 1,
      workers: 1,
      check: 'all 4 sums exact',
    });
    expect(sync!.python!.ratio).toBeCloseTo(4 / 0.2);
    expect(sync!.python!.processSeconds).toBeCloseTo(4.05);
    expect(threads!.python).toMatchObject({ seconds: 4.2, workers: 5 });
    expect(threads!.python!.speedup).toBeCloseTo(4 / 4.2);
    expect(threads!.python!.ratio).toBeCloseTo(4.2 / 0.06);
  });

  it('says why a twin did not run, and stops a failing twin after its first run while conc goes on', async () => {
    const { log, runner, twin } = fakes({ sync: [1, 1], async: [0.5, 0.5] }, { sync: 'fail', async: 'skip' });
    const report = await runExperiment({ job: 'io', modes: ['sync', 'async'], runs: 2, runner, twin });
    expect(log).toEqual(['conc sync 1', 'python sync 1', 'conc sync 2', 'conc async 1', 'conc async 2']);
    expect(report.rows[0]!.seconds).toBe(1);
    expect(report.rows[0]!.python).toMatchObject({
      runs: [],
      error: expect.stringMatching(/came back as 90, not 91/),
    });
    expect(report.rows[1]!.python).toMatchObject({
      runs: [],
      error: 'not run: /usr/bin/python3 has no aiohttp',
    });
    expect(report.rows[1]!.speedup).toBe(2);
    const table = renderPythonTable(report)!;
    expect(table).toMatch(/│ async +│ +0\.50 │ cpu_bound_async\.py +│ +– │ +– │ +– │ +– │ +not run │/);
    expect(table).toMatch(/│ sync +│ +1\.00 │ cpu_bound_sync\.py +│ +– │ +– │ +– │ +– │ +failed │/);
    expect(table).toContain('cpu_bound_async.py: not run: /usr/bin/python3 has no aiohttp');
  });

  it('stops at an abort during a twin run and keeps what was measured', async () => {
    const controller = new AbortController();
    const runner: JobRunner = async () => ({ seconds: 1, workers: 1, count: 1, failed: 0 });
    const twin = (): Twin => ({
      program: 'io_bound_sync.py',
      run: async ({ signal }) => {
        controller.abort(new Error('interrupted by Ctrl-C'));
        signal.throwIfAborted();
        throw new Error('not reached');
      },
    });
    const report = await runExperiment({
      job: 'io',
      modes: ['sync', 'async'],
      runs: 3,
      runner,
      twin,
      signal: controller.signal,
    });
    expect(report.interrupted).toBe(true);
    expect(report.rows.map((r) => r.mode)).toEqual(['sync']);
    expect(report.rows[0]!.runs).toEqual([1]);
    expect(report.rows[0]!.python?.error).toBeUndefined();
  });
});

/** The article's CPU job, measured as it usually comes out: Python's threads no faster than its loop. */
async function cpuReport(): Promise<JobReport> {
  const { runner, twin } = fakes(
    { sync: [0.12], async: [0.12], threads: [0.07], processes: [0.09] },
    { sync: [3.3], threads: [3.4], processes: [1.8] },
  );
  return runExperiment({
    job: 'cpu',
    modes: ['sync', 'async', 'threads', 'processes'],
    runs: 1,
    runner,
    twin,
  });
}

describe('the Python figures in the reports', () => {
  it('a table of the programs beside their modes, with the ratio', async () => {
    const table = renderPythonTable(await cpuReport())!;
    expect(table).toContain("CPU-bound job (sum of squares): the article's Python programs beside conc");
    const lines = table.split('\n');
    expect(lines.find((l) => l.includes('cpu_bound_sync.py'))).toMatch(
      /│ sync +│ +0\.12 │ cpu_bound_sync\.py +│ +1 │ +3\.30 │ +1\.0× │/,
    );
    expect(lines.find((l) => l.includes('cpu_bound_threads.py'))).toMatch(
      /│ +5 │ +3\.40 │ +1\.0× │ .* 49× │/,
    );
    expect(lines.some((l) => l.includes('async'))).toBe(false); // the article has no asyncio CPU program
    expect(table).toContain('Checked: all 4 sums exact.');
    expect(renderPythonTable({ job: 'cpu', rows: [], interrupted: false })).toBeUndefined();
  });

  it('the advice tells the article’s lesson in the measured figures', async () => {
    const cpu = await cpuReport();
    const lesson = pythonLesson(machine, undefined, cpu)!;
    expect(lesson).toMatch(
      /^The article's Python programs ran here too\. On the CPU job, Python's 5 threads were 1\.0× its loop: the GIL lets one thread run Python code at a time, while its Pool of processes was 1\.8×\. conc's threads were 1\.7× sync: each worker thread has its own JavaScript engine/,
    );
    expect(lesson).toMatch(/Python's loop took 28× the time of conc's sync/);
    expect(advise(machine, { cpu }).python).toBe(lesson);
    expect(pythonLesson(machine, undefined, undefined)).toBeUndefined();
  });

  it('when conc’s threads lose, the advice says why: a job too small, or cores held by others', async () => {
    const { runner, twin } = fakes(
      { sync: [0.06, 1.5], threads: [0.22, 1.8] },
      { sync: [2.6, 81], threads: [2.7, 85] },
    );
    const report = await runExperiment({ job: 'cpu', modes: ['sync', 'threads'], runs: 1, runner, twin });
    // CPU use as measured on a real run: both cores busy (start-up) or one held by another program
    const withCpu = (percent: number): JobReport => ({
      ...report,
      rows: report.rows.map((r) => ({ ...r, cpuPercent: r.mode === 'threads' ? percent : 100 })),
    });
    expect(pythonLesson(machine, undefined, withCpu(185))).toMatch(
      /conc's threads were 0\.3× sync here: the job is too small for starting them to pay off/,
    );
    expect(pythonLesson(machine, undefined, withCpu(109))).toMatch(
      /conc's threads were 0\.3× sync here, using 109% of 200%: other programs held the cores\./,
    );
  });

  it('the JSON rows carry the Python figures; the HTML gains their table and a Python column', async () => {
    const cpu = await cpuReport();
    const doc = toDocument({
      machine,
      settings: {
        runs: 1,
        modes: ['sync', 'async', 'threads', 'processes'],
        latencyMs: 50,
        repeat: 80,
        cpuStart: 5_000_000,
        cpuCount: 20,
      },
      cpu,
      recommendation: advise(machine, { cpu }),
      report: undefined,
      python: {
        setup: {
          chosen: {
            candidate: 'python3',
            executable: '/usr/bin/python3.11',
            version: '3.11.2',
            modules: {},
            missing: {},
          },
          probes: [],
          explicit: false,
        },
        notes: ['Python: the article’s programs run on /usr/bin/python3.11.'],
      },
    });
    expect(doc.python).toMatchObject({ interpreter: '/usr/bin/python3.11', version: '3.11.2' });
    expect(doc.cpu![0]!.python).toMatchObject({
      program: 'cpu_bound_sync.py',
      seconds: 3.3,
      speedup: 1,
      ratio: 27.5,
    });
    expect(doc.cpu![1]!.python).toBeUndefined();
    const html = renderHtml(doc);
    expect(html).toContain("<h3>The article's Python programs beside conc</h3>");
    expect(html).toContain("<th>measured: the article's Python programs</th>");
    expect(html).toContain('<div title="cpu_bound_threads.py">CPU job: 1.0× · 3.40 s</div>');
    expect(html).toContain('<div class="na">CPU job: no such program</div>');
    expect(html).toContain('href="https://realpython.com/python-concurrency/"');
    expect(html).toContain('Python: the article’s programs run on /usr/bin/python3.11.');
  });
});
