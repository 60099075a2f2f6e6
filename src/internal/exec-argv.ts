/**
 * The execArgv a pool gives its workers. The parent's own flags pass through, except tsx's loader
 * flags: a worker registers tsx itself when it first meets a .ts module (see ts-support.ts), and must
 * not register it twice. A .ts worker entry (running conc from source) gets a bootstrap that registers
 * tsx before the entry loads.
 */
import { isTypeScriptUrl } from './ts-support.ts';

/** Flags that name the parent's own program: a worker must never inherit them (`node -e` would fork itself). */
const PROGRAM_FLAGS = new Set([
  '-e',
  '--eval',
  '-p',
  '--print',
  '-i',
  '--interactive',
  '-c',
  '--check',
  '--test',
  '--watch',
]);
const PROGRAM_VALUE_FLAGS = new Set(['-e', '--eval', '-p', '--print']);

function inheritable(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const flag = arg.includes('=') ? arg.slice(0, arg.indexOf('=')) : arg;
    if (
      PROGRAM_FLAGS.has(flag) ||
      flag === '--input-type' ||
      flag.startsWith('--test-') ||
      flag.startsWith('--watch-')
    ) {
      if (PROGRAM_VALUE_FLAGS.has(arg)) i++; // skip the program text too
      continue;
    }
    const takesValue = arg === '--import' || arg === '--require' || arg === '-r' || arg === '--loader';
    const value = takesValue ? (argv[i + 1] ?? '') : arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : '';
    if (/(^|[\\/])tsx([\\/]|$)/.test(value)) {
      if (takesValue) i++;
      continue;
    }
    out.push(arg);
  }
  return out;
}

/** The parent's execArgv without its program and tsx flags, plus the TypeScript bootstrap a .ts entry needs. */
export function workerExecArgv(entry: URL, kind: 'thread' | 'process'): string[] {
  const argv = inheritable(process.execArgv);
  if (!isTypeScriptUrl(entry)) return argv;
  const api = import.meta.resolve('tsx/esm/api');
  const flag = 'Symbol.for("conc.tsx.registered")';
  const guard = kind === 'thread' ? 'if(!isMainThread)' : '';
  const code =
    `import{isMainThread}from"node:worker_threads";import{register}from${JSON.stringify(api)};` +
    `${guard}{register();globalThis[${flag}]=Promise.resolve();}`;
  return [...argv, '--import', `data:text/javascript,${encodeURIComponent(code)}`];
}
