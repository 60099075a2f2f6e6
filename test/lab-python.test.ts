/**
 * The article's Python programs, run for real: finding an interpreter (and saying what is missing and
 * how to install it), each program checked on the demo sites or against the exact sums, and a run that
 * fails, crashes, prints nothing or is stopped. Needs python3; the I/O programs need requests and
 * aiohttp (`.ci/run` installs python3-requests and python3-aiohttp) — without them, and without `CI`
 * set, those tests skip with a message.
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCandidates, findPython, probePython, setupNotes } from '../src/lab/python/interpreter.ts';
import { TWINS, type TwinProgram, twinOf } from '../src/lab/python/programs.ts';
import { PythonRunError, runProgram } from '../src/lab/python/run.ts';
import { cpuTwin, exactSumOfSquares, ioTwin, twinsOf } from '../src/lab/python/twins.ts';
import { startSites } from '../src/workloads/sites.ts';

const found = await findPython(['requests', 'aiohttp']);
const python = found.chosen?.executable;
const hasModules = Boolean(found.chosen?.modules.requests && found.chosen?.modules.aiohttp);
if (!python && !process.env.CI) {
  console.warn(
    '\n⚠ SKIPPED Python tests: no python3 found. Install it (apt-get install -y python3) to run them.\n',
  );
}
if (python && !hasModules && !process.env.CI) {
  console.warn(
    `\n⚠ SKIPPED the I/O programs' tests: ${python} lacks requests or aiohttp. Install them with \`apt-get install -y python3-requests python3-aiohttp\` to run them.\n`,
  );
}
const needPython = !python && !process.env.CI;
const needModules = !hasModules && !process.env.CI;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'conc-python-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A program of the test's own, written to the temp folder (programs resolve absolute paths as they are). */
async function scratchProgram(name: string, source: string): Promise<TwinProgram> {
  const file = join(dir, name);
  await writeFile(file, source);
  return { file, job: 'cpu', mode: 'sync', style: 'test', needs: [] };
}

describe('finding a Python for the article’s programs', () => {
  it('an interpreter that does not exist: says so, and how to install one', async () => {
    const setup = await findPython(['requests'], join(dir, 'no-such-python3'));
    expect(setup.chosen).toBeUndefined();
    expect(setup.probes[0]!.error).toBe('not found');
    const [note] = setupNotes(setup, TWINS);
    expect(note).toMatch(/no usable Python 3 \(.*no-such-python3: not found\)/);
    expect(note).toMatch(/apt-get install python3 python3-requests python3-aiohttp/);
    expect(note).toMatch(/--python PATH/);
  });

  it('a program that is not Python: says it did not run as Python 3', async () => {
    const fake = join(dir, 'not-python');
    await writeFile(fake, '#!/bin/sh\necho "hello"\n');
    await chmod(fake, 0o755);
    expect((await probePython(fake)).error).toMatch(/did not run as Python 3/);
  });

  it.skipIf(needPython)(
    'a Python without the modules: names each one missing and the packages to install',
    async () => {
      // the same interpreter with no site-packages (-S): requests and aiohttp cannot be imported
      const bare = join(dir, 'python3-bare');
      await writeFile(bare, `#!/bin/sh\nexec ${python} -S "$@"\n`);
      await chmod(bare, 0o755);
      const setup = await findPython(['requests', 'aiohttp'], bare);
      expect(setup.chosen?.missing.requests).toMatch(/No module named 'requests'/);
      expect(setup.chosen?.missing.aiohttp).toMatch(/No module named 'aiohttp'/);
      const [note] = setupNotes(setup, TWINS);
      expect(note).toMatch(
        /has no requests and no aiohttp, so io_bound_sync\.py, io_bound_threading\.py, io_bound_asyncio\.py, io_bound_multiprocessing\.py will not run/,
      );
      expect(note).toMatch(
        /apt-get install python3-requests python3-aiohttp \(for \/usr\/bin\/python3: then run with --python \/usr\/bin\/python3\)/,
      );
      // found on its own (no --python PATH), the note says conc tries Debian's interpreter too
      expect(setupNotes({ ...setup, explicit: false }, TWINS)[0]).toMatch(
        /\(for \/usr\/bin\/python3, which conc also tries\)/,
      );
      expect(note).toMatch(/-m pip install requests aiohttp/);
      // the CPU programs need nothing beyond the standard library: they still run
      const twin = twinsOf(setup, 'cpu', { repeat: 1, start: 10, count: 2 })('threads');
      expect(twin && 'run' in twin).toBe(true);
      const io = twinsOf(setup, 'io', { repeat: 1, start: 0, count: 0 })('async');
      expect(io).toEqual({
        program: 'io_bound_asyncio.py',
        skipped: expect.stringMatching(/has no aiohttp$/),
      });
      expect(twinsOf(setup, 'io', { repeat: 1, start: 0, count: 0 })('auto')).toBeUndefined();
    },
  );

  it('asks every python3 on PATH once, then /usr/bin/python3', async () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    for (const d of [a, b]) {
      await mkdir(d);
      await writeFile(join(d, 'python3'), '#!/bin/sh\n');
      await chmod(join(d, 'python3'), 0o755);
    }
    const list = defaultCandidates([a, b, a].join(':'));
    expect(list.slice(0, 2)).toEqual([join(a, 'python3'), join(b, 'python3')]);
    expect(list.filter((c) => c === join(a, 'python3'))).toHaveLength(1);
  });

  it.skipIf(needModules)('on this machine: finds one with requests and aiohttp, and says which', () => {
    expect(found.chosen?.modules).toMatchObject({
      requests: expect.any(String),
      aiohttp: expect.any(String),
    });
    expect(setupNotes(found, TWINS)).toEqual([
      expect.stringMatching(
        /^Python: the article's programs run on .*\(Python 3\.\d+\.\d+\): requests [\d.]+, aiohttp [\d.]+\.$/,
      ),
    ]);
  });
});

