/**
 * Exact modular arithmetic. On Numbers below 2^53 a*b mod m is computed without BigInt: the product is split
 * exactly into a high and a low double (Dekker's two-product), the quotient estimated in floating point, and the
 * remainder assembled from exact differences. BigInt versions serve everything larger.
 */

/** Largest modulus for the Number routines: every integer below it is exact in a double. */
export const NUMBER_LIMIT = 2 ** 53;

const SPLIT = 134217729; // 2^27 + 1: Veltkamp's splitter for 53-bit doubles

/** a * b mod m, exact, for integers 0 <= a, b < m < 2^53. */
export function mulmodNumber(a: number, b: number, m: number): number {
  const product = a * b;
  if (product < NUMBER_LIMIT) return product % m;
  // product + low = a*b exactly (|low| <= 2^52 is an integer).
  let t = SPLIT * a;
  const aHigh = t - (t - a);
  const aLow = a - aHigh;
  t = SPLIT * b;
  const bHigh = t - (t - b);
  const bLow = b - bHigh;
  const low = aHigh * bHigh - product + aHigh * bLow + aLow * bHigh + aLow * bLow;
  // q is within 2 of the true quotient; q*m = qm + qmLow exactly.
  const q = Math.floor(product / m);
  const qm = q * m;
  t = SPLIT * q;
  const qHigh = t - (t - q);
  const qLow = q - qHigh;
  t = SPLIT * m;
  const mHigh = t - (t - m);
  const mLow = m - mHigh;
  const qmLow = qHigh * mHigh - qm + qHigh * mLow + qLow * mHigh + qLow * mLow;
  // Both differences are exact (Sterbenz; integers of at most 2^53); their sum is a*b - q*m, within (-2m, 3m).
  const high = product - qm;
  const lowDifference = low - qmLow;
  if (m < 2 ** 51) {
    // |high + lowDifference| < 3m < 2^53: the sum is exact, two corrections at most each way.
    let r = high + lowDifference;
    while (r < 0) r += m;
    while (r >= m) r -= m;
    return r;
  }
  // Near 2^53 the sum itself might round: reduce each part first (fmod is exact), then combine below m.
  let r1 = high % m;
  if (r1 < 0) r1 += m;
  let r2 = lowDifference % m;
  if (r2 < 0) r2 += m;
  const r = r1 - (m - r2);
  return r < 0 ? r + m : r;
}

/** base^exponent mod m on Numbers, m < 2^53. */
export function powmodNumber(base: number, exponent: number, m: number): number {
  let result = 1 % m;
  let b = base % m;
  let e = exponent;
  while (e > 0) {
    if (e % 2 === 1) result = mulmodNumber(result, b, m);
    e = Math.floor(e / 2);
    if (e > 0) b = mulmodNumber(b, b, m);
  }
  return result;
}

export function powmodBig(base: bigint, exponent: bigint, m: bigint): bigint {
  let result = 1n % m;
  let b = base % m;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % m;
    e >>= 1n;
    if (e > 0n) b = (b * b) % m;
  }
  return result;
}

export function gcdNumber(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

export function gcdBig(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/** floor(sqrt(n)) for any n >= 0. */
export function isqrtBig(n: bigint): bigint {
  if (n < 0n) throw new RangeError('square root of a negative number');
  if (n < BigInt(NUMBER_LIMIT)) {
    let r = BigInt(Math.floor(Math.sqrt(Number(n))));
    while (r * r > n) r--;
    while ((r + 1n) * (r + 1n) <= n) r++;
    return r;
  }
  // Newton from an over-estimate: 2^ceil(bits/2).
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** The Jacobi symbol (a/n) for odd n > 0. */
export function jacobiBig(a: bigint, n: bigint): number {
  let result = 1;
  a %= n;
  if (a < 0n) a += n;
  while (a !== 0n) {
    while ((a & 1n) === 0n) {
      a >>= 1n;
      const r = n & 7n;
      if (r === 3n || r === 5n) result = -result;
    }
    [a, n] = [n, a];
    if ((a & 3n) === 3n && (n & 3n) === 3n) result = -result;
    a %= n;
  }
  return n === 1n ? result : 0;
}
