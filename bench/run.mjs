#!/usr/bin/env node
// Runs the benchmarks side by side with their peers and prints the ratios.
// Usage: npm run bench [-- area...]   (areas: titles, primes, thumbs, app, cluster, render, listmode; default: all)
// Each bench/<area>.mjs default-exports `async (log) => Row[]`, where a Row is
// { name, ours, peer, unit, ratio, target, pass, note }; `ratio` is ours/peer (lower is better) unless the row says otherwise.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const all = ['titles', 'primes', 'thumbs', 'app', 'cluster', 'render', 'listmode'];
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const areas = wanted.length ? wanted : all;

if (!existsSync(join(here, '..', 'dist', 'titlewave.cjs'))) {
  console.error('bench: build first (npm run build)');
  process.exit(2);
}

const log = (...args) => console.error('  ', ...args);
const rows = [];
for (const area of areas) {
  const file = join(here, `${area}.mjs`);
  if (!existsSync(file)) {
    console.error(`bench: no benchmark named ${area}`);
    process.exit(2);
  }
  console.error(`== ${area}`);
  const { default: run } = await import(file);
  for (const row of await run(log)) rows.push({ area, ...row });
}

const fmt = (v, unit) => (v == null ? '-' : `${typeof v === 'number' ? +v.toFixed(v < 10 ? 3 : 1) : v}${unit ? ' ' + unit : ''}`);
const table = rows.map((r) => ({
  area: r.area,
  benchmark: r.name,
  titlewave: fmt(r.ours, r.unit),
  peer: fmt(r.peer, r.unit),
  ratio: r.ratio == null ? '-' : `${r.ratio.toFixed(3)}x`,
  target: r.target ?? '-',
  result: r.pass == null ? '-' : r.pass ? 'PASS' : 'FAIL',
  note: r.note ?? '',
}));
console.log();
console.table(table);
process.exitCode = rows.some((r) => r.pass === false) ? 1 : 0;
