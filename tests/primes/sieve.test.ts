import { describe, expect, it } from 'vitest';
import { testPrimality } from '../../src/primes/primality.js';
import { MAX_SIEVE_BOUND, SEGMENT_SHIFT, SegmentSieve, sievingPrimes } from '../../src/primes/sieve.js';
import { sieveTask } from '../../src/primes/sieve-task.js';

function count(from: bigint | number, to: bigint | number): number {
  const sieve = new SegmentSieve(BigInt(from), BigInt(to));
  sieve.run(Infinity);
  expect(sieve.done).toBe(true);
  return sieve.count;
}

/** The primes of [from, to] as the worker task lists them. */
async function list(from: bigint | number, to: bigint | number): Promise<bigint[]> {
  const output = await sieveTask(
    { from: String(from), to: String(to), mode: 'list' },
    { signal: new AbortController().signal, progress: () => {} },
  );
  const primes = (output.text ?? '').split('\n').filter(Boolean).map(BigInt);
  expect(primes.length).toBe(output.count);
  return primes;
}

/** Reference: a plain sieve of Eratosthenes, one byte per number. */
function referencePrefixCounts(limit: number): Int32Array {
  const composite = new Uint8Array(limit + 1);
  composite[0] = composite[1] = 1;
  for (let i = 2; i * i <= limit; i++) if (!composite[i]) for (let j = i * i; j <= limit; j += i) composite[j] = 1;
  const prefix = new Int32Array(limit + 2);
  for (let i = 0; i <= limit; i++) prefix[i + 1] = (prefix[i] as number) + (composite[i] ? 0 : 1);
  return prefix;
}

/** Checks every number of [from, to] with the primality test: the sieve must list exactly the primes. */
function expectExactlyThePrimes(from: bigint, to: bigint, listed: bigint[]): void {
  const expected: bigint[] = [];
  for (let n = from; n <= to; n++) {
    // Even numbers and multiples of 3 and 5 above 5 are composite; the rest go through the primality test.
    if (n > 5n && (n % 2n === 0n || n % 3n === 0n || n % 5n === 0n)) continue;
    if (testPrimality(n).prime) expected.push(n);
  }
  expect(listed).toEqual(expected);
}

const SEGMENT_NUMBERS = 30 * 2 ** SEGMENT_SHIFT;
const BLOCK_NUMBERS = 30 * 32768;

