/**
 * A segmented, bit-packed sieve of Eratosthenes on the mod-30 wheel, for [from, to] up to MAX_SIEVE_BOUND.
 *
 * Layout: one byte holds the 8 numbers coprime to 30 in a run of 30 (bits for residues 1, 7, 11, 13, 17, 19, 23,
 * 29), so 2, 3 and 5 are never stored and a byte covers 30 numbers. The range is sieved one segment (512 KiB, in
 * L2) at a time; positions are offsets from the chunk's base (a multiple of 30), so all arithmetic stays exact on
 * Numbers even when the bounds exceed 2^53.
 *
 * The inner loops run in WebAssembly (src/primes/sieve-kernel.ts); this module plans the sieve and drives it.
 * Sieving primes are handled by size:
 * - 7..163: pre-sieved: each segment starts as the AND of periodic patterns, 16 bytes at a time;
 * - small primes (below 2048): crossed off 32 KiB block by block, so their many hits stay in L1;
 * - medium primes: over the whole segment; both cross off whole turns of the wheel (8 hits at fixed offsets) while
 *   one fits, one multiple at a time otherwise;
 * - large primes (from 1 MiB, hitting a segment a few times at most): a bucket sieve. Each sits in the bucket of the
 *   segment its next multiple falls in, so a segment only touches the primes that actually hit it.
 */

import { MAX_SIEVE_BOUND } from './limits.js';
import { acquireKernel, CLASS_OF, type Kernel, PRESIEVED_PRIMES, releaseKernel, RESIDUES, SEGMENT_BYTES, SEGMENT_SHIFT } from './sieve-kernel.js';

// Defined in limits.ts, which the renderer shares; re-exported for the sieve's users.
export { MAX_SIEVE_BOUND, PRESIEVED_PRIMES, RESIDUES, SEGMENT_SHIFT };

/** From q mod 30 to the next q' >= q coprime to 30: how far, and its wheel index. */
const ADVANCE = new Uint8Array(30);
const ADVANCE_CLASS = new Uint8Array(30);
for (let r = 0; r < 30; r++) {
  let d = 0;
  while (CLASS_OF[(r + d) % 30] === -1) d++;
  ADVANCE[r] = d;
  ADVANCE_CLASS[r] = CLASS_OF[(r + d) % 30] as number;
}
/** p^-1 mod 30 for each residue class. */
const INVERSE = new Uint8Array(30);
for (const r of RESIDUES) for (let x = 1; x < 30; x++) if ((r * x) % 30 === 1) INVERSE[r] = x;

/** Bits kept in the first byte when the range starts at residue s (0..29): those of residues >= s. */
const KEEP_FROM = new Uint8Array(30);
/** Bits kept in the last byte when the range ends at residue e (0..29): those of residues <= e. */
const KEEP_UPTO = new Uint8Array(30);
for (let s = 0; s < 30; s++) {
  for (let b = 0; b < 8; b++) {
    if ((RESIDUES[b] as number) >= s) KEEP_FROM[s] = (KEEP_FROM[s] as number) | (1 << b);
    if ((RESIDUES[b] as number) <= s) KEEP_UPTO[s] = (KEEP_UPTO[s] as number) | (1 << b);
  }
}

/** Small primes are crossed off in blocks of this many bytes, which stay in the L1 cache. */
const BLOCK_BYTES = 32768;
/** Primes below this are crossed off block by block (more turns per block than loop overhead; measured best). */
const TINY_BELOW = 2048;
/** Primes from here on go to the buckets. */
const LARGE_FROM = SEGMENT_BYTES * 2;
const LARGEST_PRESIEVED = Math.max(...PRESIEVED_PRIMES);

// ---------------------------------------------------------------- sieving primes


let cachedPrimes: Uint32Array = new Uint32Array(0);
let cachedLimit = 0;

