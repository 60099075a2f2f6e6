/**
 * The pool's `ready()` barrier: callers wait until enough workers have said 'ready' (loaded, their
 * initializer finished), or the pool broke, or it closed. It never hangs: a worker that does not start
 * within initTimeoutMs is terminated and counts towards breaking the pool, which rejects the waiters.
 */
export class ReadyBarrier {
  #waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];

  get waiting(): boolean {
    return this.#waiters.length > 0;
  }

  /** A promise for one caller; settled by the next `open` or `fail`. */
  wait(): Promise<void> {
    return new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  open(): void {
    for (const waiter of this.#waiters.splice(0)) waiter.resolve();
  }

  fail(error: unknown): void {
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }
}
