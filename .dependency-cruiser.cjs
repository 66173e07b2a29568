/**
 * The boundaries docs/ARCHITECTURE.md draws, checked on every `npm run lint` (dependency-cruiser).
 *
 * The renderer runs in a sandboxed page with no Node: it may import from src/ only the contract and the modules
 * listed in BROWSER_SAFE, and those may import nothing of Node (no `node:*` module, no Node-only package) and no
 * src/ module outside the list. Type-only imports count too: a type from a Node module drags its typings in.
 */

/** src/ modules the renderer and the browser-mode bridge may import (browser-safe). */
const BROWSER_SAFE = [
  'src/contract.ts',
  'src/errors.ts',
  'src/primes/estimate.ts',
  'src/primes/limits.ts',
  'src/primes/number-list.ts',
  'src/primes/types.ts',
  'src/thumbs/options.ts',
  'src/thumbs/types.ts',
  'src/titles/defaults.ts',
  'src/titles/render/renderer.ts',
  'src/titles/format.ts',
  'src/titles/input.ts',
  'src/titles/limits.ts',
  'src/titles/list-settings.ts',
  'src/titles/problems.ts',
  'src/titles/run-name.ts',
  'src/titles/text-encoding.ts',
  'src/titles/types.ts',
  'src/server/protocol.ts',
];

/** npm packages a browser-safe module may use (each has a browser build the renderer's bundler picks). */
const BROWSER_PACKAGES = ['zod', 'csv-stringify', 'csv-parse', 'react', 'react-dom', '@tanstack/react-virtual', '@exodus/bytes'];

const escape = (path) => path.replace(/[.]/g, '\\.');
const browserSafe = `^(${BROWSER_SAFE.map(escape).join('|')})$`;
const browserSide = `^(renderer/|src/server/client/)|${browserSafe}`;
const browserPackages = `(^|/)node_modules/(${BROWSER_PACKAGES.map(escape).join('|')})/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'src-never-imports-electron',
      comment: 'src/ runs without Electron (CLI, browser mode, tests): Electron APIs stay in electron/.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '(^|/)node_modules/electron/' },
    },
    {
      name: 'renderer-never-imports-electron-or-node-hosts',
      comment: 'The renderer talks only to window.api; it never imports the hosts.',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: '^electron/|(^|/)node_modules/electron/' },
    },
    {
      name: 'engines-never-import-services-or-hosts',
      comment: 'Engines know nothing of who runs them: services, hosts, the CLI or a queue of the cluster.',
      severity: 'error',
      from: { path: '^src/(titles|primes|thumbs|workers)/' },
      to: { path: '^src/(services|server|desktop|cli|cluster)/' },
    },
    {
      name: 'browser-side-imports-only-browser-safe-src',
      comment: `The renderer, the bridge and browser-safe modules may import from src/ only: ${BROWSER_SAFE.join(', ')}.`,
      severity: 'error',
      from: { path: browserSide },
      to: { path: '^src/', pathNot: `${browserSafe}|^src/server/client/` },
    },
    {
      name: 'browser-side-no-node-builtins',
      comment: 'No Node in the page: no node:* module.',
      severity: 'error',
      from: { path: browserSide },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'browser-safe-only-browser-packages',
      comment: `Browser-safe src modules use only packages with a browser build: ${BROWSER_PACKAGES.join(', ')}.`,
      severity: 'error',
      from: { path: browserSafe },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'], pathNot: browserPackages },
    },
    {
      name: 'no-circular',
      comment:
        'No import cycles in the renderer, type-only imports included: a type two modules share lives in a module of its own (e.g. renderer/titles/run.ts).',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { circular: true },
    },
    {
      name: 'no-unresolvable',
      comment:
        'An import that resolves to nothing is a typo or a missing dependency. The one exception: BullMQ bundled into ' +
        'dist/src/cluster/queue-library.cjs by the build (src/cluster/bullmq.ts loads the packages when it is absent).',
      severity: 'error',
      from: { path: '^(src|renderer|electron)/' },
      to: { couldNotResolve: true, pathNot: '^\\./queue-library\\.cjs$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json', '.d.ts'] },
    exclude: { path: '^(dist|release|coverage)/' },
  },
};
