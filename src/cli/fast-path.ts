/**
 * A plain `titlewave primes check N...` (operands only; negative numbers are operands too) runs without the argument
 * parser or any other engine: its whole-process time on a short list is one of the project's figures (issue 4).
 */
const isOperand = (arg: string): boolean => !arg.startsWith('-') || /^-\d/.test(arg);

export function isPlainPrimesCheck(argv: readonly string[]): boolean {
  return argv[0] === 'primes' && argv[1] === 'check' && argv.slice(2).every(isOperand);
}
