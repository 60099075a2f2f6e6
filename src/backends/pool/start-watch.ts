/**
 * A pool worker's start: from its spawn until it says 'ready' (loaded, its initializer finished),
 * bounded by initTimeoutMs. A worker that dies before then, or is still not ready when the time is up,
 * failed to start: the pool counts it towards breaking (pool.ts) and blames no task for it.
 */
export class StartWatch {
  #timer: NodeJS.Timeout | undefined;
  #ready = false;
  #timedOut = false;
  readonly #ms: number;
  readonly #initializer: string | undefined;

  /** `late` runs once the worker is not ready within `ms` (the slot terminates it). */
  constructor(ms: number, initializer: string | undefined, late: () => void) {
    this.#ms = ms;
    this.#initializer = initializer;
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      late();
    }, ms);
    this.#timer.unref(); // the worker itself keeps the process alive while it has work
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** It was terminated because it was not ready in time. */
  get timedOut(): boolean {
    return this.#timedOut;
  }

  markReady(): void {
    this.#ready = true;
    this.stop();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Why a worker that timed out did not start. */
  describe(): string {
    const waiting = this.#initializer ? `: its initializer "${this.#initializer}" had not finished` : '';
    return `it was not ready within initTimeoutMs (${this.#ms} ms)${waiting}`;
  }
}