/** All primes from 7 up to `limit` (inclusive), ascending. Cached per process; grows when asked for more. */
export function sievingPrimes(limit: number): Uint32Array {
  if (limit <= cachedLimit) return cachedPrimes.subarray(0, upperBound(cachedPrimes, limit));
  const wanted = Math.max(limit, Math.min(2 * cachedLimit, 1e8));
  let primes: Uint32Array;
  if (wanted < 1 << 16) {
    primes = simpleSieve(wanted);
  } else {
    const base = sievingPrimes(Math.floor(Math.sqrt(wanted)) + 1);
    const out = new Uint32Array(Math.ceil(1.26 * (wanted / Math.log(wanted))) + 64);
    let n = 0;
    const sieve = new SegmentSieve(7n, BigInt(wanted), base);
    sieve.run(Infinity, (bytes, length, baseValue) => {
      for (let j = 0; j < length; j++) {
        let byte = bytes[j] as number;
        while (byte !== 0) {
          const bit = 31 - Math.clz32(byte & -byte);
          out[n++] = baseValue + 30 * j + (RESIDUES[bit] as number);
          byte &= byte - 1;
        }
      }
    });
    primes = out.slice(0, n);
  }
  cachedPrimes = primes;
  cachedLimit = wanted;
  return cachedPrimes.subarray(0, upperBound(cachedPrimes, limit));
}

function simpleSieve(limit: number): Uint32Array {
  const composite = new Uint8Array(limit + 1);
  const primes: number[] = [];
  for (let i = 2; i <= limit; i++) {
    if (composite[i]) continue;
    if (i >= 7) primes.push(i);
    for (let j = i * i; j <= limit; j += i) composite[j] = 1;
  }
  return Uint32Array.from(primes);
}

