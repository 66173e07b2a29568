/**
 * Range bounds as people write them: plain integers (digit groups with ",", "_", "'" or spaces are fine) or a
 * power-of-ten form like 1e10 or 2.5e9 when it is a whole number. The result is an exact decimal string for the
 * services (bounds may exceed 2^53, so this never goes through a float).
 */
import { MAX_SIEVE_BOUND } from '../../src/primes/limits.js';

export type BoundError = 'empty' | 'notInteger' | 'negative' | 'tooLarge' | 'aboveSieve';
export type BoundResult = { ok: true; value: string } | { ok: false; error: BoundError };

/** The contract allows at most 30 digits. */
export const maxBoundDigits = 30;

export function parseBound(text: string): BoundResult {
  const compact = text.trim().replace(/(?<=\d)[\s,_'\u00a0\u2009\u202f](?=\d)/g, '');
  if (compact === '') return { ok: false, error: 'empty' };
  if (/^-\s*\d/.test(compact)) return { ok: false, error: 'negative' };
  let digits: string;
  const plain = /^\+?(\d+)$/.exec(compact);
  const scientific = /^\+?(\d+)(?:\.(\d+))?[eE]\+?(\d{1,3})$/.exec(compact);
  if (plain) {
    digits = plain[1]!;
  } else if (scientific) {
    const whole = scientific[1]!;
    const fraction = (scientific[2] ?? '').replace(/0+$/, '');
    const exponent = Number(scientific[3]);
    if (fraction.length > exponent) return { ok: false, error: 'notInteger' };
    if (exponent > maxBoundDigits) return { ok: false, error: 'tooLarge' };
    digits = whole + fraction + '0'.repeat(exponent - fraction.length);
  } else {
    return { ok: false, error: 'notInteger' };
  }
  const value = digits.replace(/^0+(?=\d)/, '');
  if (value.length > maxBoundDigits) return { ok: false, error: 'tooLarge' };
  return { ok: true, value };
}

/** The largest bound the sieve takes, as a canonical decimal string (the engine's own limit, shared). */
export const maxRangeBound = MAX_SIEVE_BOUND.toString();

/** A range bound: parseBound, and at most maxRangeBound. */
export function parseRangeBound(text: string): BoundResult {
  const result = parseBound(text);
  if (result.ok && compareDecimal(result.value, maxRangeBound) > 0) return { ok: false, error: 'aboveSieve' };
  return result;
}

/** Compare two canonical non-negative decimal strings. */
export function compareDecimal(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Group the digits of a canonical decimal string for display, in the user's language. */
export function groupDigits(value: string, separator: string): string {
  return value.replace(/\B(?=(\d{3})+(?!\d))/g, separator);
}
