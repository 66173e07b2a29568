/**
 * Exact primality for integers of any size, pure and synchronous (usable in-process or in a worker).
 *
 * - Small-prime trial division first: it settles small numbers and finds cheap factors.
 * - Below 2^64: Miller-Rabin with base sets proven deterministic for the range (Jaeschke; Sinclair's seven bases
 *   for all n < 2^64). Numbers below 2^53 use exact double arithmetic (no BigInt), larger ones BigInt.
 * - From 2^64 up: Baillie-PSW (a strong base-2 test and a strong Lucas test with Selfridge's parameters). No
 *   counterexample is known, but none is proven impossible: such "prime" answers carry proven = false.
 *   Composite answers are always proofs.
 * - The smallest prime factor of a composite is reported when it is found within a time budget (FACTOR_SEARCH_MS):
 *   trial division (to 4096, and to 2^20 above 2^64), then Pollard-Brent rho and the full factorisation it needs to
 *   know which factor is the smallest. Below 2^64 that always succeeds in practice; above, factors up to about 10^10.
 */
import { gcdBig, gcdNumber, isqrtBig, jacobiBig, mulmodNumber, NUMBER_LIMIT, powmodBig, powmodNumber } from './arith.js';
import { parseInteger } from './integer.js';
import { FACTOR_SEARCH_MS } from './limits.js';
import type { PrimalityMethod, PrimeCheckRecord } from './types.js';

const TWO_64 = 1n << 64n;

/** Primes below 2^12, for trial division. */
export const SMALL_PRIMES: readonly number[] = primesBelow(4096);
const SMALL_PRIME_LIMIT = 4096;
/** Numbers below this are settled by trial division alone (no prime factor below 4096 means prime). */
const TRIAL_PROVES_BELOW = SMALL_PRIME_LIMIT * SMALL_PRIME_LIMIT;

function primesBelow(limit: number): number[] {
  const composite = new Uint8Array(limit);
  const primes: number[] = [];
  for (let i = 2; i < limit; i++) {
    if (composite[i]) continue;
    primes.push(i);
    for (let j = i * i; j < limit; j += i) composite[j] = 1;
  }
  return primes;
}

/** Small primes grouped so each group's product stays below 2^53: one BigInt remainder tests a whole group. */
let smallPrimeGroups: { product: bigint; primes: number[] }[] | null = null;

/** Built on first use: only numbers above 2^53 need them. */
function getSmallPrimeGroups(): { product: bigint; primes: number[] }[] {
  smallPrimeGroups ??= groupPrimes(SMALL_PRIMES);
  return smallPrimeGroups;
}

function groupPrimes(all: readonly number[]): { product: bigint; primes: number[] }[] {
  const groups: { product: bigint; primes: number[] }[] = [];
  let primes: number[] = [];
  let product = 1;
  for (const p of all) {
    if (product * p >= NUMBER_LIMIT) {
      groups.push({ product: BigInt(product), primes });
      primes = [];
      product = 1;
    }
    primes.push(p);
    product *= p;
  }
  if (primes.length) groups.push({ product: BigInt(product), primes });
  return groups;
}

export interface PrimalityResult {
  prime: boolean;
  /** Smallest prime factor of a composite, when found within the time allowed. */
  factor: bigint | null;
  method: PrimalityMethod;
  proven: boolean;
}

// ---------------------------------------------------------------- Miller-Rabin

/** Strong probable prime test to base a, on Numbers (odd n > 3, n < 2^53). */
function strongProbablePrimeNumber(n: number, a: number): boolean {
  const base = a % n;
  if (base === 0) return true;
  let d = n - 1;
  let s = 0;
  while (d % 2 === 0) {
    d /= 2;
    s++;
  }
  let x = powmodNumber(base, d, n);
  if (x === 1 || x === n - 1) return true;
  for (let r = 1; r < s; r++) {
    x = mulmodNumber(x, x, n);
    if (x === n - 1) return true;
  }
  return false;
}