describe.skipIf(needPython)('the CPU programs, checked against the exact sums', () => {
  it.each(['sync', 'threads', 'processes'] as const)('cpu_bound for %s: every sum exact', async (mode) => {
    const program = twinOf('cpu', mode)!;
    const run = cpuTwin(python!, program, { repeat: 1, start: 300_000, count: 3 });
    const outcome = await run({ signal: new AbortController().signal });
    expect(outcome).toMatchObject({ program: program.file, count: 3, failed: 0, check: 'all 3 sums exact' });
    expect(outcome.workers).toBe({ sync: 1, threads: 5, processes: availableParallelism() }[mode]);
    expect(outcome.processSeconds).toBeGreaterThanOrEqual(outcome.seconds);
  });

  it('the exact value is the closed form, past 2^64', () => {
    expect(exactSumOfSquares(0)).toBe(0n);
    expect(exactSumOfSquares(3)).toBe(5n);
    expect(exactSumOfSquares(5_000_002)).toBe(41666704166677500001n);
  });

  it('a wrong sum fails the run, naming the number and both values', async () => {
    const program = await scratchProgram(
      'wrong_sums.py',
      'import sys\nfor line in sys.stdin: pass\nprint(\'CONC-TWIN {"seconds": 0.1, "workers": 1, "count": 2, "sums": ["0", "6"]}\')\n',
    );
    await expect(
      cpuTwin(python!, program, { repeat: 1, start: 1, count: 2 })({ signal: new AbortController().signal }),
    ).rejects.toThrow(/wrong_sums\.py: the sum of squares below 2 came back as 6, not 1/);
  });

  it('a crash, or no result line, fails with the end of its stderr', async () => {
    const crash = await scratchProgram(
      'crash.py',
      'import sys\nprint("boom: no such thing", file=sys.stderr)\nsys.exit(3)\n',
    );
    await expect(runProgram(python!, crash, [1])).rejects.toThrow(
      /crash\.py exited with code 3: boom: no such thing/,
    );
    const silent = await scratchProgram('silent.py', 'print("hello")\n');
    const error = await runProgram(python!, silent, []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PythonRunError);
    expect((error as Error).message).toMatch(/silent\.py printed no "CONC-TWIN" result line/);
  });

  it('an abort stops the interpreter and the processes it started; a deadline too', async () => {
    const pidFile = join(dir, 'grandchild.pid');
    const program = await scratchProgram(
      'stuck.py',
      `import multiprocessing, sys, time
def sleep():
    time.sleep(600)
if __name__ == "__main__":
    child = multiprocessing.Process(target=sleep)
    child.start()
    with open(${JSON.stringify(pidFile)}, "w") as f:
        f.write(str(child.pid))
    print("started", file=sys.stderr, flush=True)
    time.sleep(600)
`,
    );
    const controller = new AbortController();
    const running = runProgram(python!, program, [], { signal: controller.signal });
    await waitFor(async () => (await readFile(pidFile, 'utf8').catch(() => '')) !== '');
    const grandchild = Number(await readFile(pidFile, 'utf8'));
    controller.abort(new Error('interrupted by Ctrl-C'));
    await expect(running).rejects.toThrow('interrupted by Ctrl-C');
    await waitFor(async () => gone(grandchild));
    await expect(runProgram(python!, program, [], { deadlineMs: 300 })).rejects.toThrow(
      /stuck\.py ran longer than 0\.3 s and was stopped/,
    );
  });
});

describe.skipIf(needModules)('the I/O programs, checked on demo sites of their own', () => {
  it.each(['sync', 'threads', 'async', 'processes'] as const)(
    'io_bound for %s: every request counted, every byte read',
    async (mode) => {
      const program = twinOf('io', mode)!;
      const run = ioTwin(python!, program, { latencyMs: 5, repeat: 6, start: 0, count: 0 });
      const outcome = await run({ signal: new AbortController().signal });
      expect(outcome).toMatchObject({
        program: program.file,
        count: 12,
        failed: 0,
        check: `the demo sites counted 12 requests; ${6 * (40_960 + 2048)} bytes read`,
      });
      expect(outcome.workers).toBe(
        { sync: 1, threads: 5, async: 12, processes: availableParallelism() }[mode],
      );
    },
  );

  it('your own URLs: one result per URL, failures counted', async () => {
    await using sites = await startSites({ latencyMs: 0 });
    const urls = [sites.pages.dice, 'http://127.0.0.1:1/'];
    for (const mode of ['sync', 'async'] as const) {
      const outcome = await ioTwin(python!, twinOf('io', mode)!, { urls, repeat: 1, start: 0, count: 0 })({
        signal: new AbortController().signal,
      });
      expect(outcome, mode).toMatchObject({ count: 2, failed: 1, check: 'reported one result per URL (2)' });
    }
  });
});

describe('the programs ship with the package', () => {
  it('the build step copies every .py file next to the compiled runner', async () => {
    const out = join(dir, 'dist');
    const r = spawnSync(process.execPath, ['scripts/copy-assets.mjs', out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const copied = (await readdir(join(out, 'lab/python'))).sort();
    expect(copied).toEqual([...TWINS.map((t) => t.file), 'conc_twin.py'].sort());
  });
});

/** Waits for `condition`, checking again after each short pause (bounded: the test's timeout). */
async function waitFor(condition: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await condition())) await new Promise((r) => setTimeout(r, 20));
}

/** The process no longer runs (or is a zombie waiting to be reaped). */
async function gone(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat === '' || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}
