import { describe, expect, it } from 'vitest';
import { mulmodNumber, powmodBig, powmodNumber } from '../../src/primes/arith.js';
import { parseInteger } from '../../src/primes/integer.js';
import { checkToken, isPrime, strongLucasProbablePrime, strongProbablePrimeBig, testPrimality } from '../../src/primes/primality.js';

/** A seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sieveUpTo(limit: number): Uint8Array {
  const isPrimeTable = new Uint8Array(limit + 1).fill(1);
  isPrimeTable[0] = 0;
  isPrimeTable[1] = 0;
  for (let i = 2; i * i <= limit; i++) if (isPrimeTable[i]) for (let j = i * i; j <= limit; j += i) isPrimeTable[j] = 0;
  return isPrimeTable;
}

describe('exact modular arithmetic on Numbers', () => {
  it('mulmod agrees with BigInt for random operands, including moduli next to 2^53 and 2^51', () => {
    const next = random(1);
    const moduli = [2 ** 53 - 1, 2 ** 53 - 111, 2 ** 52 + 1, 2 ** 52 - 1, 2 ** 51 + 3, 2 ** 51 - 1, 2 ** 40 + 15, 1e15 + 37, 4294967311, 65537, 3];
    for (let i = 0; i < 20; i++) moduli.push(Math.floor(next() * 2 ** 53) || 7);
    for (const m of moduli) {
      const M = BigInt(m);
      const edges = [0, 1, 2, m - 1, m - 2, Math.floor(m / 2), Math.floor(m / 3)].filter((x) => x >= 0 && x < m);
      for (let i = 0; i < 400; i++) {
        const a = i < edges.length ** 2 ? (edges[i % edges.length] as number) : Math.floor(next() * m);
        const b = i < edges.length ** 2 ? (edges[Math.floor(i / edges.length)] as number) : Math.floor(next() * m);
        expect(mulmodNumber(a, b, m)).toBe(Number((BigInt(a) * BigInt(b)) % M));
      }
    }
  });

  it('powmod agrees with BigInt', () => {
    const next = random(2);
    for (let i = 0; i < 300; i++) {
      const m = Math.floor(next() * 2 ** 53) + 2;
      const base = Math.floor(next() * m);
      const exponent = Math.floor(next() * 2 ** 53);
      expect(powmodNumber(base, exponent, m)).toBe(Number(powmodBig(BigInt(base), BigInt(exponent), BigInt(m))));
    }
  });
});

describe('primality', () => {
  it('agrees with a sieve for every n below 200000', () => {
    const table = sieveUpTo(200_000);
    const wrong: number[] = [];
    for (let n = 0; n <= 200_000; n++) if (isPrime(n) !== (table[n] === 1)) wrong.push(n);
    expect(wrong).toEqual([]);
  });

  it('small cases: 0, 1, 2, 3, 4 and how they are decided', () => {
    expect(testPrimality(0)).toEqual({ prime: false, factor: null, method: 'trivial', proven: true });
    expect(testPrimality(1)).toEqual({ prime: false, factor: null, method: 'trivial', proven: true });
    expect(testPrimality(2)).toEqual({ prime: true, factor: null, method: 'trivial', proven: true });
    expect(testPrimality(3)).toMatchObject({ prime: true, method: 'trivial' });
    expect(testPrimality(4)).toEqual({ prime: false, factor: 2n, method: 'trial-division', proven: true });
  });

  it('catches strong pseudoprimes to base 2 and to the first prime bases, and Carmichael numbers', () => {
    const composites = [
      2047n, 3277n, 4033n, 4681n, 8321n, // strong pseudoprimes base 2
      3215031751n, // spsp to 2, 3, 5, 7
      4759123141n, // spsp to 2, 7, 61: just past that base set
      2152302898747n, // spsp to 2..11
      3474749660383n, // spsp to 2..13
      341550071728321n, // spsp to 2..17
      3825123056546413051n, // spsp to 2..23 (below 2^64)
      318665857834031151167461n, // spsp to every prime base up to 37
      3317044064679887385961981n, // spsp to every prime base up to 41
      561n, 1105n, 1729n, 2465n, 2821n, 6601n, 8911n, 41041n, 825265n, 321197185n, 5394826801n, 232250619601n, 9746347772161n, // Carmichael
    ];
    for (const n of composites) {
      const result = testPrimality(n);
      expect(result.prime, String(n)).toBe(false);
      expect(result.proven).toBe(true);
      if (result.factor !== null) {
        expect(n % result.factor).toBe(0n);
        expect(isPrime(result.factor)).toBe(true);
      }
    }
    // The traps really are strong pseudoprimes to those bases (so the tests above are not vacuous).
    for (const base of [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n]) {
      expect(strongProbablePrimeBig(318665857834031151167461n, base)).toBe(true);
      expect(strongProbablePrimeBig(3317044064679887385961981n, base)).toBe(true);
    }
    expect(strongProbablePrimeBig(3317044064679887385961981n, 41n)).toBe(true);
    expect(testPrimality(3317044064679887385961981n).method).toBe('baillie-psw');
    expect(testPrimality(3825123056546413051n)).toMatchObject({ method: 'miller-rabin-deterministic', factor: 149491n });
  });

  it('the strong Lucas test passes primes, fails composites, and has exactly the known strong Lucas pseudoprimes', () => {
    // OEIS A217255: strong Lucas pseudoprimes (Selfridge's parameters) below 60000.
    const known = [5459, 5777, 10877, 16109, 18971, 22499, 24569, 25199, 40309, 58519];
    const table = sieveUpTo(60_000);
    const found: number[] = [];
    for (let n = 5; n < 60_000; n += 2) {
      const root = Math.round(Math.sqrt(n));
      if (root * root === n) continue;
      const lucas = strongLucasProbablePrime(BigInt(n));
      if (table[n]) expect(lucas, String(n)).toBe(true);
      else if (lucas) found.push(n);
    }
    expect(found).toEqual(known);
  });

  it('Mersenne numbers: 2^61-1, 2^89-1, 2^107-1, 2^127-1, 2^521-1 prime; 2^67-1 and 2^11-1 composite', () => {
    expect(testPrimality((1n << 61n) - 1n)).toEqual({ prime: true, factor: null, method: 'miller-rabin-deterministic', proven: true });
    for (const p of [89n, 107n, 127n, 521n, 607n]) {
      expect(testPrimality((1n << p) - 1n)).toEqual({ prime: true, factor: null, method: 'baillie-psw', proven: false });
    }
    expect(testPrimality((1n << 67n) - 1n)).toMatchObject({ prime: false, proven: true });
    expect(testPrimality((1n << 11n) - 1n)).toMatchObject({ prime: false, factor: 23n });
    expect(testPrimality((1n << 59n) - 1n)).toMatchObject({ prime: false, factor: 179951n });
  });

  it('squares of primes, with their root as the factor', () => {
    for (const p of [4099n, 65521n, 94906249n, 94906247n, 4294967291n, (1n << 61n) - 1n, (1n << 89n) - 1n]) {
      expect(testPrimality(p * p), String(p)).toMatchObject({ prime: false, factor: p, proven: true });
    }
  });

  it('finds the smallest prime factor of composites below 2^64, even with no small factor', () => {
    const cases: [bigint, bigint][] = [
      [67108859n * 67108837n, 67108837n],
      [4294967291n * 4294967279n, 4294967279n],
      [1000003n * 1000033n * 1000037n, 1000003n],
      [4099n * 4099n * 4099n * 4099n * 4099n, 4099n],
      [1099726899285419n, 3306091n],
    ];
    for (const [n, factor] of cases) expect(testPrimality(n).factor, String(n)).toBe(factor);
  });

  it('random cross-check against BigInt Miller-Rabin below 2^64, with verified smallest factors', () => {
    const next = random(3);
    const smallPrimes = [...sieveUpTo(100_000).entries()].filter(([, v]) => v).map(([i]) => BigInt(i));
    for (let i = 0; i < 1500; i++) {
      const bits = 20 + Math.floor(next() * 44);
      let n = 0n;
      for (let b = 0; b < bits; b += 16) n = (n << 16n) | BigInt(Math.floor(next() * 65536));
      n = (n % (1n << BigInt(bits))) | 1n;
      if (n < 5n) continue;
      const reference = [2n, 325n, 9375n, 28178n, 450775n, 9780504n, 1795265022n].every((a) => strongProbablePrimeBig(n, a));
      const result = testPrimality(n, { factorMs: 60_000 });
      expect(result.prime, String(n)).toBe(reference);
      if (!result.prime) {
        expect(result.factor, String(n)).not.toBeNull();
        const factor = result.factor as bigint;
        expect(n % factor).toBe(0n);
        expect(isPrime(factor)).toBe(true);
        const smallerDivisor = smallPrimes.find((p) => p < factor && n % p === 0n);
        expect(smallerDivisor, String(n)).toBeUndefined();
      }
    }
  });

  it('finds the smallest factor above 2^64: by trial division past 4096 (2^64 + 1 = 274177 x 67280421310721), then by rho', () => {
    expect(testPrimality((1n << 64n) + 1n)).toEqual({ prime: false, factor: 274177n, method: 'baillie-psw', proven: true });
    const m89 = (1n << 89n) - 1n;
    const m61 = (1n << 61n) - 1n;
    // Trial division to 2^16 is not bounded by the search's time (it is cheap); past it, it is.
    expect(testPrimality(65521n * m89, { factorMs: 0 }).factor).toBe(65521n);
    expect(testPrimality(274177n * m89, { factorMs: 60_000 }).factor).toBe(274177n);
    // Factors past 2^16: rho finds one, and the whole number is split into primes to know which is the smallest.
    // (A generous time here: the test is about the answer, not the speed.)
    expect(testPrimality(15485863n * m89, { factorMs: 60_000 }).factor).toBe(15485863n);
    expect(testPrimality(32452843n * 15485863n * m61 * 32452843n, { factorMs: 60_000 }).factor).toBe(15485863n);
    expect(testPrimality(m89 * m89 * 1000003n, { factorMs: 60_000 }).factor).toBe(1000003n);
    expect(testPrimality(m89 * m89).factor).toBe(m89);
    // Without the time for rho, no factor past 2^16 is claimed.
    expect(testPrimality(274177n * m89, { factorMs: 0 })).toEqual({ prime: false, factor: null, method: 'baillie-psw', proven: true });
    // Two factors near 2^61 and 2^89: rho would need about 2^30 steps; the search gives up rather than run on.
    expect(testPrimality(m61 * m89)).toEqual({ prime: false, factor: null, method: 'baillie-psw', proven: true });
  });

  it('Baillie-PSW above 2^64 agrees with products of known primes and with known primes', () => {
    const primes = [(1n << 89n) - 1n, 18446744073709551629n /* next prime after 2^64 */, 170141183460469231731687303715884105727n];
    for (const p of primes) expect(isPrime(p)).toBe(true);
    expect(testPrimality(18446744073709551629n).proven).toBe(false);
    for (const [a, b] of [[18446744073709551629n, 18446744073709551629n + 2n], [(1n << 61n) - 1n, (1n << 89n) - 1n]] as const) {
      expect(isPrime(a * b)).toBe(false);
    }
    expect(isPrime(18446744073709551629n + 2n)).toBe(false);
  });
});

