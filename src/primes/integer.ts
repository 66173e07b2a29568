/** Parsing the integers users type: plain decimals, and decimal or scientific notation when the value is exact. */
import { MAX_CHECK_DIGITS } from './limits.js';
import { DIGIT_GROUPING } from './number-list.js';

export { MAX_CHECK_DIGITS };

export type IntegerParse =
  | { ok: true; value: bigint; decimal: string }
  | { ok: false; code: 'NOT_AN_INTEGER' | 'NEGATIVE' | 'TOO_LARGE'; message: string };

// sign, integer digits, optional fraction, optional exponent: 123, +123, 007, 1e10, 1.5e3, 2.0
const NUMBER_SYNTAX = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
/** The whole-number part at the start of a token, where digits may be grouped (1,000,003; 1_000_003). */
const GROUPED_WHOLE = /^[+-]?\d[\d,\uff0c_'\u00a0\u2009\u202f]*/;

/**
 * Reads a non-negative integer from `text`. Accepted: digits with optional leading zeros and an optional `+`, grouped
 * or not (a comma, full-width comma, underscore, apostrophe, no-break or thin space between two digits of the whole
 * part: `1,000,003`, `1_000_003`; number-list.ts decides when a comma groups and when it separates); decimal and
 * scientific notation whose value is an exact integer (`1e10`, `2.5e3`, `10.0`). Refused: anything else (`abc`,
 * `1.5`, `0x10`), negative values (`-7`; `-0` is 0), and values of more than `maxDigits` digits.
 */
export function parseInteger(text: string, maxDigits: number = MAX_CHECK_DIGITS): IntegerParse {
  const ungrouped = text.replace(GROUPED_WHOLE, (whole) => whole.replace(DIGIT_GROUPING, ''));
  const match = NUMBER_SYNTAX.exec(ungrouped);
  const [, sign = '', whole = '', fraction = '', exponentText] = match ?? [];
  if (!match || whole.length + fraction.length === 0) {
    return { ok: false, code: 'NOT_AN_INTEGER', message: `Not an integer: ${preview(text)}` };
  }
  // The value is mantissa x 10^exponent, with the mantissa an integer.
  let mantissa = (whole + fraction).replace(/^0+/, '');
  let exponent = (exponentText === undefined ? 0 : Number(exponentText)) - fraction.length;
  if (mantissa === '') {
    return { ok: true, value: 0n, decimal: '0' };
  }
  if (exponent < 0) {
    // Only trailing zeros may be shifted out: anything else is a fraction.
    const trailingZeros = mantissa.length - mantissa.replace(/0+$/, '').length;
    if (trailingZeros < -exponent) {
      return { ok: false, code: 'NOT_AN_INTEGER', message: `Not an integer: ${preview(text)}` };
    }
    mantissa = mantissa.slice(0, mantissa.length + exponent);
    exponent = 0;
  }
  if (sign === '-') {
    return { ok: false, code: 'NEGATIVE', message: `Negative numbers are not checked: ${preview(text)}` };
  }
  const digits = mantissa.length + exponent;
  if (!Number.isFinite(digits) || digits > maxDigits) {
    return { ok: false, code: 'TOO_LARGE', message: `More than ${maxDigits} digits` };
  }
  const decimal = mantissa + '0'.repeat(exponent);
  return { ok: true, value: BigInt(decimal), decimal };
}

function preview(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
