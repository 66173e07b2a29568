/**
 * Exact primality for integers of any size, pure and synchronous (usable in-process or in a worker).
 *
 * - Small-prime trial division first: it settles small numbers and finds cheap factors.
 * - Below 2^64: Miller-Rabin with base sets proven deterministic for the range (Jaeschke; Sinclair's seven bases
 *   for all n < 2^64). Numbers below 2^53 use exact double arithmetic (no BigInt), larger ones BigInt.
 * - From 2^64 up: Baillie-PSW (a strong base-2 test and a strong Lucas test with Selfridge's parameters). No
 *   counterexample is known, but none is proven impossible: such "prime" answers carry proven = false.
 *   Composite answers are always proofs.
 * - The smallest prime factor of a composite is reported when it is cheap: always below 2^64 (trial division then
 *   Pollard-Brent rho and full factorisation within a budget); above 2^64 when trial division finds it, or when n is
 *   the square of a number whose smallest factor is cheap.
 */
import { gcdBig, gcdNumber, isqrtBig, jacobiBig, mulmodNumber, NUMBER_LIMIT, powmodBig, powmodNumber } from './arith.js';
import { parseInteger } from './integer.js';
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
  smallPrimeGroups ??= groupSmallPrimes();
  return smallPrimeGroups;
}

function groupSmallPrimes(): { product: bigint; primes: number[] }[] {
  const groups: { product: bigint; primes: number[] }[] = [];
  let primes: number[] = [];
  let product = 1;
  for (const p of SMALL_PRIMES) {
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
  /** Smallest prime factor of a composite, when found cheaply. */
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

/** Pollard-Brent rho on Numbers: a non-trivial factor of the odd composite n, or 0 when the budget runs out. */
function rhoNumber(n: number, budget: number): number {
  for (let c = 1; c < 20 && budget > 0; c++) {
    let y = 2;
    let x = y;
    let g = 1;
    let q = 1;
    let ys = y;
    const step = 128;
    for (let r = 1; g === 1 && budget > 0; r *= 2) {
      x = y;
      for (let i = 0; i < r; i++) y = (mulmodNumber(y, y, n) + c) % n;
      for (let k = 0; k < r && g === 1; k += step) {
        ys = y;
        const m = Math.min(step, r - k);
        for (let i = 0; i < m; i++) {
          y = (mulmodNumber(y, y, n) + c) % n;
          q = mulmodNumber(q, Math.abs(x - y), n);
        }
        budget -= m;
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

function rhoBig(n: bigint, budget: number): bigint {
  for (let c = 1n; c < 20n && budget > 0; c++) {
    let y = 2n;
    let x = y;
    let g = 1n;
    let q = 1n;
    let ys = y;
    const step = 128;
    for (let r = 1; g === 1n && budget > 0; r *= 2) {
      x = y;
      for (let i = 0; i < r; i++) y = (y * y + c) % n;
      for (let k = 0; k < r && g === 1n; k += step) {
        ys = y;
        const m = Math.min(step, r - k);
        for (let i = 0; i < m; i++) {
          y = (y * y + c) % n;
          q = (q * (x > y ? x - y : y - x)) % n;
        }
        budget -= m;
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

/** Rho iterations allowed per composite: a few ms on Numbers, a few tens of ms on BigInt (2^53..2^64). */
const RHO_BUDGET_NUMBER = 1 << 20;
const RHO_BUDGET_BIG = 1 << 16;

/** Smallest prime factor of the composite n < 2^64 with no factor below 4096, or null when not found within budget. */
function smallestFactorBelow2to64(n: bigint): bigint | null {
  const pending: bigint[] = [n];
  let smallest: bigint | null = null;
  while (pending.length) {
    const m = pending.pop() as bigint;
    if (isPrimeBelow2to64(m)) {
      if (smallest === null || m < smallest) smallest = m;
      continue;
    }
    const root = isqrtBig(m);
    let divisor: bigint;
    if (root * root === m) divisor = root;
    else if (m < BigInt(NUMBER_LIMIT)) {
      const found = rhoNumber(Number(m), RHO_BUDGET_NUMBER);
      if (found === 0) return null;
      divisor = BigInt(found);
    } else {
      divisor = rhoBig(m, RHO_BUDGET_BIG);
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

/** Primality with the method used, whether it is proven, and for composites the smallest prime factor when cheap. */
export function testPrimality(value: bigint | number): PrimalityResult {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`Not a safe integer: ${value}`);
    value = BigInt(value);
  }
  const n = value;
  if (n < 0n) throw new RangeError('Primality of a negative number');
  if (n < 2n) return { prime: false, factor: null, method: 'trivial', proven: true };
  if (n < 4n) return { prime: true, factor: null, method: 'trivial', proven: true };
  if (n < BigInt(NUMBER_LIMIT)) {
    const m = Number(n);
    const p = trialDivideNumber(m);
    if (p !== 0) return p === m ? prime('trial-division', true) : composite(BigInt(p), 'trial-division');
    if (m < TRIAL_PROVES_BELOW) return prime('trial-division', true);
    if (millerRabinNumber(m)) return prime('miller-rabin-deterministic', true);
    return composite(smallestFactorBelow2to64(n), 'miller-rabin-deterministic');
  }
  const p = trialDivideBig(n);
  if (p !== 0) return composite(BigInt(p), 'trial-division');
  if (n < TWO_64) {
    if (millerRabinBig(n)) return prime('miller-rabin-deterministic', true);
    return composite(smallestFactorBelow2to64(n), 'miller-rabin-deterministic');
  }
  if (bailliePSW(n)) return prime('baillie-psw', false);
  // A perfect square's smallest factor is its root's: cheap to find when the root's is.
  const root = isqrtBig(n);
  return composite(root * root === n ? smallestPrimeFactorOf(root) : null, 'baillie-psw');
}

function smallestPrimeFactorOf(n: bigint): bigint | null {
  const result = testPrimality(n);
  return result.prime ? n : result.factor;
}

function prime(method: PrimalityMethod, proven: boolean): PrimalityResult {
  return { prime: true, factor: null, method, proven };
}

function composite(factor: bigint | null, method: PrimalityMethod): PrimalityResult {
  return { prime: false, factor, method, proven: true };
}

/** One record for one input token: the number's verdict, or an error record for a token that is not one. */
export function checkToken(token: string, index: number): PrimeCheckRecord {
  const parsed = parseInteger(token);
  if (!parsed.ok) {
    return { index, n: token, prime: null, factor: null, method: null, proven: null, error: { code: parsed.code, message: parsed.message } };
  }
  const result = testPrimality(parsed.value);
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
