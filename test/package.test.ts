/**
 * The package as a user gets it: `npm pack` the built tree, install the tarball into a fresh project and
 * use it there as a TypeScript user (tsc typecheck), a compiled-JS user, a plain .mjs user, a CommonJS
 * user and a CLI user (`npx conc`). `npm test` builds dist first; this file packs what is there.
 *
 * Loopback only, so the install never goes to a registry: the temp project gets a lockfile made from this
 * repository's own (the same exact versions, the same integrity hashes), and `npm ci --offline` takes
 * every tarball from npm's cache, which the repository's own `npm ci`/`npm install` filled.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSites } from '../src/workloads/sites.ts';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as Manifest;
// the temp project's own tools, at the repository's versions (so their tarballs are in the cache)
const TOOLS = ['typescript', '@types/node'] as const;

interface Manifest {
  name: string;
  version: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  bin?: Record<string, string>;
  engines?: Record<string, string>;
  license?: string;
}
interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  [key: string]: unknown;
}
interface PackResult {
  filename: string;
  files: { path: string }[];
}

let dir = '';
let packed: PackResult;

/** Runs a command in the temp project, bounded in time; offline, whatever npm it is. */
async function sh(cmd: string, args: string[], timeout = 120_000, extraEnv: Record<string, string> = {}) {
  const offline = { npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' };
  // not the variables `npm test` sets for this repository's own package
  const own = /^npm_(package_|lifecycle_|config_local_prefix$)/;
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !own.test(key)));
  const env = { ...inherited, ...offline, ...extraEnv };
  return run(cmd, args, { cwd: dir, env, timeout, maxBuffer: 16 * 1024 * 1024 });
}

/** Where Node finds `name` from the package at `from` (a lockfile key), the way node_modules nests. */
function resolveIn(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  for (let base = from; ; ) {
    const key = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
    if (packages[key]) return key;
    if (base === '') return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut === -1 ? '' : base.slice(0, cut);
  }
}

/** The repository lockfile's entries that conc's dependencies and the tools need, and nothing else. */
function neededEntries(packages: Record<string, LockEntry>): Record<string, LockEntry> {
  const out: Record<string, LockEntry> = {};
  const queue: [string, string][] = [
    ...Object.keys(manifest.dependencies ?? {}).map((d) => ['', d] as [string, string]),
    ...TOOLS.map((d) => ['', d] as [string, string]),
  ];
  for (let next = queue.shift(); next; next = queue.shift()) {
    const key = resolveIn(packages, next[0], next[1]);
    if (key === undefined || out[key]) continue; // an optional peer nobody installed
    const { dev: _dev, ...entry } = packages[key]!;
    out[key] = entry;
    const deps = { ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies };
    for (const name of Object.keys(deps)) queue.push([key, name]);
  }
  return out;
}

/** A fresh project that depends on the tarball, with a lockfile so that `npm ci --offline` can work. */
function writeProject(tarball: string): void {
  const repoLock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const tools = Object.fromEntries(TOOLS.map((t) => [t, manifest.devDependencies![t]!]));
  const dependencies = { conc: `file:${tarball}`, ...tools };
  const pkg = { name: 'conc-user', version: '1.0.0', private: true, type: 'module', dependencies };
  const integrity = `sha512-${createHash('sha512')
    .update(readFileSync(join(dir, tarball)))
    .digest('base64')}`;
  const { name, version, dependencies: deps, bin, engines, license } = manifest;
  const conc = {
    name,
    version,
    resolved: `file:${tarball}`,
    integrity,
    license,
    dependencies: deps,
    bin,
    engines,
  };
  const packages = {
    '': { ...pkg, type: undefined },
    'node_modules/conc': conc,
    ...neededEntries(repoLock.packages),
  };
  const lock = { name: pkg.name, version: pkg.version, lockfileVersion: 3, requires: true, packages };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2));
}