export function strongProbablePrimeBig(n: bigint, a: bigint): boolean {
  const base = a % n;
  if (base === 0n) return true;
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  let x = powmodBig(base, d, n);
  if (x === 1n || x === n - 1n) return true;
  for (let r = 1; r < s; r++) {
    x = (x * x) % n;
    if (x === n - 1n) return true;
  }
  return false;
}

/** Base sets proven deterministic below their bound (odd n, no factor below 4096). */
const BASES_BELOW_4759123141 = [2, 7, 61];
const BASES_BELOW_3474749660383 = [2, 3, 5, 7, 11, 13];
/** Jim Sinclair's set: correct for every n < 2^64. */
const BASES_BELOW_2_64 = [2, 325, 9375, 28178, 450775, 9780504, 1795265022];

function millerRabinNumber(n: number): boolean {
  const bases = n < 4_759_123_141 ? BASES_BELOW_4759123141 : n < 3_474_749_660_383 ? BASES_BELOW_3474749660383 : BASES_BELOW_2_64;
  for (const a of bases) if (!strongProbablePrimeNumber(n, a)) return false;
  return true;
}

function millerRabinBig(n: bigint): boolean {
  for (const a of BASES_BELOW_2_64) if (!strongProbablePrimeBig(n, BigInt(a))) return false;
  return true;
}

// ---------------------------------------------------------------- Lucas (for Baillie-PSW)

/**
 * Strong Lucas probable prime test with Selfridge's method A (D = 5, -7, 9, -11, ... the first with (D/n) = -1;
 * P = 1, Q = (1 - D)/4). n odd, not a perfect square, no small factors.
 */
export function strongLucasProbablePrime(n: bigint): boolean {
  let D = 5n;
  for (;;) {
    const j = jacobiBig(D, n);
    if (j === -1) break;
    if (j === 0 && (D < 0n ? -D : D) !== n) return false; // shares a factor with D
    D = D > 0n ? -(D + 2n) : -D + 2n;
  }
  const P = 1n;
  const Q = (1n - D) / 4n;
  const mod = (x: bigint): bigint => {
    const r = x % n;
    return r < 0n ? r + n : r;
  };
  const half = (x: bigint): bigint => ((x & 1n) === 0n ? x >> 1n : (x + n) >> 1n);
  // n + 1 = d * 2^s, d odd
  let d = n + 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  // Binary ladder over d's bits, from the top: (U_k, V_k, Q^k) for k = 1 first.
  let U = 1n;
  let V = P;
  let Qk = mod(Q);
  const bits = d.toString(2);
  const Qm = mod(Q);
  const Dm = mod(D);
  for (let i = 1; i < bits.length; i++) {
    // k -> 2k
    U = (U * V) % n;
    V = mod(V * V - 2n * Qk);
    Qk = (Qk * Qk) % n;
    if (bits[i] === '1') {
      // k -> k + 1
      const U1 = half(mod(P * U + V));
      const V1 = half(mod(Dm * U + P * V));
      U = U1;
      V = V1;
      Qk = (Qk * Qm) % n;
    }
  }
  if (U === 0n || V === 0n) return true;
  for (let r = 1; r < s; r++) {
    V = mod(V * V - 2n * Qk);
    if (V === 0n) return true;
    Qk = (Qk * Qk) % n;
  }
  return false;
}

function bailliePSW(n: bigint): boolean {
  if (!strongProbablePrimeBig(n, 2n)) return false;
  const root = isqrtBig(n);
  if (root * root === n) return false;
  return strongLucasProbablePrime(n);
}

// ---------------------------------------------------------------- factors

/** Smallest prime factor below 4096, or 0 when there is none (n a Number). */
function trialDivideNumber(n: number): number {
  for (const p of SMALL_PRIMES) {
    if (p * p > n) return 0;
    if (n % p === 0) return p;
  }
  return 0;
}

