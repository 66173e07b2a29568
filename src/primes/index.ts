/**
 * The primes engine's Node-side API, used by the services and the CLI: check a list of numbers, count or list the
 * primes of a range. Heavy work runs on the worker pool; a short list is checked right here (starting worker
 * processes would cost more than the whole check).
 */
export { checkPrimes, estimateCheckCost, IN_PROCESS_MS, parseNumberList, type CheckOptions } from './check.js';
export { assertOutputWritable, assertRoomForList, NoSpaceError, OutputExistsError, parseBound, primeRange, PrimesInputError, removeStaleTemporaries, type RangeOptions } from './range.js';
export { describeNoSpace, estimateListBytes, estimatePrimeCount, formatByteSize, parseNoSpace } from './estimate.js';
export { checkToken, isPrime, testPrimality } from './primality.js';
export { MAX_CHECK_DIGITS, parseInteger } from './integer.js';
export { MAX_SIEVE_BOUND, MAX_SIEVE_BOUND_TEXT, PRIMES_TO_UI } from './limits.js';
