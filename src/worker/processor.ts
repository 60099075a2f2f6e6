/**
 * The job processor of a `conc worker`: what one BullMQ job means, without BullMQ or Redis.
 *
 *   (name, data, signal) ─▶ allow-list: "module-id#task" → TaskRef (never a path from the job)
 *        ─▶ data: argument lists, timeout, initializer ─ unreadable ─▶ refused (bad-argument, not-found)
 *        ─▶ runner: the local backend of the job's initializer configuration (runners.ts)
 *        ─▶ one Call per argument list, started together (retries 0: the caller's core retries)
 *        ─▶ one outcome per call ─▶ the job's return value, or its failedReason when none succeeded
 *
 * Calls run through the core directly, so the processor gets outcomes, not public errors, and sends
 * them as they are.
 */

import { encode, failureText, moduleId, type WireOutcome } from '../backends/distributed/wire.ts';
import { createBackend } from '../backends/registry.ts';
import type { Backend } from '../core/backend.ts';
import { Call, startTogether } from '../core/call.ts';
import { type Outcome, uncloneableResult } from '../core/outcome.ts';
import { outcomeToWire } from '../core/outcome-wire.ts';
import { resolveOptions } from '../options.ts';
import type { TaskRef } from '../tasks.ts';
import { readReason } from './cancel-reason.ts';
import { RegisteredTasks } from './registered.ts';
import { Refusal, type Request, RequestReader } from './request.ts';
import { type Runner, Runners } from './runners.ts';
import { messageOf, standIn, wireOutcome } from './safe-wire.ts';

/** Where a worker runs its jobs locally. */
export type LocalMode = 'threads' | 'processes' | 'async';

export interface ProcessorOptions {
  /** Module id → module URL of every task module this worker runs. */
  modules: ReadonlyMap<string, string>;
  mode: LocalMode;
  /** Width of each local backend (threads or processes of a pool; tasks at once for async). */
  workers: number;
  /** Names this worker in messages ("host:pid"). */
  host: string;
}

/** What became of a job. */
export interface Processed {
  /** One wire outcome per call (a single one for a job that could not be read). */
  outcomes: WireOutcome[];
  /** True when at least one call succeeded: the job completes, else it fails (dashboards show it). */
  ok: boolean;
  /** The encoded outcomes (the job's return value), or its failedReason. */
  text: string;
  /** True when the job itself was refused (unknown task, unreadable data): none of its calls ran. */
  refused?: boolean;
}

/** Local backends (initializer configurations) a worker keeps at most. */
export const MAX_INITIALIZERS = 8;

export class JobProcessor {
  readonly #opts: ProcessorOptions;
  readonly #reader: RequestReader;
  readonly #runners = new Runners(MAX_INITIALIZERS);
  readonly #registered = new RegisteredTasks();

  constructor(options: ProcessorOptions) {
    this.#opts = options;
    this.#reader = new RequestReader(options.modules, options.host);
  }

  /**
   * Runs the calls of job `name` with `data`; `signal` stops them (a cancel from the caller). Never
   * rejects: whatever goes wrong on the way becomes the job's outcome, so the caller hears of it.
   */
  async process(name: string, data: unknown, signal?: AbortSignal): Promise<Processed> {
    try {
      return await this.#process(name, data, signal);
    } catch (error) {
      return finish([standIn('threw', name.slice(0, 200), error)], name);
    }
  }

