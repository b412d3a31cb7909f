/**
 * The import rules of src/ (docs/architecture.md), checked by `npm run lint:deps` at the start
 * of `npm test`: any violation fails the run.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle makes load order matter and hides which layer owns what (type-only imports vanish at run time).',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'cli-through-the-api',
      severity: 'error',
      comment:
        'The CLI is a client of the library: it imports src/index.ts (public API) or src/internal.ts (src/internal-light.ts for the commands that connect to nothing), nothing else outside src/cli. ' +
        'Exception: the modules `fleet --help` loads (main, exit-codes, common-options) import two leaf modules directly, ' +
        'because esbuild puts everything a barrel re-exports into one chunk, and that chunk loads ssh2 (DESIGN start-up budget).',
      from: { path: '^src/cli/', pathNot: '\\.test\\.ts$' },
      to: { path: '^src/', pathNot: ['^src/cli/', '^src/index\\.ts$', '^src/internal\\.ts$', '^src/internal-light\\.ts$', '^src/errors\\.ts$', '^src/render/output-mode\\.ts$'] },
    },
    {
      name: 'transport-owns-its-contract',
      severity: 'error',
      comment: 'transport/ knows connection targets, not the inventory; transport.ts is the contract and imports no implementation.',
      from: { path: '^src/transport/', pathNot: '\\.test\\.ts$' },
      to: { path: '^src/inventory/' },
    },
    {
      name: 'transport-contract-is-pure',
      severity: 'error',
      from: { path: '^src/transport/transport\\.ts$' },
      to: { path: '^src/transport/ssh/' },
    },
    {
      name: 'only-transport-imports-ssh2',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/transport/', '\\.test\\.ts$'] },
      to: { path: 'node_modules/(ssh2|ssh2-sftp-client)/' },
    },
    {
      name: 'only-cli-and-render-import-commander-listr2',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/cli/', '^src/render/', '\\.test\\.ts$'] },
      to: { path: 'node_modules/(commander|listr2)/' },
    },
    {
      name: 'library-stays-out-of-tests',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
