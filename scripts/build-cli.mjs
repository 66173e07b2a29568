#!/usr/bin/env node
// The installed `titlewave` command: src/cli/launcher.ts -> dist/titlewave.cjs, one CommonJS file with the primes
// checker bundled in (see the launcher for why). `titles` runs from a second bundle, dist/titlewave-titles.cjs: the
// command, its engine and the packages they use in one CommonJS file. What the launcher loads for any other command,
// or for lists too long to check in this process, stays the ES module build from tsc (dist/src/): the CLI
// (./main.js) and the worker pool (../workers/pool.js, which finds the worker entry from its own location). Those
// dynamic import()s are kept as they are, not turned into require(), which cannot load an ES module on Node 20.
import { readFile } from 'node:fs/promises';
import { build } from 'esbuild';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Source modules that stay tsc's ES modules: the specifier as written -> the path from dist/titlewave.cjs. */
const keptAsModules = new Map([
  ['./main.js', './src/cli/main.js'],
  ['../workers/pool.js', './src/workers/pool.js'],
]);

/**
 * `import.meta.url` in a bundled module: the URL of its tsc-compiled twin in dist/src/, which is beside the bundles.
 * A module finds files from its own location (BullMQ's bundle next to src/cluster/bullmq.js, package.json up the
 * tree); in a CommonJS bundle import.meta is empty, and one URL for the whole bundle would send each such lookup to
 * the wrong folder.
 */
const moduleUrls = {
  name: 'module-urls',
  setup(builder) {
    builder.onLoad({ filter: /[/\\]src[/\\].*\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const twin = relative(join(root, 'src'), args.path).replace(/\.ts$/, '.js').split('\\').join('/');
      return { contents: source.replaceAll('import.meta.url', `__moduleUrl(${JSON.stringify(`src/${twin}`)})`), loader: 'ts' };
    });
  },
};

/**
 * The top of a bundle: `__moduleUrl(twin)`, which moduleUrls writes in, for a path from dist/ (the bundles' folder).
 * A banner goes before esbuild's own "use strict", so it says it again: the bundled ES modules are strict code.
 */
const moduleUrlBanner = `"use strict";\nconst __moduleUrl = (twin) => require('node:url').pathToFileURL(require('node:path').join(__dirname, twin)).href;`;

/**
 * What every bundle here shares. Whitespace and syntax minified, names kept (stack traces still name their
 * functions; the linked source maps place them): Node reads and compiles every byte of a bundle at each start, and a
 * third fewer bytes is some 5 ms less per start for the titles bundle alone.
 */
const shared = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', minifyWhitespace: true, minifySyntax: true, sourcemap: 'linked', logLevel: 'warning' };

const keptModules = {
  name: 'kept-as-modules',
  setup(builder) {
    builder.onResolve({ filter: /^\.\.?\// }, (args) => {
      const kept = keptAsModules.get(args.path);
      return kept ? { path: kept, external: true } : undefined;
    });
  },
};

await build({
  entryPoints: [join(root, 'src/cli/launcher.ts')],
  outfile: join(root, 'dist/titlewave.cjs'),
  ...shared,
  packages: 'external',
  supported: { 'dynamic-import': true },
  banner: { js: `#!/usr/bin/env node\n${moduleUrlBanner}` },
  legalComments: 'none',
  plugins: [keptModules, moduleUrls],
});

// `titles`: the command, the engine, the queue producer and the packages they load, as one CommonJS file that the
// launcher require()s. Node loads the ES module build as some 160 files (module graph, resolution, a lexer pass over
// each CommonJS package it imports): 80 to 100 ms of CPU before the first request, against a few ms for one file.
// What a run loads only when it needs it stays a package, imported on first use: the browser for render mode, the
// .xlsx writer, list mode's parsers and SOCKS client, BullMQ (its own bundle, beside src/cluster/bullmq.js), sharp.
await build({
  entryPoints: [join(root, 'src/cli/titles.ts')],
  outfile: join(root, 'dist/titlewave-titles.cjs'),
  ...shared,
  external: ['playwright-core', 'exceljs', 'socks', 'saxes', 'robots-parser', 'csv-parse', 'bullmq', 'ioredis', 'sharp'],
  // The packages it loads on first use are CommonJS (or have a CommonJS build): require()d, not import()ed, so the
  // bundle has no dynamic import() and the CLI's code cache can hold it on Node 20 too (see src/cli/compile-cache.ts).
  supported: { 'dynamic-import': false },
  banner: { js: moduleUrlBanner },
  legalComments: 'eof',
  plugins: [moduleUrls],
});

// BullMQ and ioredis as one CommonJS file next to the compiled src/cluster/bullmq.js, which loads it (and the plain
// packages when the sources run from src/, as in unit tests). Node reads some 300 files for them otherwise, and the
// producer of `titles --redis` pays that before its first job: a third of its start-up (issue 9's figures). ioredis is
// pinned to BullMQ's own version in package.json, so the bundle holds one copy that both use. msgpackr's native addon
// (msgpackr-extract) is left out: it only speeds up unpacking, and BullMQ only packs (a script's arguments), but
// loading it cost every producer and worker some 10 ms and nine more files at start.
await build({
  stdin: {
    // BullMQ's ES module build, so that the bundler can leave out what is not used (flows, queue events): the
    // CommonJS build's index requires every class. ioredis is CommonJS only.
    contents: "export { Queue, Worker, WaitingError } from 'bullmq/dist/esm/index.js';\nexport { Redis } from 'ioredis';\n",
    resolveDir: root,
    sourcefile: 'queue-library.cjs',
    loader: 'js',
  },
  outfile: join(root, 'dist/src/cluster/queue-library.cjs'),
  ...shared,
  define: { 'process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED': '"true"' },
  external: ['msgpackr-extract'],
  plugins: [
    {
      // BullMQ's repeatable jobs parse cron patterns with cron-parser, which brings luxon: a fifth of the bundle,
      // compiled and run at every start. Titlewave never makes a repeatable job, so a pattern never reaches it.
      name: 'no-cron-patterns',
      setup(builder) {
        builder.onResolve({ filter: /^cron-parser$/ }, () => ({ path: 'cron-parser', namespace: 'no-cron-patterns' }));
        builder.onLoad({ filter: /.*/, namespace: 'no-cron-patterns' }, () => ({
          contents: "export function parseExpression() { throw new Error('titlewave makes no repeatable jobs: cron patterns are left out of its BullMQ bundle'); }\n",
          loader: 'js',
        }));
      },
    },
  ],
  legalComments: 'eof',
});
