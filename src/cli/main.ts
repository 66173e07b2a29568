#!/usr/bin/env node
// The ES module CLI: dist/titlewave.cjs (the installed command) loads it for every command but a plain
// `primes check N...`. `titlewave primes|titles|thumbs ...` skip the full program, which loads every engine first: their
// whole-process times are among the project's figures. A plain `primes check N...` even skips the argument parser.
import { reportFailure, runPlainPrimesCheck } from './entry.js';

const argv = process.argv.slice(2);

async function run(): Promise<number> {
  if (await runPlainPrimesCheck(argv)) return typeof process.exitCode === 'number' ? process.exitCode : 0;
  // `titles` likewise: its whole-process wall time is in issue 2's figures.
  if (argv[0] === 'titles') return (await import('./titles.js')).titlesMain(argv);
  // `thumbs` too: the whole CLI run is in issue 5's figures.
  if (argv[0] === 'thumbs') return (await import('./thumbs.js')).thumbsMain(argv);
  const { main } = argv[0] === 'primes' ? await import('./primes.js').then((module) => ({ main: module.primesMain })) : await import('./program.js');
  return main(argv);
}

run().then((code) => {
  process.exitCode = code;
}, reportFailure);
