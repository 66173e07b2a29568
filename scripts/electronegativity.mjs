#!/usr/bin/env node
// Electronegativity (Doyensec's Electron security scanner) over the BUILT app, offline; fails on any high or medium
// finding. `npm run electronegativity` (after `npm run build`). `--root DIR` scans another checkout's dist/.
//
// What it scans: dist/electron/main.js, the preload (copied as preload.js: the scanner reads only .js/.ts/.html)
// and the renderer's built index.html (where the page's CSP meta tag is; the same policy is also a response header).
// The report goes to dist/electronegativity/report.csv; a summary is printed.
//
// Two things differ from its CLI, which cannot run here: its `commander` import resolves to this project's
// commander 14 (the CLI was written for commander 2), and it fetches translations and Electron's release list from
// the network. So the runner is called directly, with its English messages loaded from the package, and the one
// check that needs the network (AVAILABLE_SECURITY_FIXES_GLOBAL_CHECK: "is there a newer 45.x with security
// fixes?") is left out; docs/RELEASE.md has that step, done with internet before a release.
//
// main.js opts out of the checks listed in scripts/electronegativity-reviewed.mjs (each reviewed by hand); this
// script fails if main.js opts out of anything else, or uses a reviewed API more often than was reviewed.
import { copyFile, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { reviewedBanner, reviewedChecks } from './electronegativity-reviewed.mjs';

const { values: options } = parseArgs({ options: { root: { type: 'string' } } });
const root = resolve(options.root ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
const outDir = join(root, 'dist', 'electronegativity');
const inputDir = join(outDir, 'input');
const reportPath = join(outDir, 'report.csv');
const ELECTRON_VERSION = '45.5.0';
const OFFLINE_EXCLUDED = ['AvailableSecurityFixesGlobalCheck'];

const sources = [
  { from: join(root, 'dist', 'electron', 'main.js'), to: 'main.js' },
  { from: join(root, 'dist', 'electron', 'preload.cjs'), to: 'preload.js' },
  { from: join(root, 'dist', 'renderer', 'index.html'), to: 'index.html' },
];

function fail(message, code = 1) {
  console.error(`electronegativity: ${message}`);
  process.exit(code);
}

for (const { from } of sources) {
  try {
    await stat(from);
  } catch {
    fail(`${relative(root, from)} is missing; run \`npm run build\` first.`, 2);
  }
}

const mainSource = await readFile(sources[0].from, 'utf8');
const firstLine = mainSource.slice(0, mainSource.indexOf('\n'));
if (/eng-disable/.test(firstLine) && firstLine.trim() !== reviewedBanner) {
  fail(`main.js opts out of checks nobody reviewed: "${firstLine.trim()}" (reviewed: "${reviewedBanner}").`);
}
if (/eng-disable/.test(mainSource.slice(firstLine.length))) fail('main.js has an eng-disable note past its first line; only the reviewed banner is allowed.');
// Its window checks know a window by `new BrowserWindow(...)`; when two modules import BrowserWindow, esbuild renames
// one (`BrowserWindow2`) and that window's settings would go unchecked without a word.
const renamedWindows = mainSource.match(/\bnew\s+BrowserWindow\d+\s*\(/g)?.length ?? 0;
if (renamedWindows > 0) {
  fail(`main.js constructs ${renamedWindows} window(s) under a renamed BrowserWindow, which the scanner cannot see: import BrowserWindow in one module (electron/window.ts).`);
}
for (const check of reviewedChecks) {
  const uses = mainSource.match(check.pattern)?.length ?? 0;
  if (uses !== check.uses) {
    fail(`main.js has ${uses} use(s) for ${check.id}; ${check.uses} reviewed. Review the change and update scripts/electronegativity-reviewed.mjs.`);
  }
}

await rm(outDir, { recursive: true, force: true });
await mkdir(inputDir, { recursive: true });
for (const { from, to } of sources) await copyFile(from, join(inputDir, to));

// Its messages, from the package itself (no network): the runner's own i18n step is replaced by this one.
const require = createRequire(import.meta.url);
const packageDir = dirname(require.resolve('@doyensec/electronegativity/package.json'));
const i18n = require('i18n');
i18n.configure({
  locales: ['en-US'],
  defaultLocale: 'en-US',
  directory: join(packageDir, 'dist', 'locales'),
  updateFiles: false,
  objectNotation: true,
  retryInDefaultLocale: true,
  register: globalThis,
});
i18n.setLocale('en-US');
const i18nModule = require.resolve(join(packageDir, 'dist', 'locales', 'i18n.js'));
require.cache[i18nModule] = { id: i18nModule, filename: i18nModule, loaded: true, exports: async () => undefined };

const run = require(join(packageDir, 'dist', 'runner.js'));
const result = await run({
  input: inputDir,
  output: reportPath,
  isSarif: false,
  customScan: [],
  excludeFromScan: OFFLINE_EXCLUDED.map((check) => check.toLowerCase()),
  severitySet: 'informational',
  confidenceSet: 'tentative',
  isRelative: true,
  isVerbose: true,
  electronUpgrade: undefined,
  electronVersionOverride: ELECTRON_VERSION,
  parserPlugins: [],
});

const blocking = result.issues.filter((issue) => issue.severity.name === 'HIGH' || issue.severity.name === 'MEDIUM');
const counts = {};
for (const issue of result.issues) counts[issue.severity.name] = (counts[issue.severity.name] ?? 0) + 1;
console.log(`electronegativity ${require(join(packageDir, 'package.json')).version}: ${result.atomicChecks} atomic + ${result.globalChecks} global checks over ${sources.map((source) => source.to).join(', ')} (Electron ${ELECTRON_VERSION})`);
console.log(`reviewed by hand: ${reviewedChecks.map((check) => check.id).join(', ')}; findings: ${Object.entries(counts).map(([severity, count]) => `${count} ${severity.toLowerCase()}`).join(', ') || 'none'}; report: ${relative(root, reportPath)}`);
for (const issue of result.issues) {
  console.log(`  ${issue.severity.name.padEnd(13)} ${issue.confidence.name.padEnd(9)} ${issue.id}  ${issue.file}:${issue.location.line}:${issue.location.column}`);
}
for (const error of result.errors) console.log(`  ${error.tolerable ? 'warning' : 'PARSE ERROR'}: ${error.file}: ${error.message}`);
const parseFailures = result.errors.filter((error) => !error.tolerable);
if (blocking.length > 0 || parseFailures.length > 0) fail(`${blocking.length} high/medium finding(s), ${parseFailures.length} file(s) not parsed: failing.`);
console.log('electronegativity: no high or medium findings.');
