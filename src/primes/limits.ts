/**
 * The primes limits the engine, the services and the renderer all enforce, defined once. Browser-safe (no Node
 * imports): the renderer imports this module too, so its checks cannot drift from the engine's.
 */

/** Largest range bound, as a power of ten: sieving primes up to sqrt(1e17) < 3.2e8 fit in Uint32 and every offset stays exact. */
const MAX_SIEVE_BOUND_EXPONENT = 17;

/** Largest supported range bound (inclusive). */
export const MAX_SIEVE_BOUND: bigint = 10n ** BigInt(MAX_SIEVE_BOUND_EXPONENT);

/** MAX_SIEVE_BOUND as people write it ("1e17"), for messages and help. */
export const MAX_SIEVE_BOUND_TEXT = `1e${MAX_SIEVE_BOUND_EXPONENT}`;

/** List mode sends a window (the UI) at most this many primes per job; an output file gets all of them. */
export const PRIMES_TO_UI = 10_000;

/**
 * CPU milliseconds a composite's smallest-factor search may take in a worker (or the CLI) before it gives up and
 * reports no factor (primality.ts); the app says so in words.
 */
export const FACTOR_SEARCH_MS = 200;

/**
 * Numbers with more digits than this are refused (TOO_LARGE): a Baillie-PSW test grows with about the cube of the
 * size (a 2000-digit prime takes about 0.75 s here, 3000 digits 1.6 s).
 */
export const MAX_CHECK_DIGITS = 2000;
