/**
 * What a `conc worker` tells its operator: a few lines for people (`text`, the default), or one JSON
 * object per line for log shippers (`json`: time, level, event, queue, and job, task, durationMs when a
 * line is about a job). Every line has an `event` name, stable across versions, that a log query can
 * match; `text` lines read "conc worker: <message>".
 *
 * Sparing by default (level `info`): start, stop, Redis lost / still lost / back, refused jobs and
 * errors. Each finished job is a `debug` line, for `--log-level debug`.
 */

export type LogFormat = 'text' | 'json';
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/** The formats and levels `--log` and `--log-level` accept. */
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];
export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

/** What a line may say besides its message. `job`, `task` and `durationMs` are for job lines. */
export interface LogFields {
  job?: string | undefined;
  task?: string | undefined;
  durationMs?: number | undefined;
  [key: string]: unknown;
}

export interface WorkerLogOptions {
  format?: LogFormat | undefined;
  level?: LogLevel | undefined;
  queue: string;
  /** Where finished lines go (without the newline). Default: stderr. */
  sink?: ((line: string) => void) | undefined;
}

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/**
 * A worker's log: lines of a level and above, as text or JSON, to a sink (stderr by default).
 *
 * @example
 * const log = new WorkerLog({ format: 'json', queue: 'conc' });
 * log.warn('redis.down', 'lost the connection to Redis', { attempts: 3 });
 */
export class WorkerLog {
  readonly format: LogFormat;
  readonly level: LogLevel;
  readonly #queue: string;
  readonly #sink: (line: string) => void;

  constructor(options: WorkerLogOptions) {
    this.format = options.format ?? 'text';
    this.level = options.level ?? 'info';
    this.#queue = options.queue;
    this.#sink = options.sink ?? ((line) => process.stderr.write(`${line}\n`));
  }

  /** True when lines of `level` are written (to skip building a costly message). */
  enabled(level: LogLevel): boolean {
    return RANK[level] <= RANK[this.level];
  }

  error(event: string, message: string, fields?: LogFields): void {
    this.write('error', event, message, fields);
  }

  warn(event: string, message: string, fields?: LogFields): void {
    this.write('warn', event, message, fields);
  }

  info(event: string, message: string, fields?: LogFields): void {
    this.write('info', event, message, fields);
  }

  debug(event: string, message: string, fields?: LogFields): void {
    this.write('debug', event, message, fields);
  }

  write(level: LogLevel, event: string, message: string, fields?: LogFields): void {
    if (!this.enabled(level)) return;
    if (this.format === 'text') {
      this.#sink(`conc worker: ${message}`);
      return;
    }
    // Fixed keys first, so every line starts alike; undefined fields are left out by JSON.stringify.
    const record = {
      time: new Date().toISOString(),
      level,
      event,
      queue: this.#queue,
      ...fields,
      msg: message,
    };
    this.#sink(JSON.stringify(record));
  }
}
