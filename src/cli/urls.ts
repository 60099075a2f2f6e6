/**
 * The user's URLs for `conc io` and `conc compare`: the arguments, then --urls-file. Each command
 * decides what a bad URL means (io reports it and downloads the rest; compare refuses to start), so
 * that decision and the wording that differs are parameters.
 */
import { readFile } from 'node:fs/promises';
import { checkUrl, parseUrlList } from '../http/url.ts';
import { UsageError } from './shared.ts';

/** A URL that fails {@link checkUrl}: where it was given (argument number or file line) and why. */
export type BadUrl = { text: string; error: string } & (
  | { argument: number }
  | { file: string; line: number }
);

export interface UrlRules {
  /** Called for each bad URL, in order. Throw to stop (a usage error); return to keep it in the list. */
  onBad(bad: BadUrl): void;
  /** Read errors told in words, by errno code; any other shows the system's message. */
  readErrors: Readonly<Record<string, string>>;
  /** Added after "lists no URLs" when the file has none, e.g. what is skipped. */
  emptyHint: string;
}

/** The URLs from the arguments and the file, or undefined for the demo sites (neither given). */
export async function gatherUrls(
  args: string[],
  file: string | undefined,
  rules: UrlRules,
): Promise<string[] | undefined> {
  const urls: string[] = [];
  for (const [i, arg] of args.entries()) {
    const checked = checkUrl(arg);
    if (!checked.ok) rules.onBad({ text: arg, error: checked.error, argument: i + 1 });
    urls.push(arg);
  }
  if (file !== undefined) {
    const list = parseUrlList(await readUrlFile(file, rules.readErrors));
    if (list.urls.length === 0) {
      throw new UsageError(`--urls-file ${file} lists no URLs${rules.emptyHint}. Add one URL a line.`);
    }
    for (const bad of list.bad) rules.onBad({ text: bad.text, error: bad.error, file, line: bad.line });
    urls.push(...list.urls);
  }
  return args.length > 0 || file !== undefined ? urls : undefined;
}

async function readUrlFile(file: string, readErrors: UrlRules['readErrors']): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code !== undefined && Object.hasOwn(readErrors, code) ? readErrors[code] : (error as Error).message;
    throw new UsageError(`--urls-file ${file}: ${why}. Give a text file with one URL a line.`);
  }
}