describe('segmented wheel sieve', () => {
  it('pi(10^k) for k = 1..9 (known values)', () => {
    const known = [4, 25, 168, 1229, 9592, 78498, 664579, 5761455, 50847534];
    known.forEach((value, i) => expect(count(0, 10 ** (i + 1)), `pi(1e${i + 1})`).toBe(value));
  });

  it('every small range [a, b] with a, b < 150, and random ranges below 4e6, against a plain sieve', () => {
    const prefix = referencePrefixCounts(4_000_000);
    const reference = (a: number, b: number): number => (prefix[b + 1] as number) - (prefix[a] as number);
    const wrong: string[] = [];
    for (let a = 0; a < 150; a++) for (let b = a; b < 150; b++) if (count(a, b) !== reference(a, b)) wrong.push(`${a}..${b}`);
    let seed = 7;
    const next = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let i = 0; i < 300; i++) {
      const a = Math.floor(next() ** 2 * 4_000_000);
      const b = Math.min(4_000_000, a + Math.floor(next() ** 3 * 4_000_000));
      if (count(a, b) !== reference(a, b)) wrong.push(`${a}..${b}`);
    }
    expect(wrong).toEqual([]);
  });

  it('ranges that start, end or straddle segment and block edges', () => {
    const prefix = referencePrefixCounts(3 * SEGMENT_NUMBERS + 100);
    const reference = (a: number, b: number): number => (prefix[b + 1] as number) - (prefix[a] as number);
    for (const edge of [BLOCK_NUMBERS, 2 * BLOCK_NUMBERS, SEGMENT_NUMBERS, 2 * SEGMENT_NUMBERS, 3 * SEGMENT_NUMBERS]) {
      for (const [a, b] of [
        [edge - 31, edge + 31],
        [edge, edge + 29],
        [edge - 30, edge - 1],
        [edge + 1, edge + 1],
        [0, edge - 1],
        [0, edge],
        [edge - 1, 3 * SEGMENT_NUMBERS],
        [Math.max(0, edge - SEGMENT_NUMBERS - 7), edge + 13],
      ] as [number, number][]) {
        expect(count(a, b), `${a}..${b}`).toBe(reference(a, b));
      }
    }
  });

  it('lists exactly the primes of windows across the segment edge, checked one by one with the primality test', async () => {
    const from = BigInt(SEGMENT_NUMBERS - 3000);
    const to = BigInt(SEGMENT_NUMBERS + 3000);
    expectExactlyThePrimes(from, to, await list(from, to));
    expectExactlyThePrimes(0n, 2000n, await list(0, 2000));
  });

  it('random windows, listed and checked against the primality test, from 1e6 to 1e15', async () => {
    let seed = 11n;
    for (const magnitude of [6n, 9n, 12n, 15n]) {
      seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
      const from = 10n ** magnitude + (seed % 10n ** (magnitude - 1n));
      expectExactlyThePrimes(from, from + 20_000n, await list(from, from + 20_000n));
    }
  });

  it('big offsets: near 2^53, near 1e16 and at 1e17 (counts from primesieve; listed primes checked one by one)', async () => {
    // primesieve 9007199253740992 9007199255740992 -c: 54600
    expect(count(2n ** 53n - 1_000_000n, 2n ** 53n + 1_000_000n)).toBe(54600);
    const near2to53 = 2n ** 53n - 6000n;
    expectExactlyThePrimes(near2to53, near2to53 + 12_000n, await list(near2to53, near2to53 + 12_000n));
    const near1e16 = 10n ** 16n - 10_000n;
    const listed = await list(near1e16, near1e16 + 20_000n);
    expect(listed.slice(0, 3)).toEqual([9999999999990019n, 9999999999990029n, 9999999999990047n]);
    expectExactlyThePrimes(near1e16, near1e16 + 20_000n, listed);
    // The largest supported bound: the last primes below 1e17.
    const top = MAX_SIEVE_BOUND;
    expectExactlyThePrimes(top - 5_000n, top, await list(top - 5_000n, top));
  });

  it('random ranges from 1e6 to 1e14 (large primes in buckets from 1.1e12 on) match a plain reference sieve', () => {
    // Reference: the composites of [a, b] marked by every prime up to sqrt(b), one byte per number (exact: b < 2^53).
    const limit = 1e7;
    const isComposite = new Uint8Array(limit + 1);
    const smallPrimes: number[] = [];
    for (let i = 2; i <= limit; i++) {
      if (isComposite[i]) continue;
      smallPrimes.push(i);
      for (let j = i * i; j <= limit; j += i) isComposite[j] = 1;
    }
    const reference = (a: number, b: number): number => {
      const composite = new Uint8Array(b - a + 1);
      for (const p of smallPrimes) {
        if (p * p > b) break;
        for (let n = Math.max(p * p, a + ((p - (a % p)) % p)); n <= b; n += p) composite[n - a] = 1;
      }
      let primes = 0;
      for (let n = Math.max(a, 2); n <= b; n++) if (!composite[n - a]) primes++;
      return primes;
    };
    let seed = 2024;
    const next = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const wrong: string[] = [];
    for (let i = 0; i < 40; i++) {
      const a = Math.floor(10 ** (6 + next() * 8));
      const b = a + Math.floor(next() * 3_000_000);
      if (count(a, b) !== reference(a, b)) wrong.push(`${a}..${b}`);
    }
    expect(wrong).toEqual([]);
  });

  it('large primes whose squares fall inside the range, and a range at the top whose primes mostly have no multiple in it', () => {
    // Counts from primesieve. The first: the squares of the first large primes (from 1048583, bucketed from their
    // squares on) lie inside it. The second: 1e17 - 3e8 .. 1e17, sieving primes up to 3.16e8 in 128 buckets.
    expect(count(1_099_461_612_800n, 1_099_631_612_800n)).toBe(6_134_002);
    expect(count(MAX_SIEVE_BOUND - 300_000_000n, MAX_SIEVE_BOUND)).toBe(7_661_469);
  });

  it('several sieves at once, interleaved, give the counts each gives alone', () => {
    const ranges: [bigint, bigint][] = [
      [0n, 40_000_000n],
      [1_000_000_000_000n, 1_000_010_000_000n],
      [123_456_789n, 160_000_000n],
    ];
    const alone = ranges.map(([a, b]) => count(a, b));
    expect(alone[1]).toBe(361_726); // primesieve
    const sieves = ranges.map(([a, b]) => new SegmentSieve(a, b));
    while (sieves.some((sieve) => !sieve.done)) for (const sieve of sieves) sieve.run(0);
    expect(sieves.map((sieve) => sieve.count)).toEqual(alone);
  });

  it('reports progress, handles empty ranges, refuses bounds past the limit', () => {
    const sieve = new SegmentSieve(0n, BigInt(3 * SEGMENT_NUMBERS));
    sieve.run(0);
    expect(sieve.done).toBe(false);
    expect(sieve.sieved).toBeGreaterThan(0);
    expect(sieve.sieved).toBeLessThan(sieve.total);
    sieve.run(Infinity);
    expect(sieve.sieved).toBe(sieve.total);
    expect(count(10, 9)).toBe(0);
    expect(count(24, 28)).toBe(0);
    expect(count(2, 2)).toBe(1);
    expect(() => new SegmentSieve(0n, MAX_SIEVE_BOUND + 1n)).toThrow(RangeError);
  });

  it('sieving primes are the primes from 7 up, cached and extended on demand', () => {
    const few = sievingPrimes(100);
    expect([...few]).toEqual([7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97]);
    const many = sievingPrimes(1_000_003);
    expect(many.length).toBe(78498 - 3 + 1); // pi(1e6 + 3) = 78499, without 2, 3, 5
    expect(many[many.length - 1]).toBe(1_000_003);
  });
});
