/**
 * What one worker thread costs to start on this machine, measured: a task that computes for less than
 * this gains nothing from threads — the pool's start-up alone outweighs what running in parallel saves.
 */
import { Worker } from 'node:worker_threads';

/** Milliseconds from `new Worker` to its first message (an empty script; the thread is ended at once). */
export async function measureThreadStartMs(): Promise<number> {
  const t0 = performance.now();
  const worker = new Worker("require('node:worker_threads').parentPort.postMessage(0)", { eval: true });
  try {
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the measuring thread exited with code ${code}`)));
    });
    return performance.now() - t0;
  } finally {
    await worker.terminate();
  }
}
