/**
 * Finding a Python that can run the article's programs. The `python3` first on PATH may not be the one
 * with the modules: on Debian, `apt-get install python3-requests python3-aiohttp` installs them for
 * /usr/bin/python3, while a pyenv or venv python3 earlier on PATH has its own site-packages. So every
 * python3 on PATH is asked, then /usr/bin/python3, and the first that imports every module needed wins.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { PYTHON_MODULES, type PythonModule, type TwinProgram } from './programs.ts';

/** Debian's interpreter, where its python3-* packages install. */
export const DEBIAN_PYTHON = '/usr/bin/python3';
/** Oldest Python the programs run on (asyncio.run, f-strings, dict order). */
const MIN_VERSION = [3, 8] as const;
/** Importing aiohttp on a cold disk takes a while; a probe that takes longer than this is broken. */
const PROBE_TIMEOUT_MS = 20_000;

/** What one candidate interpreter said about itself. */
export interface PythonProbe {
  /** As given or found on PATH. */
  candidate: string;
  /** sys.executable — the interpreter itself (a pyenv shim resolves to the real python). */
  executable?: string | undefined;
  version?: string | undefined;
  /** Modules that imported, with their version. */
  modules: Partial<Record<PythonModule, string>>;
  /** Modules that did not import, with the reason (usually "No module named 'aiohttp'"). */
  missing: Partial<Record<PythonModule, string>>;
  /** Why it cannot be used at all (not found, not Python ≥ 3.8, …). */
  error?: string | undefined;
}

export interface PythonSetup {
  /** The interpreter the programs run on; undefined when no candidate could run them. */
  chosen: PythonProbe | undefined;
  /** Every candidate asked, in order. */
  probes: PythonProbe[];
  /** Whether the interpreter was named (`--python PATH`): then no other is tried. */
  explicit: boolean;
}

// Prints one JSON line: the interpreter, its version, and each module's version or import error.
const PROBE = `
import json, sys
out = {"executable": sys.executable, "version": sys.version.split()[0],
       "ok": sys.version_info >= ${JSON.stringify(MIN_VERSION).replace('[', '(').replace(']', ')')},
       "modules": {}, "missing": {}}
for name in ${JSON.stringify(PYTHON_MODULES)}:
    try:
        module = __import__(name)
        out["modules"][name] = str(getattr(module, "__version__", "?"))
    except Exception as error:
        out["missing"][name] = type(error).__name__ + ": " + str(error)
print(json.dumps(out))
`;

/**
 * Asks each candidate (only `explicit` when given) and picks the first that imports every module in
 * `needed`; failing that, the one that imports the most of them (its other programs still run).
 */
export async function findPython(
  needed: readonly PythonModule[],
  explicit?: string | undefined,
): Promise<PythonSetup> {
  const candidates = explicit === undefined ? defaultCandidates() : [explicit];
  const probes: PythonProbe[] = [];
  const seen = new Set<string>();
  for (const candidate of candidates) {
    const probe = await probePython(candidate);
    const self = probe.executable === undefined ? undefined : realOrSame(probe.executable);
    if (self !== undefined && seen.has(self)) continue; // a second name for one interpreter
    if (self !== undefined) seen.add(self);
    probes.push(probe);
  }
  const usable = probes.filter((p) => p.error === undefined);
  const score = (p: PythonProbe) => needed.filter((m) => p.modules[m] !== undefined).length;
  const best = usable.reduce<PythonProbe | undefined>(
    (a, p) => (a && score(a) >= score(p) ? a : p),
    undefined,
  );
  return { chosen: best, probes, explicit: explicit !== undefined };
}

/** Every `python3` on PATH, in PATH order, then Debian's; one entry per file. */
export function defaultCandidates(path = process.env.PATH ?? ''): string[] {
  const found: string[] = [];
  const files = new Set<string>();
  for (const dir of [...path.split(delimiter).filter(Boolean), '/usr/bin']) {
    const file = join(dir, 'python3');
    try {
      accessSync(file, constants.X_OK);
    } catch {
      continue;
    }
    const real = realOrSame(file);
    if (files.has(real)) continue;
    files.add(real);
    found.push(dir === '/usr/bin' ? DEBIAN_PYTHON : file);
  }
  return found.length > 0 ? found : ['python3'];
}