/** Smallest prime factor below 4096 of n >= 2^53, or 0. */
function trialDivideBig(n: bigint): number {
  for (const group of getSmallPrimeGroups()) {
    const r = Number(n % group.product);
    for (const p of group.primes) if (r % p === 0) return p;
  }
  return 0;
}

/**
 * How long the search for a composite's smallest factor may compute (trial division past 4096, then Pollard-Brent
 * rho and the full factorisation it needs), in CPU milliseconds, before it gives up and reports no factor: in a
 * worker process, or in the CLI's own. Rho finds a factor p in about sqrt(p) steps: factors up to about 10^10 of
 * numbers of a few dozen digits in this time.
 */
export { FACTOR_SEARCH_MS };

/** Rho steps between two gcds. */
const RHO_BATCH = 128;
/** Batches between two looks at the clock on Numbers (a step there is a few nanoseconds; the clock a microsecond). */
const NUMBER_BATCHES_PER_LOOK = 16;

/**
 * The factor search's clock: this process's CPU time in milliseconds, so a machine busy with other work does not cut
 * the search short (it runs in a worker process, or the CLI's, which do nothing else meanwhile).
 */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Pollard-Brent rho on Numbers: a non-trivial factor of the odd composite n, or 0 when the deadline passes. */
function rhoNumber(n: number, deadline: number): number {
  let batches = 0;
  for (let c = 1; cpuMs() < deadline; c++) {
    let y = 2;
    let x = y;
    let g = 1;
    let q = 1;
    let ys = y;
    for (let r = 1; g === 1; r *= 2) {
      x = y;
      for (let i = 0; i < r; i++) y = (mulmodNumber(y, y, n) + c) % n;
      for (let k = 0; k < r && g === 1; k += RHO_BATCH) {
        if (++batches % NUMBER_BATCHES_PER_LOOK === 0 && cpuMs() >= deadline) return 0;
        ys = y;
        const m = Math.min(RHO_BATCH, r - k);
        for (let i = 0; i < m; i++) {
          y = (mulmodNumber(y, y, n) + c) % n;
          q = mulmodNumber(q, Math.abs(x - y), n);
        }
        g = gcdNumber(q, n);
      }
    }
    if (g === n) {
      // The batch overshot: walk it again one step at a time.
      do {
        ys = (mulmodNumber(ys, ys, n) + c) % n;
        g = gcdNumber(Math.abs(x - ys), n);
      } while (g === 1);
    }
    if (g !== n && g !== 1) return g;
  }
  return 0;
}

function rhoBig(n: bigint, deadline: number): bigint {
  for (let c = 1n; cpuMs() < deadline; c++) {
    let y = 2n;
    let x = y;
    let g = 1n;
    let q = 1n;
    let ys = y;
    for (let r = 1; g === 1n; r *= 2) {
      x = y;
      for (let i = 0; i < r; i++) y = (y * y + c) % n;
      for (let k = 0; k < r && g === 1n; k += RHO_BATCH) {
        if (cpuMs() >= deadline) return 0n;
        ys = y;
        const m = Math.min(RHO_BATCH, r - k);
        for (let i = 0; i < m; i++) {
          y = (y * y + c) % n;
          q = (q * (x > y ? x - y : y - x)) % n;
        }
        g = gcdBig(q, n);
      }
    }
    if (g === n) {
      do {
        ys = (ys * ys + c) % n;
        g = gcdBig(x > ys ? x - ys : ys - x, n);
      } while (g === 1n);
    }
    if (g !== n && g !== 1n) return g;
  }
  return 0n;
}

/**
 * Above 2^64, trial division goes on past 4096: always to 2^16 (about a millisecond), then to 2^20 while the factor
 * search has time (5 to 50 ms, by the number's size). A factor it finds is the smallest at once, where a factor rho
 * finds is known to be the smallest only once the whole number is split into primes.
 */
