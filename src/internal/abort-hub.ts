/**
 * One 'abort' listener per AbortSignal, however many calls of one executor watch it. Twenty `run()`
 * calls given one signal would otherwise add twenty listeners, and Node warns past ten
 * (MaxListenersExceededWarning). The hub adds its own listener when the first call watches a signal and
 * removes it when the last one stops watching; signals are held weakly.
 */

interface Watched {
  callbacks: Set<() => void>;
  listener: () => void;
}

export class AbortHub {
  #watched = new WeakMap<AbortSignal, Watched>();

  /** Calls `onAbort` once when `signal` aborts; the function returned stops watching. */
  watch(signal: AbortSignal, onAbort: () => void): () => void {
    let watched = this.#watched.get(signal);
    if (!watched) {
      const callbacks = new Set<() => void>();
      const listener = (): void => {
        this.#watched.delete(signal);
        for (const callback of [...callbacks]) callback();
        callbacks.clear();
      };
      watched = { callbacks, listener };
      this.#watched.set(signal, watched);
      signal.addEventListener('abort', listener, { once: true });
    }
    const entry = watched;
    entry.callbacks.add(onAbort);
    return () => {
      entry.callbacks.delete(onAbort);
      if (entry.callbacks.size > 0 || this.#watched.get(signal) !== entry) return;
      this.#watched.delete(signal);
      signal.removeEventListener('abort', entry.listener);
    };
  }
}
