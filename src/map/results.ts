/**
 * Where finished items wait for the consumer of a map/imap call. Both hold at most the call's window.
 * - {@link OrderedBuffer}: by index, handed out in input order (a slow first item holds the rest).
 * - {@link CompletionQueue}: handed out in completion order, as soon as each one is done.
 */
import { Deque } from '../util/deque.ts';

export type Settled = PromiseSettledResult<unknown>;

export interface ResultQueue {
  put(index: number, result: Settled): void;
  /** The next result to hand out, or undefined when it is not there yet. */
  take(): [number, Settled] | undefined;
}

export class OrderedBuffer implements ResultQueue {
  #waiting = new Map<number, Settled>();
  #next = 0;

  put(index: number, result: Settled): void {
    this.#waiting.set(index, result);
  }

  take(): [number, Settled] | undefined {
    const result = this.#waiting.get(this.#next);
    if (!result) return undefined;
    this.#waiting.delete(this.#next);
    return [this.#next++, result];
  }
}

export class CompletionQueue implements ResultQueue {
  #queue = new Deque<[number, Settled]>();

  put(index: number, result: Settled): void {
    this.#queue.push([index, result]);
  }

  take(): [number, Settled] | undefined {
    return this.#queue.shift();
  }
}