/** Index of the first element > value. */
function upperBound(sorted: Uint32Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function isqrtNumber(n: bigint): number {
  let r = BigInt(Math.floor(Math.sqrt(Number(n))));
  while (r * r > n) r--;
  while ((r + 1n) * (r + 1n) <= n) r++;
  return Number(r);
}

/** x mod p for 0 <= x < 2^52 and p < 2^31 (floor division is exact here; the fix-up covers the rounding edge). */
function modSmall(x: number, p: number): number {
  let r = x - Math.floor(x / p) * p;
  if (r < 0) r += p;
  else if (r >= p) r -= p;
  return r;
}

// ---------------------------------------------------------------- first multiples

/** Reduces a value of 0..29 + 0..2 without a division. */
const MOD30 = Uint8Array.from({ length: 64 }, (_, i) => i % 30);

/**
 * p's first multiple p*q >= from with q coprime to 30 (for p^2 <= from), as an offset from base, packed as
 * offset * 8 + wheel index of q. base = baseHigh * 2^24 + baseLow is a multiple of 30; from = base + startResidue.
 */
function firstMultipleFrom(p: number, baseHigh: number, baseLow: number, startResidue: number): number {
  // r = base mod p; then base = p * qBase + r and the multiple p * (qBase + d) lies at offset p * d - r.
  // (`| 0` keeps r an integer for the engine: % on a double would be a slow floating-point remainder.)
  const r = modSmall(modSmall(baseHigh, p) * 16777216 + baseLow, p) | 0;
  const pr = p % 30;
  // base is a multiple of 30, so qBase = (base - r) / p = -r / p (mod 30).
  const qBaseMod30 = ((MOD30[30 - (r % 30)] as number) * (INVERSE[pr] as number)) % 30;
  const t = r + startResidue;
  const d0 = t === 0 ? 0 : t <= p ? 1 : 2;
  const q = MOD30[qBaseMod30 + d0] as number;
  return (p * (d0 + (ADVANCE[q] as number)) - r) * 8 + (ADVANCE_CLASS[q] as number);
}

// ---------------------------------------------------------------- the sieve

/** Called with each finished segment: its bytes (bit set = prime), how many are in range, and the value of byte 0's base. */
export type SegmentConsumer = (bytes: Uint8Array, length: number, baseValue: number, baseBig: bigint) => void;

/**
 * Sieves [from, to] segment by segment. `run(budgetMs)` processes segments until done or the budget is spent,
 * so a caller can report progress and yield between calls. `count` holds the primes found so far.
 */
export class SegmentSieve {
  readonly from: bigint;
  readonly to: bigint;
  /** Total numbers in [from, to]. */
  readonly total: number;
  count = 0;
  /** Numbers of the range sieved so far. */
  sieved = 0;
  done = false;

  private readonly base: bigint = 0n; // multiple of 30, <= from
  private readonly baseValue: number = 0; // base as a Number when exact, else NaN
  private readonly byteCount: number = 0;
  private readonly firstKeep: number = 0;
  private readonly lastKeep: number = 0;
  private segment = 0;
  private readonly segmentCount: number = 0;
  private kernel: Kernel | null = null;

  /** Small and medium primes: [0, tinyEnd) are crossed off block by block (in L1), [tinyEnd, smallCount) per segment. */
  private readonly smallCount: number = 0;
  private readonly tinyEnd: number = 0;

  /** Large primes: the next one not yet in a bucket (its first multiple p^2 lies beyond the window so far). */
  private readonly largeCount: number = 0;
  private pendingLarge = 0;
  private readonly bucketWindow: number = 0;

  /** How many of 2, 3 and 5 (not on the wheel) lie in [from, to]. */
  private readonly extraPrimes: number = 0;
  /** from - base, 0..29. */
  private readonly startResidue: number = 0;

  constructor(from: bigint, to: bigint, primes: Uint32Array = sievingPrimes(to > 1n ? isqrtNumber(to) : 1)) {
    if (from < 0n || to > MAX_SIEVE_BOUND) throw new RangeError(`Bounds must lie in [0, ${MAX_SIEVE_BOUND}]`);
    this.from = from;
    this.to = to;
    if (to < from) {
      this.total = 0;
      this.done = true;
      return;
    }
    this.total = Number(to - from + 1n);
    this.base = (from / 30n) * 30n;
    this.baseValue = this.base <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(this.base) : NaN;
    this.byteCount = Number(to / 30n - from / 30n) + 1;
    this.firstKeep = KEEP_FROM[Number(from - this.base)] as number;
    this.lastKeep = KEEP_UPTO[Number(to % 30n)] as number;
    this.segmentCount = Math.ceil(this.byteCount / SEGMENT_BYTES);
    this.extraPrimes = [2n, 3n, 5n].filter((p) => p >= from && p <= to).length;
    this.startResidue = Number(from - this.base);

    // Only primes p with p^2 <= to matter; the pre-sieve's are done already.
    const limit = to > 1n ? isqrtNumber(to) : 1;
    const first = upperBound(primes, LARGEST_PRESIEVED);
    const end = Math.max(first, upperBound(primes, limit));
    const split = Math.max(first, Math.min(end, upperBound(primes, LARGE_FROM - 1)));
    const smallPrimes = primes.subarray(first, split);
    const largePrimes = primes.subarray(split, end);
    this.smallCount = smallPrimes.length;
    this.tinyEnd = upperBound(smallPrimes, TINY_BELOW);
    this.largeCount = largePrimes.length;
    let bucketCount = 0;
    if (this.largeCount > 0) {
      // A large prime's next multiple is less than 6p numbers (p/5 bytes) on: the buckets must reach that far.
      const maxPrime = largePrimes[this.largeCount - 1] as number;
      bucketCount = 2;
      while (bucketCount * SEGMENT_BYTES < maxPrime / 5 + 2 * SEGMENT_BYTES) bucketCount *= 2;
      this.bucketWindow = bucketCount - 1;
    }
    const kernel = acquireKernel({ smallCount: this.smallCount, largeCount: this.largeCount, bucketCount });
    this.kernel = kernel;
    kernel.setPatternOffsets(this.base / 30n);

    const sqrtFrom = from > 0n ? isqrtNumber(from) : 0;
    const baseHigh = Number(this.base / 16777216n);
    const baseLow = Number(this.base % 16777216n);
    kernel.smallPrimes.set(smallPrimes);
    for (let i = 0; i < this.smallCount; i++) {
      const p = smallPrimes[i] as number;
      const first = p > sqrtFrom ? this.squareOf(p) : firstMultipleFrom(p, baseHigh, baseLow, this.startResidue);
      kernel.position[i] = Math.floor(Math.floor(first / 8) / 30);
      kernel.wheel[i] = first & 7;
    }
    if (this.largeCount > 0) {
      kernel.largePrimes.set(largePrimes);
      // Primes with p^2 <= from start right away; the others (p^2 inside the range) join as the window reaches p^2.
      this.pendingLarge = kernel.exports.placeFirst(kernel.largePrimesAt, 0, this.largeCount, sqrtFrom, this.base, this.startResidue, this.segmentCount);
    }
  }

  /** p^2 (p^2 >= from) as an offset from base, packed like firstMultipleFrom's result (multiplier q = p: p's class). */
  private squareOf(p: number): number {
    return Number(BigInt(p) * BigInt(p) - this.base) * 8 + (CLASS_OF[p % 30] as number);
  }

  /** Sieve segments until done or `budgetMs` has passed; each finished segment goes to `consume` when given. */
  run(budgetMs: number, consume?: SegmentConsumer): void {
    const deadline = performance.now() + budgetMs;
    while (this.segment < this.segmentCount) {
      this.sieveSegment(consume);
      if (performance.now() >= deadline) break;
    }
    if (this.segment >= this.segmentCount) {
      this.done = true;
      if (this.kernel) releaseKernel(this.kernel);
      this.kernel = null;
    }
  }

  private sieveSegment(consume?: SegmentConsumer): void {
    const kernel = this.kernel as Kernel;
    const { exports: wasm, segment: bytes } = kernel;
    const segment = this.segment;
    const start = segment * SEGMENT_BYTES;
    const length = Math.min(SEGMENT_BYTES, this.byteCount - start);

    // 1. Pre-sieve (16 bytes at a time: the kernel's slack takes the overhang of a short last segment).
    wasm.presieve((length + 15) & ~15);

    // 2. Small primes block by block, so their many hits stay in L1; then the medium ones over the whole segment.
    // Each is left at its next multiple as an offset from the next segment.
    const { smallPrimesAt, positionAt, wheelAt } = kernel;
    for (let blockEnd = BLOCK_BYTES; ; blockEnd += BLOCK_BYTES) {
      const last = blockEnd >= length;
      wasm.crossSmall(smallPrimesAt, positionAt, wheelAt, 0, this.tinyEnd, last ? length : blockEnd, last ? SEGMENT_BYTES : 0);
      if (last) break;
    }
    wasm.crossSmall(smallPrimesAt, positionAt, wheelAt, this.tinyEnd, this.smallCount, length, SEGMENT_BYTES);

    // 3. Large primes: first let in those whose p^2 comes within the buckets' reach.
    if (this.largeCount > 0) {
      if (this.pendingLarge < this.largeCount) {
        const reach = BigInt((segment + this.bucketWindow) * SEGMENT_BYTES);
        this.pendingLarge = wasm.admit(kernel.largePrimesAt, this.pendingLarge, this.largeCount, this.base, reach, this.segmentCount);
      }
      wasm.bucketSieve(segment);
    }

    // 4. The range's edges, and the number 1 and the pre-sieved primes themselves.
    if (segment === 0) {
      // 1 is not prime; the pre-sieve crossed its own primes off (they are all below 170).
      if (this.base === 0n) bytes[0] = (bytes[0] as number) & 0xfe;
      if (this.base <= BigInt(LARGEST_PRESIEVED)) {
        const base = Number(this.base);
        for (const p of PRESIEVED_PRIMES) {
          if (p < base) continue;
          const at = Math.floor((p - base) / 30);
          if (at < length) bytes[at] = (bytes[at] as number) | (1 << (CLASS_OF[p % 30] as number));
        }
      }
      bytes[0] = (bytes[0] as number) & this.firstKeep;
    }
    if (segment === this.segmentCount - 1) bytes[length - 1] = (bytes[length - 1] as number) & this.lastKeep;
    // Count 32 bytes at a time: zero the overhang of a short segment.
    const counted = (length + 31) & ~31;
    bytes.fill(0, length, counted);

    // 5. Count, and hand the segment out.
    let count = wasm.count(counted);
    if (segment === 0) count += this.extraPrimes;
    this.count += count;
    if (consume) {
      const segmentBase = this.base + BigInt(start) * 30n;
      // The Number value is offered only while every number of the segment is exact.
      const exact = !Number.isNaN(this.baseValue) && this.baseValue + (start + length) * 30 <= Number.MAX_SAFE_INTEGER;
      consume(bytes, length, exact ? this.baseValue + start * 30 : NaN, segmentBase);
    }
    this.segment++;
    this.sieved = this.segment >= this.segmentCount ? this.total : Math.min(this.total, Math.max(0, (start + length) * 30 - this.startResidue));
  }
}
