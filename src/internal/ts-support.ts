/**
 * TypeScript task modules, solved once. Node 20 cannot import .ts by itself, and `--import tsx` in a
 * Worker's execArgv silently does nothing there. So a worker registers tsx's ESM hooks itself, lazily,
 * the first time it is asked to import a .ts module; built .js modules never load tsx.
 */
const FLAG = Symbol.for('conc.tsx.registered');
const TS_FILE = /\.[cm]?tsx?$/;

type Flagged = typeof globalThis & { [FLAG]?: Promise<void> };

export function isTypeScriptUrl(url: string | URL): boolean {
  const text = String(url);
  const path = text.startsWith('file:') ? new URL(text).pathname : text;
  return TS_FILE.test(path);
}

/** Registers tsx once per thread (idempotent). Fails with a clear message when tsx is not installed. */
export function ensureTypeScript(): Promise<void> {
  const g = globalThis as Flagged;
  g[FLAG] ??= import('tsx/esm/api').then(
    ({ register }) => {
      register();
    },
    (error: unknown) => {
      throw new Error(
        'This task module is TypeScript, and loading it needs the "tsx" package: npm install tsx — or compile the module to .js.',
        { cause: error },
      );
    },
  );
  return g[FLAG];
}

/** Marks tsx as already registered in this thread (the worker bootstrap did it). */
export function markTypeScriptRegistered(): void {
  (globalThis as Flagged)[FLAG] ??= Promise.resolve();
}

/** `import()` that first makes .ts modules loadable. */
export async function importModule(url: string): Promise<unknown> {
  if (isTypeScriptUrl(url)) await ensureTypeScript();
  return import(url);
}
