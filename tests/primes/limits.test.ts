/**
 * The limits in src/primes/limits.ts are the one definition the engine, the services and the renderer enforce: the
 * renderer's form accepts exactly the bounds the engine does, and the worker's sieve takes the largest of them.
 */
import { describe, expect, it } from 'vitest';
import { parseRangeBound, maxRangeBound } from '../../renderer/primes/bounds.js';
import { parseBound, PrimesInputError } from '../../src/primes/index.js';
import { MAX_SIEVE_BOUND, MAX_SIEVE_BOUND_TEXT } from '../../src/primes/limits.js';
import { SegmentSieve } from '../../src/primes/sieve.js';

describe('shared primes limits', () => {
  it('the renderer and the engine accept the same largest bound, written either way, and refuse the next number', () => {
    expect(MAX_SIEVE_BOUND_TEXT).toBe('1e17');
    expect(BigInt(maxRangeBound)).toBe(MAX_SIEVE_BOUND);
    for (const text of [MAX_SIEVE_BOUND.toString(), MAX_SIEVE_BOUND_TEXT]) {
      expect(parseRangeBound(text)).toEqual({ ok: true, value: MAX_SIEVE_BOUND.toString() });
      expect(parseBound(text)).toBe(MAX_SIEVE_BOUND);
    }
    const next = (MAX_SIEVE_BOUND + 1n).toString();
    expect(parseRangeBound(next)).toEqual({ ok: false, error: 'aboveSieve' });
    expect(() => parseBound(next)).toThrow(PrimesInputError);
    expect(() => parseBound(next)).toThrow(`above the largest supported bound ${MAX_SIEVE_BOUND_TEXT}`);
    expect(() => new SegmentSieve(MAX_SIEVE_BOUND - 100n, MAX_SIEVE_BOUND)).not.toThrow();
    expect(() => new SegmentSieve(0n, MAX_SIEVE_BOUND + 1n)).toThrow(RangeError);
  });
});
