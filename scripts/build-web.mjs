#!/usr/bin/env node
// Browser mode's bridge: src/server/client/bridge.ts -> dist/web/bridge.js, one classic (IIFE) script that the
// server injects before the renderer's module script.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

await build({
  entryPoints: [join(root, 'src/server/client/bridge.ts')],
  outfile: join(root, 'dist/web/bridge.js'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});