const ALWAYS_TRIAL_LIMIT = 1 << 16;
const EXTENDED_TRIAL_LIMIT = 1 << 20;
/** The primes from 4096 to 2^20, built on first use (a few milliseconds, not counted against a search's time). */
let extendedPrimes: Uint32Array | null = null;
let extendedPrimeGroups: { product: bigint; primes: number[] }[] | null = null;
/** Numbers of up to this many 32-bit limbs are divided limb by limb on doubles; bigger ones by BigInt groups. */
const MAX_LIMBS_ON_DOUBLES = 6;

function getExtendedPrimes(): Uint32Array {
  extendedPrimes ??= Uint32Array.from(primesBelow(EXTENDED_TRIAL_LIMIT).filter((p) => p >= SMALL_PRIME_LIMIT));
  return extendedPrimes;
}

/** n's 32-bit limbs, most significant first. */
function limbsOf(n: bigint): number[] {
  const limbs: number[] = [];
  for (let rest = n; rest > 0n; rest >>= 32n) limbs.push(Number(rest & 0xffffffffn));
  return limbs.reverse();
}

/** Smallest prime factor from 4096 up to 2^20 of n (which has none below 4096), or 0; past 2^16 only until `deadline`. */
function extendedTrialDivideBig(n: bigint, deadline: number): number {
  const primes = getExtendedPrimes();
  const limbs = limbsOf(n);
  if (limbs.length <= MAX_LIMBS_ON_DOUBLES) {
    // r < p < 2^20, so r * 2^32 + limb < 2^53: exact on doubles, and no BigInt per prime.
    for (let i = 0; i < primes.length; i++) {
      const p = primes[i] as number;
      if ((i & 1023) === 0 && p >= ALWAYS_TRIAL_LIMIT && cpuMs() >= deadline) return 0;
      let r = 0;
      for (const limb of limbs) r = (r * 4294967296 + limb) % p;
      if (r === 0) return p;
    }
    return 0;
  }
  extendedPrimeGroups ??= groupPrimes(Array.from(primes));
  for (let i = 0; i < extendedPrimeGroups.length; i++) {
    const group = extendedPrimeGroups[i] as { product: bigint; primes: number[] };
    if (i % 256 === 0 && (group.primes[0] as number) >= ALWAYS_TRIAL_LIMIT && cpuMs() >= deadline) return 0;
    const r = Number(n % group.product);
    for (const p of group.primes) if (r % p === 0) return p;
  }
  return 0;
}

/**
 * The smallest prime factor of the composite n with no factor below 4096, by splitting it into primes with rho until
 * `deadline`; null when a composite part is left unsplit (its factors could be smaller than any found).
 */
function smallestFactorByRho(n: bigint, deadline: number): bigint | null {
  const pending: bigint[] = [n];
  let smallest: bigint | null = null;
  while (pending.length) {
    const m = pending.pop() as bigint;
    // Parts have no factor below 4096: Miller-Rabin decides below 2^64, Baillie-PSW above.
    if (m < TWO_64 ? isPrimeBelow2to64(m) : bailliePSW(m)) {
      if (smallest === null || m < smallest) smallest = m;
      continue;
    }
    const root = isqrtBig(m);
    let divisor: bigint;
    if (root * root === m) divisor = root;
    else if (m < BigInt(NUMBER_LIMIT)) {
      const found = rhoNumber(Number(m), deadline);
      if (found === 0) return null;
      divisor = BigInt(found);
    } else {
      divisor = rhoBig(m, deadline);
      if (divisor === 0n) return null;
    }
    pending.push(divisor, m / divisor);
  }
  return smallest;
}

// ---------------------------------------------------------------- public

