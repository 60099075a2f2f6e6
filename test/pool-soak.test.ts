/**
 * A soak (issue 14): a 1,000-task map on threads and on processes while workers die at random — a
 * process.exit() in a task, a throw in a timer, a SIGKILL of the child process (processes only). Every
 * item is accounted for exactly once: each good item's value, each killer's WorkerCrashedError (blame is
 * exact for solo calls), nothing else. The executor keeps serving afterwards, and once it is closed no
 * child process it started is left. Seeded randomness; the test waits on results, never on sleeps.
 */
import { describe, expect, it } from 'vitest';
import { createExecutor, WorkerCrashedError } from '../src/index.ts';
import { tasks as basic } from './fixtures/basic.ts';
import { type SoakItem, tasks as soak } from './fixtures/soak.ts';

/** mulberry32: a small seeded PRNG, so a failing run can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ITEMS = 1000;
const KILLS = 16;
const SEED = Number(process.env.CONC_SOAK_SEED ?? 14);

function plan(mode: 'threads' | 'processes'): SoakItem[] {
  const random = prng(SEED);
  const ways: NonNullable<SoakItem['kill']>[] =
    mode === 'processes' ? ['exit', 'timer', 'sigkill'] : ['exit', 'timer'];
  const items: SoakItem[] = Array.from({ length: ITEMS }, (_, n) => ({ n }));
  for (let k = 0; k < KILLS; k++) {
    const n = Math.floor(random() * ITEMS);
    items[n] = { n, kill: ways[Math.floor(random() * ways.length)]! };
  }
  return items;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.each(['threads', 'processes'] as const)('soak: %s', (mode) => {
  it(`${ITEMS} tasks while workers are killed at random: every item accounted for once, nothing left behind`, async () => {
    const items = plan(mode);
    const killers = items.filter((item) => item.kill).length;
    const ex = createExecutor({ mode, workers: 2 });
    const pids = new Set<number>();
    try {
      const out = await ex.map(soak.soak, items, { settle: true });
      expect(out).toHaveLength(ITEMS);
      let crashed = 0;
      out.forEach((r, n) => {
        const item = items[n]!;
        if (item.kill) {
          expect(r.status, `item ${n} (${item.kill})`).toBe('rejected');
          const reason = (r as PromiseRejectedResult).reason as WorkerCrashedError;
          expect(reason, `item ${n}`).toBeInstanceOf(WorkerCrashedError);
          if (item.kill === 'exit') expect(reason.message).toContain('exit code 5');
          if (item.kill === 'timer') expect(reason.message).toContain(`timer bomb ${n}`);
          if (item.kill === 'sigkill') expect(reason.message).toContain('SIGKILL');
          crashed++;
        } else {
          expect(r.status, `item ${n}`).toBe('fulfilled');
          const { value, pid } = (r as PromiseFulfilledResult<{ value: number; pid: number }>).value;
          expect(value).toBe(n * 3);
          pids.add(pid);
        }
      });
      expect(crashed).toBe(killers);
      expect(ex.stats()).toMatchObject({
        submitted: ITEMS,
        completed: ITEMS - killers,
        failed: killers,
        running: 0,
        queued: 0,
      });
      // it keeps serving
      expect(await ex.map(basic.square, [1, 2, 3, 4])).toEqual([1, 4, 9, 16]);
    } finally {
      await ex.close();
    }
    expect(ex.stats().workers).toBe(0);
    if (mode === 'processes') {
      expect(pids.size).toBeGreaterThan(1); // workers were replaced
      expect([...pids].filter(alive)).toEqual([]);
    }
  }, 180_000);
});
