/** The size estimate of a prime list: never below the real size, never far above it, for ranges of every shape. */
import { describe, expect, it } from 'vitest';
import { describeNoSpace, estimateListBytes, estimatePrimeCount, estimateRangeMs, formatByteSize, parseNoSpace } from '../../src/primes/estimate.js';
import { isPrime } from '../../src/primes/primality.js';

// π(10^k), k = 0..17.
const pi = [0, 4, 25, 168, 1229, 9592, 78498, 664579, 5761455, 50847534, 455052511, 4118054813, 37607912018, 346065536839, 3204941750802, 29844570422669, 279238341033925, 2623557157654233];

/** The exact bytes of the list of [0, 10^k]: the primes of each decade times their digits plus the newline. */
function listBytesUpToPowerOfTen(k: number): number {
  let bytes = 0;
  for (let digits = 1; digits <= k; digits++) bytes += ((pi[digits] as number) - (pi[digits - 1] as number)) * (digits + 1);
  return bytes;
}

/** The exact bytes of the list of a short range, by testing every number. */
function listBytesByTesting(from: bigint, to: bigint): number {
  let bytes = 0;
  for (let n = from; n <= to; n++) if (isPrime(n)) bytes += n.toString().length + 1;
  return bytes;
}

function expectClose(estimate: number, actual: number): void {
  expect(estimate).toBeGreaterThanOrEqual(actual);
  expect(estimate).toBeLessThanOrEqual(actual * 1.05 + 70 * 1024);
}

describe('estimateListBytes', () => {
  it('is a little above the real size of the lists from 0 to every power of ten up to 1e17', () => {
    for (let k = 1; k <= 17; k++) expectClose(estimateListBytes(0n, 10n ** BigInt(k)), listBytesUpToPowerOfTen(k));
    // Far above 2^53 the relative margin is what is left: within a few per cent.
    expect(estimateListBytes(0n, 10n ** 17n) / listBytesUpToPowerOfTen(17)).toBeLessThan(1.02);
  });

  it('holds for ranges far from 0, narrow ones, and ones straddling a decade', () => {
    // [1e15, 1e15 + 1e9]: 28,946,421 primes of 16 digits; [1e16, 1e16 + 1e7]: 271,897 of 17 (primesieve).
    expectClose(estimateListBytes(10n ** 15n, 10n ** 15n + 10n ** 9n), 28946421 * 17);
    expectClose(estimateListBytes(10n ** 16n, 10n ** 16n + 10n ** 7n), 271897 * 18);
    for (const [from, to] of [
      [9_999_999_999_990_000n, 10_000_000_000_010_000n],
      [99_999_999_999_999_000n, 100_000_000_000_000_000n],
      [999_000n, 1_001_000n],
      [0n, 30n],
      [90n, 130n],
    ] as const) {
      expectClose(estimateListBytes(from, to), listBytesByTesting(from, to));
    }
    expect(estimateListBytes(24n, 28n)).toBeLessThan(70 * 1024);
    expect(estimateListBytes(5n, 4n)).toBe(0);
  });

  it('counts primes about right', () => {
    expect(estimatePrimeCount(0n, 10n ** 10n) / 455052511).toBeGreaterThan(1);
    expect(estimatePrimeCount(0n, 10n ** 10n) / 455052511).toBeLessThan(1.001);
    expect(estimatePrimeCount(0n, 1n)).toBe(0);
  });

  it('words a refusal for lack of space so that its parts can be read back', () => {
    const message = describeNoSpace(47.3 * 2 ** 50, 812 * 2 ** 20, '/home/me/my primes (2) has free');
    expect(message).toBe('the primes need about 47.3 PiB (an estimate) but /home/me/my primes (2) has free has 812 MiB free');
    expect(parseNoSpace(`NO_SPACE: ${message}`)).toEqual({ needed: '47.3 PiB', free: '812 MiB', folder: '/home/me/my primes (2) has free' });
    expect(parseNoSpace('ENOSPC: no space left on device')).toBeNull();
  });

  it('formats sizes in binary units', () => {
    expect(formatByteSize(812)).toBe('812 B');
    expect(formatByteSize(4.6 * 2 ** 20)).toBe('4.6 MiB');
    expect(formatByteSize(47.3 * 2 ** 30)).toBe('47.3 GiB');
    expect(formatByteSize(5 * 2 ** 20 + 1)).toBe('5 MiB');
    expect(formatByteSize(2 ** 50 * 1.25)).toBe('1.3 PiB');
  });
});

describe('estimateRangeMs', () => {
  const count = { mode: 'count' as const, workers: 2, cores: 2 };
  // docs/primes.md's CPU figures with the WebAssembly kernel: each of 2 workers sieves for 1.0 s for π(10^10) and
  // 0.52 s for [10^15, 10^15 + 10^9], so a quiet machine takes about that long (the load moves wall times, not these).
  it('is near the measured times of the benchmark ranges (2 workers), within a factor of two', () => {
    const near = (estimate: number, measured: number) => {
      expect(estimate).toBeGreaterThan(measured / 2);
      expect(estimate).toBeLessThan(measured * 2);
    };
    near(estimateRangeMs(0n, 10n ** 10n, count), 1000);
    near(estimateRangeMs(10n ** 15n, 10n ** 15n + 10n ** 9n, count), 520);
  });

  it('grows with the numbers, shrinks with the workers a machine can run at once, and adds the writing of a list', () => {
    const window = 10n ** 9n;
    expect(estimateRangeMs(10n ** 16n, 10n ** 16n + window, count)).toBeGreaterThan(estimateRangeMs(10n ** 12n, 10n ** 12n + window, count));
    expect(estimateRangeMs(0n, 10n ** 11n, { ...count, workers: 1 })).toBeGreaterThan(estimateRangeMs(0n, 10n ** 11n, count));
    // More workers than cores run no faster.
    expect(estimateRangeMs(0n, 10n ** 11n, { ...count, workers: 8 })).toBe(estimateRangeMs(0n, 10n ** 11n, count));
    expect(estimateRangeMs(0n, 10n ** 9n, { ...count, mode: 'list' })).toBeGreaterThan(estimateRangeMs(0n, 10n ** 9n, count));
    expect(estimateRangeMs(5n, 4n, count)).toBe(0);
  });

  it('puts the range of the issue, 1e15 to 1e17, at hundreds of days', () => {
    const days = estimateRangeMs(10n ** 15n, 10n ** 17n, count) / 86_400_000;
    expect(days).toBeGreaterThan(300);
    expect(days).toBeLessThan(3000);
  });
});
