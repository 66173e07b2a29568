#!/usr/bin/env node
// The installed `titlewave` command: src/cli/launcher.ts -> dist/titlewave.cjs, one CommonJS file with the primes
// checker bundled in (see the launcher for why). What it loads only for other commands, or for lists too long to
// check in this process, stays the ES module build from tsc (dist/src/): the CLI (./main.js) and the worker pool
// (../workers/pool.js, which finds the worker entry from its own location). Those dynamic import()s are kept as they
// are, not turned into require(), which cannot load an ES module on Node 20.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Source modules that stay tsc's ES modules: the specifier as written -> the path from dist/titlewave.cjs. */
const keptAsModules = new Map([
  ['./main.js', './src/cli/main.js'],
  ['../workers/pool.js', './src/workers/pool.js'],
]);

await build({
  entryPoints: [join(root, 'src/cli/launcher.ts')],
  outfile: join(root, 'dist/titlewave.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  supported: { 'dynamic-import': true },
  banner: { js: '#!/usr/bin/env node' },
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [
    {
      name: 'kept-as-modules',
      setup(builder) {
        builder.onResolve({ filter: /^\.\.?\// }, (args) => {
          const kept = keptAsModules.get(args.path);
          return kept ? { path: kept, external: true } : undefined;
        });
      },
    },
  ],
});

// BullMQ and ioredis as one CommonJS file next to the compiled src/cluster/bullmq.js, which loads it (and the plain
// packages when the sources run from src/, as in unit tests). Node reads some 300 files for them otherwise, and the
// producer of `titles --redis` pays that before its first job: a third of its start-up (issue 9's figures). ioredis is
// pinned to BullMQ's own version in package.json, so the bundle holds one copy that both use. msgpackr-extract stays
// a package: a native addon, found beside its JavaScript fallback as before.
await build({
  stdin: {
    // BullMQ's ES module build, so that the bundler can leave out what is not used (flows, queue events, the job
    // scheduler's cron parser): the CommonJS build's index requires every class. ioredis is CommonJS only.
    contents: "export { Queue, Worker, WaitingError } from 'bullmq/dist/esm/index.js';\nexport { Redis } from 'ioredis';\n",
    resolveDir: root,
    sourcefile: 'queue-library.cjs',
    loader: 'js',
  },
  outfile: join(root, 'dist/src/cluster/queue-library.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['msgpackr-extract'],
  legalComments: 'eof',
  logLevel: 'warning',
});
