/** `conc profile` end to end: verdicts on tasks of known character, and bad targets as usage errors. */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const BIN = new URL('../src/cli/bin.ts', import.meta.url).pathname;
const FIXTURE = 'test/fixtures/profile-tasks.ts';

function conc(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('conc profile', () => {
  it('calls a computing task CPU-bound and recommends threads, one per core', async () => {
    // 300 ms: well above a thread's start-up, which profile measures and below which it says stay inline
    const r = await conc(['profile', `${FIXTURE}#spin`, '--args', '[300]', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      verdict: 'cpu-bound',
      recommended: { mode: 'threads' },
      target: { name: 'spin' },
    });
    expect(doc.calls).toHaveLength(3);
    expect(doc.wallMs).toBeGreaterThan(0);
  });

  it('calls a waiting task I/O-bound and recommends async with a width (human output)', async () => {
    const r = await conc(['profile', `${FIXTURE}#wait`, '--args', '[40]', '[30]', '--runs', '2']);
    expect(r.code, r.stderr).toBe(0);
    // wrapped to 80 columns (a pipe): continuation lines are indented; read them as one
    r.stdout = r.stdout.replace(/\n {2}(?=\S)/g, ' ');
    expect(r.stdout).toMatch(/Profile of wait .*: 4 calls, 2 argument lists/);
    expect(r.stdout).toMatch(/wall per call/);
    expect(r.stdout).toMatch(/Verdict: I\/O-bound/);
    expect(r.stdout).toMatch(/Recommended: --mode async --workers \d+/);
  });

  it.each([
    [[`${FIXTURE}#notAFunction`], /is not a function/],
    [[`${FIXTURE}#missing`], /Task "missing" not found/],
    [['no/such/module.ts#x'], /module no\/such\/module\.ts not found/],
    [[FIXTURE], /must be MODULE#EXPORT/],
    [[`${FIXTURE}#spin`, '--args', '[1'], /--args value 1 is not JSON/],
  ])('refuses %j as a usage error (exit 2)', async (args, message) => {
    const r = await conc(['profile', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('exits 1 with the error when the task throws', async () => {
    const r = await conc(['profile', `${FIXTURE}#evenOnly`, '--args', '[3]']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/evenOnly threw RangeError: odd: 3/);
  });
});