describe('records for tokens', () => {
  it('parses integers as written and refuses what is not a non-negative integer', () => {
    expect(parseInteger('007')).toEqual({ ok: true, value: 7n, decimal: '7' });
    expect(parseInteger('+5')).toEqual({ ok: true, value: 5n, decimal: '5' });
    expect(parseInteger('-0')).toEqual({ ok: true, value: 0n, decimal: '0' });
    expect(parseInteger('1e10')).toEqual({ ok: true, value: 10_000_000_000n, decimal: '10000000000' });
    expect(parseInteger('2.5e3')).toEqual({ ok: true, value: 2500n, decimal: '2500' });
    expect(parseInteger('10.0')).toEqual({ ok: true, value: 10n, decimal: '10' });
    expect(parseInteger('120e-1')).toEqual({ ok: true, value: 12n, decimal: '12' });
    for (const bad of ['abc', '1.5', '0x10', '', '.', 'e5', '1e', '1.5e0', '12e-2', '1__000', '_1', '1_', ',1', '1.000_5', '٣', '5-', '--5', '1 2']) {
      expect(parseInteger(bad), bad).toMatchObject({ ok: false, code: 'NOT_AN_INTEGER' });
    }
    expect(parseInteger('-7')).toMatchObject({ ok: false, code: 'NEGATIVE' });
    expect(parseInteger('-1e3')).toMatchObject({ ok: false, code: 'NEGATIVE' });
    expect(parseInteger('1'.repeat(2001))).toMatchObject({ ok: false, code: 'TOO_LARGE' });
    expect(parseInteger('1e2000')).toMatchObject({ ok: false, code: 'TOO_LARGE' });
    expect(parseInteger('1e99999999999999999999')).toMatchObject({ ok: false, code: 'TOO_LARGE' });
    expect(parseInteger('1e1999')).toMatchObject({ ok: true });
    expect(parseInteger('0'.repeat(5000) + '13')).toEqual({ ok: true, value: 13n, decimal: '13' });
  });

  it('reads digits grouped with commas, full-width commas, underscores, apostrophes and no-break or thin spaces', () => {
    for (const grouped of ['1,000,003', '1，000，003', '1_000_003', "1'000'003", '1\u00a0000\u00a0003', '1\u202f000\u2009003', '+1,000,003']) {
      expect(parseInteger(grouped), grouped).toEqual({ ok: true, value: 1_000_003n, decimal: '1000003' });
    }
    expect(parseInteger('1,000e3')).toEqual({ ok: true, value: 1_000_000n, decimal: '1000000' });
    expect(parseInteger('-1,000')).toMatchObject({ ok: false, code: 'NEGATIVE' });
  });

  it('makes one record per token: verdicts, factors, errors', () => {
    expect(checkToken('97', 0)).toEqual({ index: 0, n: '97', prime: true, factor: null, method: 'trial-division', proven: true, error: null });
    expect(checkToken('0091', 3)).toEqual({ index: 3, n: '91', prime: false, factor: '7', method: 'trial-division', proven: true, error: null });
    expect(checkToken('1e3', 1)).toMatchObject({ n: '1000', prime: false, factor: '2' });
    expect(checkToken('112272535095293', 2)).toMatchObject({ n: '112272535095293', prime: true, method: 'miller-rabin-deterministic', proven: true });
    expect(checkToken('170141183460469231731687303715884105727', 0)).toMatchObject({ prime: true, method: 'baillie-psw', proven: false });
    expect(checkToken('abc', 4)).toEqual({ index: 4, n: 'abc', prime: null, factor: null, method: null, proven: null, error: { code: 'NOT_AN_INTEGER', message: 'Not an integer: "abc"' } });
    expect(checkToken('-7', 5)).toMatchObject({ n: '-7', prime: null, error: { code: 'NEGATIVE' } });
    expect(checkToken('1.5', 6)).toMatchObject({ n: '1.5', prime: null, error: { code: 'NOT_AN_INTEGER' } });
    expect(checkToken('1,000,003', 7)).toMatchObject({ n: '1000003', prime: true });
    expect(checkToken('18446744073709551617', 8)).toMatchObject({ n: '18446744073709551617', prime: false, factor: '274177' });
  });
});
