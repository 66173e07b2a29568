#!/usr/bin/env node
// The Electron side of the build:
// - electron/main.ts -> dist/electron/main.js: ESM for Node. npm packages stay external (electron-builder ships
//   node_modules; sharp must stay a real package on disk, unpacked from the asar). The src/ modules it uses stay
//   external too: `../src/x.js` from dist/electron/ is tsc's dist/src/x.js, the very code the workers, the CLI and
//   browser mode run, loaded once, never a second bundled copy.
// - electron/preload.ts -> dist/electron/preload.cjs: ONE CommonJS file with everything in it but `electron`,
//   because a sandboxed preload cannot require anything else. Minified: it carries zod for the contract.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reviewedBanner } from './electronegativity-reviewed.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** electron/*.ts imports src/ as `../src/...js`; the same specifier from dist/electron/ names tsc's output. */
const srcStaysExternal = {
  name: 'src-stays-external',
  setup(builder) {
    builder.onResolve({ filter: /^\.\.\/src\// }, (args) => ({ path: args.path, external: true }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  // Electron 45 runs Node 22+ features (its own Node is 24) and Chromium 140.
  target: 'node22',
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  external: ['electron'],
};

await Promise.all([
  build({
    ...common,
    entryPoints: [join(root, 'electron/main.ts')],
    outfile: join(root, 'dist/electron/main.js'),
    format: 'esm',
    packages: 'external',
    plugins: [srcStaysExternal],
    // The electronegativity checks reviewed by hand (see scripts/electronegativity-reviewed.mjs).
    banner: { js: reviewedBanner },
  }),
  build({
    ...common,
    entryPoints: [join(root, 'electron/preload.ts')],
    outfile: join(root, 'dist/electron/preload.cjs'),
    format: 'cjs',
    minify: true,
  }),
]);