beforeAll(async () => {
  expect(
    existsSync(join(repo, 'dist/index.js')),
    'dist/ is missing: run `npm run build` (npm test does)',
  ).toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'conc-package-'));
  // --ignore-scripts: prepack would rebuild dist/ while other test files use it
  const out = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    cwd: repo,
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  packed = (JSON.parse(out.stdout) as PackResult[])[0]!;
  writeProject(packed.filename);
  // --ignore-scripts: no dependency's install script (a native add-on's build) runs in a test
  await sh('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], 150_000);
  writeUsers();
}, 240_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the tarball', () => {
  it('ships the build, the README and the LICENSE, and no source maps or sources', () => {
    const files = packed.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/index.js']));
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('dist/cli/bin.js');
    expect(files).toEqual(
      expect.arrayContaining(['docs/tutorial.md', 'docs/design.md', 'docs/tutorial/io.mjs']),
    );
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => !/^(dist|docs)\/|^(LICENSE|README\.md|package\.json)$/.test(f))).toEqual([]);
    expect(files).not.toContain('dist/.tsbuildinfo');
  });

  it('has a manifest that runs nothing on install', () => {
    const installed = JSON.parse(
      readFileSync(join(dir, 'node_modules/conc/package.json'), 'utf8'),
    ) as Manifest;
    expect(installed.version).toBe(manifest.version);
    for (const script of ['preinstall', 'install', 'postinstall', 'prepare'])
      expect(installed.scripts?.[script], `script "${script}"`).toBeUndefined();
    expect(readFileSync(join(dir, 'node_modules/conc/LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });
});

const TASKS_TS = `import { defineTasks } from 'conc';

export function square(n: number): number {
  return n * n;
}
/** map passes one argument per item: several values travel as one tuple. */
export function add([a, b]: [number, number]): number {
  return a + b;
}
export function fail(message: string): never {
  throw new RangeError(message);
}
export const tasks = defineTasks(import.meta.url, { square, add, fail });
`;

const MAIN_TS = `import { createExecutor, TaskError } from 'conc';
import { tasks } from './tasks.ts';

await using ex = createExecutor({ mode: 'threads', workers: 2 });
const squares: number[] = await ex.map(tasks.square, [1, 2, 3]);
const sums: number[] = await ex.map(tasks.add, [[1, 2], [3, 4]]);
const one: number = await ex.submit(tasks.square, 7);
const error = await ex.submit(tasks.fail, 'no').catch((e: unknown) => e);
const failed = error instanceof TaskError ? (error.cause as Error).name : 'not a TaskError';
console.log(JSON.stringify({ squares, sums, one, failed, completed: ex.stats().completed }));

// never called: each line must fail to typecheck, which proves the task's types reach the caller
export function typeErrors() {
  // @ts-expect-error a string is not the number square takes
  void ex.submit(tasks.square, 'seven');
  // @ts-expect-error map's task takes one argument: add takes a tuple, not two numbers
  void ex.map(tasks.add, [1, 2]);
  // @ts-expect-error mode is required
  createExecutor({ workers: 2 });
}
`;

// what the README tells a TypeScript user to set for \`import './tasks.ts'\`
const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2022', 'ESNext.Disposable'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    allowImportingTsExtensions: true,
    rewriteRelativeImportExtensions: true,
    types: ['node'],
    outDir: 'build',
  },
  include: ['main.ts', 'tasks.ts'],
};

const TASKS_MJS = `import { defineTasks } from 'conc';
export function square(n) { return n * n; }
export function fail(message) { throw new RangeError(message); }
export const tasks = defineTasks(import.meta.url, { square, fail });
`;

const MAIN_MJS = `import { createExecutor, TaskError } from 'conc';
import { tasks } from './tasks.mjs';

const ex = createExecutor({ mode: 'threads', workers: 2 });
try {
  const squares = await ex.map(tasks.square, [1, 2, 3, 4]);
  const settled = await ex.map(tasks.fail, ['x'], { settle: true });
  const reason = settled[0].reason;
  console.log(JSON.stringify({ squares, error: reason instanceof TaskError, code: reason.code, stats: ex.stats() }));
} finally {
  await ex.close();
}
`;

// a CommonJS project (what `npm init -y` makes): require(esm) on Node >= 20.19, import() before that
const TASKS_CJS = `const { defineTasks } = require('conc');
const { pathToFileURL } = require('node:url');

function cube(n) {
  return n * n * n;
}
exports.tasks = defineTasks(pathToFileURL(__filename).href, { cube });
`;

const MAIN_CJS = `const { createExecutor } = require('conc');
const { tasks } = require('./tasks.cjs');

async function main() {
  const viaImport = (await import('conc')).createExecutor === createExecutor;
  const ex = createExecutor({ mode: 'threads', workers: 1 });
  try {
    console.log(JSON.stringify({ viaImport, cubes: await ex.map(tasks.cube, [2, 3]) }));
  } finally {
    await ex.close();
  }
}
main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
`;

/** The users' files: a TypeScript project (main.ts, tasks.ts, tsconfig.json), .mjs files and a .cjs file. */
function writeUsers(): void {
  writeFileSync(join(dir, 'tasks.ts'), TASKS_TS);
  writeFileSync(join(dir, 'main.ts'), MAIN_TS);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
  writeFileSync(join(dir, 'tasks.mjs'), TASKS_MJS);
  writeFileSync(join(dir, 'main.mjs'), MAIN_MJS);
  mkdirSync(join(dir, 'cjs'));
  writeFileSync(join(dir, 'cjs/tasks.cjs'), TASKS_CJS);
  writeFileSync(join(dir, 'cjs/main.cjs'), MAIN_CJS);
  // the tutorial's files as they ship (package.json "files"), where docs/tutorial.md tells users to copy them from
  cpSync(join(dir, 'node_modules/conc/docs/tutorial'), join(dir, 'tutorial'), { recursive: true });
}

const EXPECTED = { squares: [1, 4, 9], sums: [3, 7], one: 49, failed: 'RangeError', completed: 6 };

describe('a TypeScript user', () => {
  // one tsc run both checks and emits (what `tsc --noEmit` checks is the same): it saves a second run
  it('typechecks main.ts importing conc and ./tasks.ts, with the library types checked too', async () => {
    const tsc = join(dir, 'node_modules/typescript/bin/tsc');
    const result = await sh(process.execPath, [tsc, '-p', '.']).catch((e) => e);
    expect(`${result.stdout ?? ''}${result.stderr ?? ''}`).toBe('');
  }, 90_000);

  it('compiles to JavaScript that runs a threads executor (workers import the compiled tasks.js)', async () => {
    expect(readFileSync(join(dir, 'build/main.js'), 'utf8')).toMatch(/from ["']\.\/tasks\.js["']/);
    const { stdout } = await sh(process.execPath, ['build/main.js'], 60_000);
    expect(JSON.parse(stdout)).toEqual(EXPECTED);
  }, 90_000);
});

describe('a plain JavaScript user', () => {
  it('runs a threads executor from .mjs files, closing it in try/finally', async () => {
    const { stdout } = await sh(process.execPath, ['main.mjs'], 60_000);
    const out = JSON.parse(stdout);
    expect(out).toMatchObject({ squares: [1, 4, 9, 16], error: true, code: 'CONC_ERR_TASK' });
    expect(out.stats).toMatchObject({ mode: 'threads', submitted: 5, completed: 4, failed: 1, workers: 2 });
  }, 90_000);

  it('uses conc from CommonJS: require, a .cjs task module, and import() giving the same module', async () => {
    const { stdout } = await sh(process.execPath, ['cjs/main.cjs'], 60_000);
    expect(JSON.parse(stdout)).toEqual({ viaImport: true, cubes: [8, 27] });
  }, 90_000);
});

describe('a CLI user', () => {
  it('runs `npx conc` from the project', async () => {
    const { stdout } = await sh('npx', ['--no', 'conc', 'cpu', '--count', '2', '--print'], 60_000);
    expect(stdout).toContain('sum of squares below 5000000 = 41666654166667500000');
    expect(stdout).toContain('sum of squares below 5000001 = 41666679166667500000');
  }, 90_000);
});

describe("the tutorial's programs (docs/tutorial, shipped in the package), run against it", () => {
  const sumBelow = (n: bigint) => (n * (n - 1n) * (2n * n - 1n)) / 6n;

  it.each(['sync', 'threads', 'async', 'processes'])(
    'io.mjs %s downloads the 160 sites',
    async (mode) => {
      await using sites = await startSites({ latencyMs: 1 });
      const { stdout } = await sh(process.execPath, ['tutorial/io.mjs', mode], 60_000, {
        SITES: sites.origin,
      });
      expect(stdout).toMatch(/^Downloaded 160 sites \(3440640 bytes\) in \d+\.\d\d seconds\n$/);
      expect(sites.stats().requests).toBe(160);
    },
    90_000,
  );

  it.each(['sync', 'threads', 'processes'])(
    'cpu.mjs %s sums the 20 squares exactly',
    async (mode) => {
      const { stdout } = await sh(process.execPath, ['tutorial/cpu.mjs', mode], 60_000, { VERBOSE: '1' });
      const lines = stdout.trim().split('\n');
      expect(lines).toHaveLength(21);
      for (const [x, line] of lines.slice(0, 20).entries()) {
        const n = 5_000_000 + x;
        expect(line).toBe(`${n}: ${sumBelow(BigInt(n))}`);
      }
      expect(lines[20]).toMatch(/^Duration \d+\.\d\d seconds \(first sum 41666654166667500000\)$/);
    },
    90_000,
  );
});

describe('the API reference (TSDoc, rendered by `npm run docs`)', () => {
  const source = (file: string) =>
    ts.createSourceFile(file, readFileSync(join(repo, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const tags = (node: ts.Node) => ts.getJSDocTags(node).map((t) => t.tagName.text);
  const named = (node: ts.Node) => ((node as { name?: ts.Node }).name?.getText() ?? '').replace(/\W/g, '');

  /** The members of the interfaces (or classes) named `names` in `file`, by interface. */
  function membersOf(file: string, names: string[]): Map<string, ts.Node[]> {
    const found = new Map<string, ts.Node[]>();
    ts.forEachChild(source(file), (node) => {
      if ((ts.isInterfaceDeclaration(node) || ts.isClassDeclaration(node)) && names.includes(named(node)))
        found.set(named(node), [node, ...node.members]);
    });
    return found;
  }

  it('gives every option of every call its default', () => {
    const options = new Map([
      ...membersOf('src/options.ts', ['ExecutorOptions']),
      ...membersOf('src/map/options.ts', ['MapOptions', 'ImapOptions']),
      ...membersOf('src/executor.ts', ['RunOptions']),
    ]);
    expect([...options.keys()].sort()).toEqual([
      'ExecutorOptions',
      'ImapOptions',
      'MapOptions',
      'RunOptions',
    ]);
    const missing = [...options].flatMap(([owner, [, ...members]]) =>
      members!
        .filter((m) => named(m) !== 'mode' && !tags(m).includes('defaultValue'))
        .map((m) => `${owner}.${named(m)}`),
    );
    expect(missing, 'options without a @defaultValue').toEqual([]);
  });

  it('has an example for every call', () => {
    const [executor] = [...membersOf('src/executor.ts', ['Executor']).values()];
    const calls = ['submit', 'run', 'map', 'imap', 'close', 'stats'];
    const documented = executor!.filter((m) => tags(m).includes('example')).map(named);
    expect(
      calls.filter((c) => !documented.includes(c)),
      'Executor calls without @example',
    ).toEqual([]);
    const functions: [string, string][] = [
      ['src/executor.ts', 'createExecutor'],
      ['src/tasks.ts', 'defineTasks'],
      ['src/tasks.ts', 'taskRef'],
      ['src/task-signal.ts', 'taskSignal'],
      ['src/worker/index.ts', 'startWorker'],
    ];
    const without = functions.filter(([file, name]) => {
      let example = false;
      ts.forEachChild(source(file), (node) => {
        if (ts.isFunctionDeclaration(node) && named(node) === name) example = tags(node).includes('example');
      });
      return !example;
    });
    expect(
      without.map(([, name]) => name),
      'functions without @example',
    ).toEqual([]);
  });

  it('says when each error class is raised', () => {
    const exported: string[] = [];
    let classes = 0;
    ts.forEachChild(source('src/errors.ts'), (node) => {
      if (
        !ts.isClassDeclaration(node) ||
        !node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
      )
        return;
      const text = ts
        .getJSDocCommentsAndTags(node)
        .map((d) => (typeof d.comment === 'string' ? d.comment : ''))
        .join(' ');
      classes++;
      if (text.split(/\s+/).length < 12) exported.push(named(node));
    });
    expect(classes, 'ConcError and (at least) its 12 subclasses').toBeGreaterThanOrEqual(13);
    expect(exported, 'error classes with a one-line (or no) description').toEqual([]);
  });
});