/** Runs the probe on one candidate; never throws — what went wrong is in `error`. */
export function probePython(candidate: string): Promise<PythonProbe> {
  return new Promise((resolve) => {
    execFile(
      candidate,
      ['-B', '-c', PROBE],
      { timeout: PROBE_TIMEOUT_MS, env: process.env },
      (error, stdout, stderr) => {
        const base = { candidate, modules: {}, missing: {} };
        const code = (error as NodeJS.ErrnoException | null)?.code;
        if (code === 'ENOENT') return resolve({ ...base, error: 'not found' });
        if (code === 'EACCES') return resolve({ ...base, error: 'not executable' });
        const line = stdout.trim().split('\n').pop() ?? '';
        try {
          const said = JSON.parse(line) as PythonProbe & { ok: boolean };
          const { ok, ...probe } = said;
          resolve({
            ...probe,
            candidate,
            ...(!ok && {
              error: `Python ${said.version} is too old: the programs need ${MIN_VERSION.join('.')} or newer`,
            }),
          });
        } catch {
          const why = (stderr || error?.message || stdout).trim().split('\n').slice(-2).join(' ');
          resolve({ ...base, error: `did not run as Python 3 (${why || 'no output'})` });
        }
      },
    );
  });
}

/** The modules these programs need. */
export function modulesNeeded(programs: readonly TwinProgram[]): PythonModule[] {
  return PYTHON_MODULES.filter((m) => programs.some((p) => p.needs.includes(m)));
}

/** The programs the chosen interpreter cannot run, each with the modules it lacks. */
export function blockedPrograms(
  setup: PythonSetup,
  programs: readonly TwinProgram[],
): { program: TwinProgram; lacks: PythonModule[] }[] {
  const chosen = setup.chosen;
  return programs
    .map((program) => ({
      program,
      lacks: program.needs.filter((m) => chosen === undefined || chosen.modules[m] === undefined),
    }))
    .filter((b) => chosen === undefined || b.lacks.length > 0);
}

/** One candidate in a few words: "/usr/bin/python3 (Python 3.11.2): requests 2.28.1, no aiohttp". */
export function describeProbe(p: PythonProbe): string {
  const name =
    p.executable && p.executable !== p.candidate ? `${p.candidate} → ${p.executable}` : p.candidate;
  if (p.error !== undefined) return `${name}: ${p.error}`;
  const modules = PYTHON_MODULES.map((m) => (p.modules[m] ? `${m} ${p.modules[m]}` : `no ${m}`));
  return `${name} (Python ${p.version}): ${modules.join(', ')}`;
}

function realOrSame(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

/** The Python the article's programs ran on (or why none), and what a reader should know about it. */
export interface PythonInfo {
  setup: PythonSetup;
  notes: string[];
}

const DEBIAN_PACKAGES: Record<PythonModule, string> = {
  requests: 'python3-requests',
  aiohttp: 'python3-aiohttp',
};

/**
 * What to tell a reader before the Python figures: the interpreter used, or which programs cannot
 * run, which module each lacks and how to install it. The rest of the comparison runs either way.
 */
export function setupNotes(setup: PythonSetup, programs: readonly TwinProgram[]): string[] {
  const chosen = setup.chosen;
  const tried = setup.probes.map(describeProbe).join('; ');
  if (chosen === undefined) {
    return [
      `Python: no usable Python 3 (${tried}). Install it — Debian/Ubuntu: apt-get install python3 python3-requests python3-aiohttp — or name one with --python PATH. The comparison runs without the article's programs.`,
    ];
  }
  const blocked = blockedPrograms(setup, programs);
  if (blocked.length === 0) return [`Python: the article's programs run on ${describeProbe(chosen)}.`];
  const lacking = PYTHON_MODULES.filter((m) => blocked.some((b) => b.lacks.includes(m)));
  const exe = chosen.executable ?? chosen.candidate;
  const others = setup.probes.filter((p) => p !== chosen).map(describeProbe);
  return [
    `Python: ${exe} (Python ${chosen.version}) has no ${lacking.join(' and no ')}, so ${blocked.map((b) => b.program.file).join(', ')} will not run. ` +
      `Install ${lacking.length === 1 ? 'it' : 'them'} — Debian/Ubuntu: apt-get install ${lacking.map((m) => DEBIAN_PACKAGES[m]).join(' ')} ${setup.explicit ? `(for ${DEBIAN_PYTHON}: then run with --python ${DEBIAN_PYTHON})` : `(for ${DEBIAN_PYTHON}, which conc also tries)`} — or ${exe} -m pip install ${lacking.join(' ')}.` +
      (others.length > 0 ? ` Also tried: ${others.join('; ')}.` : ''),
  ];
}
