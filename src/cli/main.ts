#!/usr/bin/env node
// `titlewave primes ...` runs a program of the primes command alone: the full program loads every engine first,
// and the whole-process time of `primes check` on a short list is one of the project's figures (issue 4).
const argv = process.argv.slice(2);
const { main } = argv[0] === 'primes' ? await import('./primes.js').then((module) => ({ main: module.primesMain })) : await import('./program.js');

main(argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`titlewave: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
