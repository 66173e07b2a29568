#!/usr/bin/env node
// `titlewave primes ...` skips the full program, which loads every engine first: the whole-process time of
// `primes check` on a short list is one of the project's figures (issue 4). A plain `primes check N...` (operands
// only; negative numbers are operands too) even skips the argument parser.
const argv = process.argv.slice(2);
const isOperand = (arg: string): boolean => !arg.startsWith('-') || /^-\d/.test(arg);

async function run(): Promise<number> {
  if (argv[0] === 'primes' && argv[1] === 'check' && argv.slice(2).every(isOperand)) {
    const { runCheck } = await import('./primes-run.js');
    await runCheck(argv.slice(2), undefined);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  }
  // `titles` likewise: its whole-process wall time is in issue 2's figures.
  if (argv[0] === 'titles') return (await import('./titles.js')).titlesMain(argv);
  // `thumbs` too: the whole CLI run is in issue 5's figures.
  if (argv[0] === 'thumbs') return (await import('./thumbs.js')).thumbsMain(argv);
  const { main } = argv[0] === 'primes' ? await import('./primes.js').then((module) => ({ main: module.primesMain })) : await import('./program.js');
  return main(argv);
}

run().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`titlewave: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
