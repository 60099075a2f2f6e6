/**
 * Writing lines that hold foreign text (URLs, servers' messages, tasks' errors): each line made safe
 * (controls escaped, credentials hidden) before it reaches the terminal, and repeated messages capped
 * — 100 000 bad lines print ten and a count, not 100 000.
 */
import { safeText } from '../util/safe-text.ts';

/** Writes one line on stderr, made safe. */
export function sayErr(line: string): void {
  process.stderr.write(`${safeText(line)}\n`);
}

/** Writes one line on stdout, made safe. */
export function sayOut(line: string): void {
  process.stdout.write(`${safeText(line)}\n`);
}

/** Lines of one kind: the first `limit` are written, the rest counted; `end` says how many were left. */
export class Capped {
  #shown = 0;
  #more = 0;
  readonly #limit: number;
  readonly #summary: (more: string) => string;
  readonly #write: (line: string) => void;

  /** `summary` gets the count left out, formatted ("99,990"). */
  constructor(limit: number, summary: (more: string) => string, write: (line: string) => void = sayErr) {
    this.#limit = limit;
    this.#summary = summary;
    this.#write = write;
  }

  say(line: string): void {
    if (this.#shown < this.#limit) {
      this.#shown++;
      this.#write(line);
    } else {
      this.#more++;
    }
  }

  /** Writes the count of lines left out, if any. */
  end(): void {
    if (this.#more > 0) this.#write(this.#summary(this.#more.toLocaleString('en-US')));
    this.#more = 0;
  }
}
