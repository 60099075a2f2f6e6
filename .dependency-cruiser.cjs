/**
 * conc's architecture as rules, checked by `npm run lint` (dependency-cruiser). Each rule's name is a
 * sentence of the architecture; an import that breaks one fails `npm test` with the offending path.
 *
 *   cli ─▶ lab ─▶ workloads ─▶ http          worker (conc worker) ─▶ contract, distributed wire
 *    └──────┴────────┴──▶ contract (executor · options · map · tasks · errors)
 *                            └─▶ core (job · call · outcome · backend seam) ◀─ backends (via registry only)
 *   util/ and errors.ts are leaves every layer may use.
 */
const layer = (name) => `^src/${name}`;

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle makes load order matter and layers meaningless.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'contract-knows-no-backend-implementation',
      severity: 'error',
      comment:
        'The contract (executor, options, map, core, tasks) reaches backends only through backends/registry.ts.',
      from: { path: '^src/(executor|options|tasks|index)\\.ts$|^src/(map|core)/' },
      to: { path: layer('backends/'), pathNot: '^src/backends/(registry|auto/choice)\\.ts$' },
    },
    {
      name: 'core-knows-no-backend',
      severity: 'error',
      comment: 'The core (jobs, calls, outcomes, the backend seam) sits below every backend.',
      from: { path: '^src/(core|map)/' },
      to: { path: '^src/(backends|worker|lab|cli|workloads|http)/|^src/(executor|options)\\.ts$' },
    },
    {
      name: 'backends-stay-down',
      severity: 'error',
      comment: 'A backend runs jobs; it knows nothing of the lab, the CLI, the workloads or conc worker.',
      from: { path: layer('backends/') },
      to: { path: '^src/(lab|cli|workloads|worker|http)/|^src/executor\\.ts$' },
    },
    {
      name: 'workloads-know-no-lab',
      severity: 'error',
      comment: 'The jobs run the same from the CLI, the lab or a user program.',
      from: { path: layer('workloads/') },
      to: { path: '^src/(lab|cli|worker)/' },
    },
    {
      name: 'lab-knows-no-cli',
      severity: 'error',
      from: { path: layer('lab/') },
      to: { path: layer('cli/') },
    },
    {
      name: 'http-knows-no-executor',
      severity: 'error',
      comment: 'http/ is a plain download library: it may use only errors.ts and util/.',
      from: { path: layer('http/') },
      to: { path: '^src/', pathNot: '^src/(http|util)/|^src/errors\\.ts$' },
    },
    {
      name: 'worker-side-stays-lean',
      severity: 'error',
      comment: 'What runs inside a pool worker loads nothing of the executor (start-up time).',
      from: { path: '^src/(internal|backends/pool/(worker-main|thread-entry|process-entry))' },
      to: { path: '^src/', pathNot:
        '^src/(internal|util)/|^src/(errors|task-signal)\\.ts$|^src/core/outcome(-wire)?\\.ts$|^src/backends/pool/(protocol|worker-main|worker-results|worker-steps)\\.ts$',
    },
    },
    {
      name: 'trace-stays-below-the-contract',
      severity: 'error',
      comment:
        'trace/ (the timeline, its export and channels) is data and formatting: every backend may use it, so it uses only the outcome vocabulary and util/.',
      from: { path: layer('trace/') },
      to: { path: '^src/', pathNot: '^src/(trace|util)/|^src/core/outcome\\.ts$' },
    },
    {
      name: 'leaves-import-nothing',
      severity: 'error',
      comment: 'util/ and errors.ts are leaves: every layer may use them, so they may use nothing of conc.',
      from: { path: '^src/util/|^src/errors\\.ts$' },
      to: { path: '^src/', pathNot: '^src/util/' },
    },
    {
      name: 'no-test-code-in-src',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
