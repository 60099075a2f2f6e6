/**
 * The input of a map/imap call, pulled lazily: an Iterable or an AsyncIterable behind one `take()`.
 * One pull loop serves both: it goes on synchronously while `next()` answers at once (so a window
 * fills in one go, and a pool sends it in one message) and waits only when `next()` gives a promise.
 */
import { InvalidOptionsError } from '../errors.ts';
import { show } from '../util/show.ts';

type Step = IteratorResult<unknown>;

interface AnyIterator {
  next(): Step | Promise<Step>;
  return?(): unknown;
}

export class InputSource {
  #iterator: AnyIterator;
  #done = false;
  #closed = false;
  #pulling = false;

  constructor(items: unknown) {
    if (items != null && typeof (items as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
      this.#iterator = (items as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    } else if (items != null && typeof (items as Iterable<unknown>)[Symbol.iterator] === 'function') {
      this.#iterator = (items as Iterable<unknown>)[Symbol.iterator]();
    } else {
      throw new InvalidOptionsError(`items must be an Iterable or an AsyncIterable; got ${show(items)}.`);
    }
  }

  /** No more items will come. */
  get done(): boolean {
    return this.#done;
  }

  /** Up to `n` next items (fewer at the end); synchronously for a sync input. Throws what the input throws. */
  take(n: number): unknown[] | Promise<unknown[]> {
    return this.#pull([], n);
  }

  /** Closes the input early (its `return()`), unless it already ended. Never throws. */
  async close(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    this.#closed = true;
    // an async pull in progress is told when it ends (#arrived): return() must not race next()
    if (!this.#pulling) await this.#return();
  }

  #pull(items: unknown[], n: number): unknown[] | Promise<unknown[]> {
    while (items.length < n && !this.#done) {
      let step: Step | Promise<Step>;
      try {
        step = this.#iterator.next();
      } catch (error) {
        this.#done = true;
        throw error;
      }
      if (typeof (step as Promise<Step>).then === 'function') {
        this.#pulling = true;
        return Promise.resolve(step).then(
          (s) => this.#arrived(s, items, n),
          (error: unknown) => {
            this.#pulling = false;
            this.#done = true;
            throw error;
          },
        );
      }
      this.#accept(step as Step, items);
    }
    return items;
  }

  async #arrived(step: Step, items: unknown[], n: number): Promise<unknown[]> {
    this.#pulling = false;
    if (this.#closed) {
      await this.#return(); // closed while this pull was waiting: now the iterator can be told
      return [];
    }
    this.#accept(step, items);
    return this.#pull(items, n);
  }

  #accept(step: Step, items: unknown[]): void {
    if (step.done) this.#done = true;
    else items.push(step.value);
  }

  async #return(): Promise<void> {
    try {
      await this.#iterator.return?.();
    } catch {
      // the input's own cleanup failed; the call's outcome stands
    }
  }
}
