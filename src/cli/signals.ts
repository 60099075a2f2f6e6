/**
 * How every command stops on SIGINT (Ctrl-C) and SIGTERM (a service manager, `kill`, `timeout`): the
 * same way for both. The first signal aborts the command's work (its run closes its workers, servers
 * and queues on that) so that it can print and write what was measured; a second quits at once. The
 * exit code is the shells' 128 + signal number: 130 for SIGINT, 143 for SIGTERM.
 */

export type StopSignal = 'SIGINT' | 'SIGTERM';

/** The exit code after each signal, as shells report it. */
export const SIGNAL_EXIT: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

/** The words for a signal in messages. */
export function signalName(by: StopSignal): string {
  return by === 'SIGINT' ? 'Ctrl-C (SIGINT)' : 'SIGTERM';
}

export interface Stopping {
  /** Aborts on the first signal; its reason is an Error saying which. */
  readonly signal: AbortSignal;
  /** The signal that stopped the command, if one did. */
  readonly by: StopSignal | undefined;
  /** 130 or 143 once a signal came, else undefined. */
  readonly exitCode: number | undefined;
  /** Stops listening (the command's work is over: a signal now ends the process the default way). */
  undo(): void;
}

/**
 * Listens for SIGINT and SIGTERM until `undo`. On the first, `say(by)` tells the user what stops, then
 * `signal` aborts; on a second, the process exits at once with the first one's code.
 */
export function stopOnSignals(say: (by: StopSignal) => void): Stopping {
  const controller = new AbortController();
  let by: StopSignal | undefined;
  const on = (received: StopSignal) => () => {
    if (by !== undefined) process.exit(SIGNAL_EXIT[by]);
    by = received;
    say(received);
    controller.abort(new Error(`interrupted by ${received}`));
  };
  const handlers = { SIGINT: on('SIGINT'), SIGTERM: on('SIGTERM') };
  process.on('SIGINT', handlers.SIGINT);
  process.on('SIGTERM', handlers.SIGTERM);
  return {
    signal: controller.signal,
    get by() {
      return by;
    },
    get exitCode() {
      return by === undefined ? undefined : SIGNAL_EXIT[by];
    },
    undo() {
      process.off('SIGINT', handlers.SIGINT);
      process.off('SIGTERM', handlers.SIGTERM);
    },
  };
}

/** "(Ctrl-C again to quit at once)" or its SIGTERM form: how to stop without waiting. */
export function againHint(by: StopSignal): string {
  return by === 'SIGINT' ? '(Ctrl-C again to quit at once)' : '(SIGTERM again to quit at once)';
}