function isPrimeBelow2to64(n: bigint): boolean {
  if (n < BigInt(NUMBER_LIMIT)) return isPrimeNumber(Number(n));
  if (trialDivideBig(n) !== 0) return false;
  return millerRabinBig(n);
}

function isPrimeNumber(n: number): boolean {
  if (n < 2) return false;
  if (n < 4) return true;
  const p = trialDivideNumber(n);
  if (p !== 0) return p === n;
  if (n < TRIAL_PROVES_BELOW) return true;
  return millerRabinNumber(n);
}

/** Is n prime? Exact below 2^64; Baillie-PSW (no known counterexample) above. */
export function isPrime(n: bigint | number): boolean {
  return testPrimality(n).prime;
}

export interface PrimalityOptions {
  /**
   * Milliseconds the search for a composite's smallest factor may take past trial division (default
   * FACTOR_SEARCH_MS); 0 tries trial division only.
   */
  factorMs?: number;
}

/**
 * Primality with the method used, whether it is proven, and for composites the smallest prime factor when it is
 * found within the time allowed (`factorMs`). 0 and 1 are neither prime nor composite: prime false, factor null.
 */
export function testPrimality(value: bigint | number, options: PrimalityOptions = {}): PrimalityResult {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`Not a safe integer: ${value}`);
    value = BigInt(value);
  }
  const n = value;
  if (n < 0n) throw new RangeError('Primality of a negative number');
  if (n < 2n) return { prime: false, factor: null, method: 'trivial', proven: true };
  if (n < 4n) return { prime: true, factor: null, method: 'trivial', proven: true };
  const deadline = () => cpuMs() + (options.factorMs ?? FACTOR_SEARCH_MS);
  if (n < BigInt(NUMBER_LIMIT)) {
    const m = Number(n);
    const p = trialDivideNumber(m);
    if (p !== 0) return p === m ? prime('trial-division', true) : composite(BigInt(p), 'trial-division');
    if (m < TRIAL_PROVES_BELOW) return prime('trial-division', true);
    if (millerRabinNumber(m)) return prime('miller-rabin-deterministic', true);
    return composite(smallestFactorByRho(n, deadline()), 'miller-rabin-deterministic');
  }
  const p = trialDivideBig(n);
  if (p !== 0) return composite(BigInt(p), 'trial-division');
  if (n < TWO_64) {
    if (millerRabinBig(n)) return prime('miller-rabin-deterministic', true);
    return composite(smallestFactorByRho(n, deadline()), 'miller-rabin-deterministic');
  }
  if (bailliePSW(n)) return prime('baillie-psw', false);
  // Composite for certain: now look for its smallest factor, by trial division up to 2^20 and then rho.
  getExtendedPrimes();
  const searchEnd = deadline();
  const q = extendedTrialDivideBig(n, searchEnd);
  if (q !== 0) return composite(BigInt(q), 'baillie-psw');
  return composite(smallestFactorByRho(n, searchEnd), 'baillie-psw');
}

function prime(method: PrimalityMethod, proven: boolean): PrimalityResult {
  return { prime: true, factor: null, method, proven };
}

function composite(factor: bigint | null, method: PrimalityMethod): PrimalityResult {
  return { prime: false, factor, method, proven: true };
}

/**
 * One record for one input token: the number's verdict, or an error record for a token that is not one. `factorMs`:
 * the time a composite's factor search may take (testPrimality).
 */
export function checkToken(token: string, index: number, factorMs: number = FACTOR_SEARCH_MS): PrimeCheckRecord {
  const parsed = parseInteger(token);
  if (!parsed.ok) {
    return { index, n: token, prime: null, factor: null, method: null, proven: null, error: { code: parsed.code, message: parsed.message } };
  }
  const result = testPrimality(parsed.value, { factorMs });
  return {
    index,
    n: parsed.decimal,
    prime: result.prime,
    factor: result.factor === null ? null : result.factor.toString(),
    method: result.method,
    proven: result.proven,
    error: null,
  };
}