  async #process(name: string, data: unknown, signal?: AbortSignal): Promise<Processed> {
    let request: Request;
    let runner: Runner;
    try {
      request = this.#reader.read(name, data);
      await this.#checkRegistered(request);
      runner = this.#runner(request);
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      return { ...finish([outcomeToWire(error.outcome)], name), refused: true };
    }
    try {
      const outcomes = await runCalls(runner.backend, request, signal);
      if (outcomes.some((o) => o.kind === 'init-failed')) this.#runners.markBroken(runner);
      const task = request.ref.name;
      return finish(
        outcomes.map((o) => wireOutcome(o, task)),
        task,
      );
    } finally {
      this.#runners.release(runner);
    }
  }

  /** Only tasks the module registers with defineTasks run: never any other export of an allowed module. */
  async #checkRegistered(request: Request): Promise<void> {
    const refs = [request.ref];
    if (request.init !== undefined) refs.push(this.#reader.resolve(request.init));
    for (const ref of refs) {
      const tasks = await this.#registered.names(ref.module);
      if (!tasks || tasks.registered.has(ref.name)) continue; // a module that does not load fails when run
      const id = moduleId(ref.module);
      const known = [...tasks.registered].join(', ') || 'none';
      const type = tasks.exportType(ref.name);
      const what =
        type === undefined || type === 'function'
          ? ''
          : ` (its export "${ref.name}" is not a function: it is ${type})`;
      throw new Refusal({
        kind: 'not-found',
        message:
          `Task "${ref.name}" is not registered in task module "${id}" on conc worker ${this.#opts.host}${what}: ` +
          `a worker runs only the tasks a module registers with defineTasks(import.meta.url, { … }) ` +
          `(registered in "${id}": ${known}), never its other exports.`,
      });
    }
  }

  /** Closes every local backend: drains them, or with `force` stops what runs. */
  close(force: boolean): Promise<void> {
    return this.#runners.close(force);
  }

  #runner(request: Request): Runner {
    const runner = this.#runners.acquire(request.initKey, () => this.#backend(request));
    if (runner) return runner;
    throw new Refusal({
      kind: 'not-found',
      message: `conc worker ${this.#opts.host} is busy with ${MAX_INITIALIZERS} other initializer configurations; try again later`,
    });
  }

  #backend(request: Request): Backend {
    const { initializer, initArgs } = this.#reader.initializer(request);
    const { mode, workers } = this.#opts;
    try {
      return createBackend(resolveOptions({ mode, workers, initializer, initArgs }));
    } catch (error) {
      throw new Refusal({ kind: 'bad-argument', message: (error as Error).message, cause: error });
    }
  }
}

/** Runs one call per argument list, together (one message to a pool worker for a chunk). */
function runCalls(backend: Backend, request: Request, signal: AbortSignal | undefined): Promise<Outcome[]> {
  const { ref, calls, timeoutMs } = request;
  return new Promise((resolve) => {
    const outcomes: Outcome[] = new Array(calls.length);
    let left = calls.length;
    const onAbort = () => {
      const reason = readReason(signal?.reason);
      for (const call of list) call.cancel(reason);
    };
    const list = calls.map(
      (args, i) =>
        new Call(backend, ref as TaskRef, args, timeoutMs, 0, (outcome) => {
          outcomes[i] = outcome;
          if (--left > 0) return;
          signal?.removeEventListener('abort', onAbort);
          resolve(outcomes);
        }),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    startTogether(backend, list);
    if (signal?.aborted) onAbort();
  });
}

/** The job's return value or failedReason; a result that cannot be sent back fails its call alone. */
function finish(outcomes: WireOutcome[], task: string): Processed {
  try {
    return finishOrThrow(outcomes, task);
  } catch (error) {
    // nothing of it can be written (an unreadable error in a chunk…): one readable failure for all
    const wire = [standIn('threw', task, error)];
    return { outcomes: wire, ok: false, text: failureText(wire) };
  }
}

function finishOrThrow(outcomes: WireOutcome[], task: string): Processed {
  if (!outcomes.some(([kind]) => kind === 'ok')) return { outcomes, ok: false, text: failureText(outcomes) };
  try {
    return { outcomes, ok: true, text: encode(outcomes) };
  } catch {
    const sendable = outcomes.map((o) => (o[0] === 'ok' ? sendableResult(o[1], task) : o));
    const ok = sendable.some(([kind]) => kind === 'ok');
    return { outcomes: sendable, ok, text: ok ? encode(sendable) : failureText(sendable) };
  }
}

function sendableResult(value: unknown, task: string): WireOutcome {
  try {
    encode(value);
    return ['ok', value];
  } catch (error) {
    return outcomeToWire(uncloneableResult(task, messageOf(error)));
  }
}
