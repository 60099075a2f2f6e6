/**
 * The input of a map/imap call, pulled lazily: an Iterable or an AsyncIterable behind one `take()`.
 * A sync input answers at once (so a window fills in one go, and a pool sends it in one message);
 * an async one answers with a promise, one pull at a time.
 */
import { InvalidOptionsError } from '../errors.ts';
import { show } from '../util/show.ts';

export class InputSource {
  #sync: Iterator<unknown> | undefined;
  #async: AsyncIterator<unknown> | undefined;
  #done = false;
  #closed = false;
  #pulling = false;

  constructor(items: unknown) {
    if (items != null && typeof (items as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
      this.#async = (items as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    } else if (items != null && typeof (items as Iterable<unknown>)[Symbol.iterator] === 'function') {
      this.#sync = (items as Iterable<unknown>)[Symbol.iterator]();
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
    if (this.#sync) return this.#takeSync(this.#sync, n);
    return this.#takeAsync(this.#async!, n);
  }

  /** Closes the input early (its `return()`), unless it already ended. Never throws. */
  async close(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    this.#closed = true;
    try {
      if (this.#sync) this.#sync.return?.();
      else if (!this.#pulling) await this.#async?.return?.();
    } catch {
      // the input's own cleanup failed; the call's outcome stands
    }
  }

  #takeSync(iterator: Iterator<unknown>, n: number): unknown[] {
    const items: unknown[] = [];
    try {
      while (items.length < n) {
        const step = iterator.next();
        if (step.done) {
          this.#done = true;
          break;
        }
        items.push(step.value);
      }
    } catch (error) {
      this.#done = true;
      throw error;
    }
    return items;
  }

  async #takeAsync(iterator: AsyncIterator<unknown>, n: number): Promise<unknown[]> {
    const items: unknown[] = [];
    this.#pulling = true;
    try {
      while (items.length < n && !this.#closed) {
        const step = await iterator.next();
        if (step.done) {
          this.#done = true;
          break;
        }
        items.push(step.value);
      }
    } catch (error) {
      this.#done = true;
      throw error;
    } finally {
      this.#pulling = false;
    }
    // closed while this pull was waiting: now the iterator can be told
    if (this.#closed) await Promise.resolve(iterator.return?.()).catch(() => undefined);
    return this.#closed ? [] : items;
  }
}
