/**
 * A segmented, bit-packed sieve of Eratosthenes on the mod-30 wheel, for [from, to] up to MAX_SIEVE_BOUND.
 *
 * Layout: one byte holds the 8 numbers coprime to 30 in a run of 30 (bits for residues 1, 7, 11, 13, 17, 19, 23,
 * 29), so 2, 3 and 5 are never stored and a byte covers 30 numbers. The range is sieved one segment (512 KiB, in
 * L2) at a time; positions are offsets from the chunk's base (a multiple of 30), so all arithmetic stays exact on
 * Numbers even when the bounds exceed 2^53.
 *
 * Sieving primes are handled by size:
 * - 7..59: pre-sieved: each segment starts as the AND of four periodic patterns, read as 32-bit words;
 * - small primes (below 2048): crossed off 32 KiB block by block, so their many hits stay in L1, with an 8-way
 *   unrolled loop (one turn of the wheel moves a prime exactly p bytes and hits 8 fixed offsets);
 * - medium primes: over the whole segment, unrolled while a turn fits, else one multiple at a time;
 * - large primes (from 1 MiB, hitting a segment a few times at most): a bucket sieve. Each sits in the bucket of the
 *   segment its next multiple falls in, so a segment only touches the primes that actually hit it.
 */

import { MAX_SIEVE_BOUND } from './limits.js';

// Defined in limits.ts, which the renderer shares; re-exported for the sieve's users.
export { MAX_SIEVE_BOUND };

export const RESIDUES = [1, 7, 11, 13, 17, 19, 23, 29] as const;
/** q steps through the numbers coprime to 30: 1 -> 7 -> 11 -> ... -> 29 -> 31. */
const GAPS = [6, 4, 2, 4, 2, 4, 6, 2];

/** Index in RESIDUES of a residue mod 30, or -1. */
const CLASS_OF = new Int8Array(30).fill(-1);
RESIDUES.forEach((r, i) => (CLASS_OF[r] = i));

// For a prime of class c (p mod 30 = RESIDUES[c]) and a multiplier of class w (q mod 30 = RESIDUES[w]):
// BIT: the bit of p*q; INC: extra bytes (beyond k*gap, k = floor(p/30)) from p*q to the next multiple p*(q + gap);
// CUMULATIVE_INC: the sum of INC over the multipliers before w in a turn of the wheel.
const BIT = new Uint8Array(64);
const MASK = new Uint8Array(64);
const INC = new Uint8Array(64);
const CUMULATIVE_INC = new Uint8Array(64);
for (let c = 0; c < 8; c++) {
  let cumulative = 0;
  for (let w = 0; w < 8; w++) {
    const residue = ((RESIDUES[c] as number) * (RESIDUES[w] as number)) % 30;
    const bit = CLASS_OF[residue] as number;
    BIT[c * 8 + w] = bit;
    MASK[c * 8 + w] = ~(1 << bit) & 0xff;
    INC[c * 8 + w] = Math.floor((residue + (RESIDUES[c] as number) * (GAPS[w] as number)) / 30);
    CUMULATIVE_INC[c * 8 + w] = cumulative;
    cumulative += INC[c * 8 + w] as number;
  }
}

/** State s = c * 8 + w: its gap, and the next state (same c, next w). */
const GAP_OF_STATE = new Uint8Array(64);
const NEXT_STATE = new Uint8Array(64);
for (let state = 0; state < 64; state++) {
  GAP_OF_STATE[state] = GAPS[state & 7] as number;
  NEXT_STATE[state] = (state & 56) | ((state + 1) & 7);
}

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


// ---------------------------------------------------------------- segment size, pre-sieve patterns

/** Segment size in bytes (a power of two): 512 KiB, inside the L2 cache; small primes work in L1-sized blocks. */
export const SEGMENT_SHIFT = 19;
const SEGMENT_BYTES = 1 << SEGMENT_SHIFT;
const BLOCK_BYTES = 32768;
/** Primes below this are crossed off block by block (more turns per block than loop overhead; measured best). */
const TINY_BELOW = 2048;

/**
 * Pre-sieve: the multiples of the primes 7..59 are not crossed off one by one; each segment starts as the AND of
 * periodic patterns (period = the product of their primes, in bytes), read as 32-bit words. Each pattern is kept in
 * four copies shifted by 0..3 bytes, so a window starting at any byte is a run of aligned words.
 */
const PRESIEVE_GROUPS = [
  [7, 11, 13, 17, 19],
  [23, 29, 31],
  [37, 41, 43],
  [47, 53, 59],
];
export const PRESIEVED_PRIMES = PRESIEVE_GROUPS.flat();

interface PresievePattern {
  period: number;
  /** Four word views: copy s holds the pattern from byte s on. */
  shifted: Uint32Array[];
}

let presievePatterns: PresievePattern[] | null = null;

function buildPattern(primes: number[]): PresievePattern {
  const period = primes.reduce((a, b) => a * b, 1);
  const copyLength = (period + SEGMENT_BYTES + 7) & ~3;
  const length = copyLength + 4;
  const pattern = new Uint8Array(length);
  pattern.fill(0xff, 0, period);
  for (const p of primes) {
    // The multiples p*q with q = RESIDUES[w] + 30t lie at byte floor(p*RESIDUES[w]/30) + p*t, all on one bit.
    const c = CLASS_OF[p % 30] as number;
    for (let w = 0; w < 8; w++) {
      const mask = MASK[c * 8 + w] as number;
      for (let i = Math.floor((p * (RESIDUES[w] as number)) / 30); i < period; i += p) pattern[i] = (pattern[i] as number) & mask;
    }
  }
  // One period is crossed off; the rest is copies of it.
  for (let filled = period; filled < length; filled *= 2) pattern.copyWithin(filled, 0, Math.min(filled, length - filled));
  const shifted = [0, 1, 2, 3].map((shift) => {
    const copy = new Uint8Array(copyLength);
    copy.set(pattern.subarray(shift, shift + copy.length));
    return new Uint32Array(copy.buffer);
  });
  return { period, shifted };
}

function getPresievePatterns(): PresievePattern[] {
  presievePatterns ??= PRESIEVE_GROUPS.map(buildPattern);
  return presievePatterns;
}

/** words[0..n) = AND of the patterns at the given byte offsets. */
function presieve(words: Uint32Array, n: number, patterns: PresievePattern[], offsets: number[]): void {
  const first = patterns[0] as PresievePattern;
  const o0 = offsets[0] as number;
  const a = first.shifted[o0 & 3] as Uint32Array;
  const ai = o0 >> 2;
  if (patterns.length === 1) {
    words.set(a.subarray(ai, ai + n));
    return;
  }
  const o1 = offsets[1] as number;
  const b = (patterns[1] as PresievePattern).shifted[o1 & 3] as Uint32Array;
  const bi = o1 >> 2;
  if (patterns.length === 2) {
    for (let t = 0; t < n; t++) words[t] = (a[ai + t] as number) & (b[bi + t] as number);
    return;
  }
  const o2 = offsets[2] as number;
  const c = (patterns[2] as PresievePattern).shifted[o2 & 3] as Uint32Array;
  const ci = o2 >> 2;
  if (patterns.length === 3) {
    for (let t = 0; t < n; t++) words[t] = (a[ai + t] as number) & (b[bi + t] as number) & (c[ci + t] as number);
    return;
  }
  const o3 = offsets[3] as number;
  const d = (patterns[3] as PresievePattern).shifted[o3 & 3] as Uint32Array;
  const di = o3 >> 2;
  for (let t = 0; t < n; t++) words[t] = (a[ai + t] as number) & (b[bi + t] as number) & (c[ci + t] as number) & (d[di + t] as number);
}

/** Set bits in words[0..n): SWAR, summing the bytes of several words before the final multiply. */
function countBits(words: Uint32Array, n: number): number {
  let total = 0;
  let i = 0;
  for (; i + 3 <= n; i += 3) {
    // Per 4-bit field: at most 4 per word, 12 for three words.
    let a = words[i] as number;
    let b = words[i + 1] as number;
    let c = words[i + 2] as number;
    a = a - ((a >>> 1) & 0x55555555);
    b = b - ((b >>> 1) & 0x55555555);
    c = c - ((c >>> 1) & 0x55555555);
    const sum = (a & 0x33333333) + ((a >>> 2) & 0x33333333) + (b & 0x33333333) + ((b >>> 2) & 0x33333333) + (c & 0x33333333) + ((c >>> 2) & 0x33333333);
    total += Math.imul((sum & 0x0f0f0f0f) + ((sum >>> 4) & 0x0f0f0f0f), 0x01010101) >>> 24;
  }
  for (; i < n; i++) {
    let v = words[i] as number;
    v = v - ((v >>> 1) & 0x55555555);
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    total += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
  }
  return total;
}

// ---------------------------------------------------------------- crossing off small and medium primes

/**
 * Cross off the multiples below `end` (a byte index in the segment) of primes[first..last), each from its next
 * multiple (position[j], wheel[j]); leave each at its first multiple at or past `end`. One turn of the wheel moves a
 * prime exactly p bytes and hits 8 fixed offsets, so whole turns run as an 8-way unrolled loop.
 */
function crossOffUnrolled(bytes: Uint8Array, primes: Uint32Array, position: Int32Array, wheel: Uint8Array, first: number, last: number, end: number): void {
  for (let j = first; j < last; j++) {
    let i = position[j] as number;
    if (i >= end) continue;
    const p = primes[j] as number;
    const k = (p / 30) | 0;
    const c8 = (CLASS_OF[p - 30 * k] as number) << 3;
    let state = c8 + (wheel[j] as number);
    while (state !== c8 && i < end) {
      bytes[i] = (bytes[i] as number) & (MASK[state] as number);
      i += k * (GAP_OF_STATE[state] as number) + (INC[state] as number);
      state = NEXT_STATE[state] as number;
    }
    if (state === c8) {
      const o1 = k * 6 + (CUMULATIVE_INC[c8 + 1] as number);
      const o2 = k * 10 + (CUMULATIVE_INC[c8 + 2] as number);
      const o3 = k * 12 + (CUMULATIVE_INC[c8 + 3] as number);
      const o4 = k * 16 + (CUMULATIVE_INC[c8 + 4] as number);
      const o5 = k * 18 + (CUMULATIVE_INC[c8 + 5] as number);
      const o6 = k * 22 + (CUMULATIVE_INC[c8 + 6] as number);
      const o7 = k * 28 + (CUMULATIVE_INC[c8 + 7] as number);
      const m0 = MASK[c8] as number;
      const m1 = MASK[c8 + 1] as number;
      const m2 = MASK[c8 + 2] as number;
      const m3 = MASK[c8 + 3] as number;
      const m4 = MASK[c8 + 4] as number;
      const m5 = MASK[c8 + 5] as number;
      const m6 = MASK[c8 + 6] as number;
      const m7 = MASK[c8 + 7] as number;
      for (const limit = end - o7; i < limit; i += p) {
        bytes[i] = (bytes[i] as number) & m0;
        bytes[i + o1] = (bytes[i + o1] as number) & m1;
        bytes[i + o2] = (bytes[i + o2] as number) & m2;
        bytes[i + o3] = (bytes[i + o3] as number) & m3;
        bytes[i + o4] = (bytes[i + o4] as number) & m4;
        bytes[i + o5] = (bytes[i + o5] as number) & m5;
        bytes[i + o6] = (bytes[i + o6] as number) & m6;
        bytes[i + o7] = (bytes[i + o7] as number) & m7;
      }
    }
    while (i < end) {
      bytes[i] = (bytes[i] as number) & (MASK[state] as number);
      i += k * (GAP_OF_STATE[state] as number) + (INC[state] as number);
      state = NEXT_STATE[state] as number;
    }
    position[j] = i;
    wheel[j] = state & 7;
  }
}

/** As crossOffUnrolled, one multiple at a time: for primes that make few turns in a segment. */
function crossOffStepwise(bytes: Uint8Array, primes: Uint32Array, position: Int32Array, wheel: Uint8Array, first: number, last: number, end: number): void {
  for (let j = first; j < last; j++) {
    let i = position[j] as number;
    if (i >= end) continue;
    const p = primes[j] as number;
    const k = (p / 30) | 0;
    let state = ((CLASS_OF[p - 30 * k] as number) << 3) + (wheel[j] as number);
    do {
      bytes[i] = (bytes[i] as number) & (MASK[state] as number);
      i += k * (GAP_OF_STATE[state] as number) + (INC[state] as number);
      state = NEXT_STATE[state] as number;
    } while (i < end);
    position[j] = i;
    wheel[j] = state & 7;
  }
}

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

// ---------------------------------------------------------------- buckets for large primes

/** Entries per bucket block: (prime, position) pairs. */
const BLOCK_ENTRIES = 1024;

/**
 * The wheel tables in one word per state, for the bucket sieve's inner loop (one load per hit instead of four):
 * bits 0-7 the mask, 8-15 the gap, 16-23 INC, 24-31 the next state.
 */
const WHEEL_STEP = new Uint32Array(64);
for (let state = 0; state < 64; state++) {
  WHEEL_STEP[state] =
    ((MASK[state] as number) | ((GAP_OF_STATE[state] as number) << 8) | ((INC[state] as number) << 16) | ((NEXT_STATE[state] as number) << 24)) >>> 0;
}

/** Words per block: (k, packed) pairs. */
const BLOCK_WORDS = BLOCK_ENTRIES * 2;

/**
 * A circular array of buckets, one per upcoming segment, each a chain of fixed-size blocks taken from one shared
 * store. An entry is a large prime (k = floor(p / 30)) and its next multiple: the byte offset in that segment and
 * the wheel state (class of p * 8 + wheel index). A bucket's cursor is where its next entry goes; a cursor on a
 * block boundary (0 included) means the bucket needs a fresh block.
 */
class Buckets {
  private store: Uint32Array;
  private blockNext: Int32Array;
  private freeTop = -1;
  private allocated = 0;
  /** Per bucket: its newest block (older ones are full), and where its next entry goes. */
  private readonly head: Int32Array;
  private readonly cursor: Int32Array;
  private readonly mask: number;

  constructor(bucketCount: number, initialBlocks: number) {
    this.mask = bucketCount - 1;
    this.head = new Int32Array(bucketCount).fill(-1);
    this.cursor = new Int32Array(bucketCount);
    this.store = new Uint32Array(initialBlocks * BLOCK_WORDS);
    this.blockNext = new Int32Array(initialBlocks);
  }

  /** A free block; callers reserve capacity first, so the store never grows while a bucket is being walked. */
  private takeBlock(): number {
    if (this.freeTop !== -1) {
      const block = this.freeTop;
      this.freeTop = this.blockNext[block] as number;
      return block;
    }
    return this.allocated++;
  }

  /** Make sure `blocks` more blocks can be taken without growing the store. */
  private reserve(blocks: number): void {
    let available = this.blockNext.length - this.allocated;
    for (let b = this.freeTop; b !== -1 && available < blocks; b = this.blockNext[b] as number) available++;
    if (available >= blocks) return;
    const size = Math.max(Math.ceil(this.blockNext.length * 1.5), this.allocated + blocks) + 16;
    const store = new Uint32Array(size * BLOCK_WORDS);
    store.set(this.store);
    this.store = store;
    const next = new Int32Array(size);
    next.set(this.blockNext);
    this.blockNext = next;
  }

  /** The store index for bucket b's next entry, taking a fresh block when its newest one is full. */
  private slot(b: number): number {
    let at = this.cursor[b] as number;
    if ((at & (BLOCK_WORDS - 1)) === 0) {
      const block = this.takeBlock();
      this.blockNext[block] = this.head[b] as number;
      this.head[b] = block;
      at = block * BLOCK_WORDS;
    }
    this.cursor[b] = at + 2;
    return at;
  }

  push(segment: number, k: number, state: number, offset: number): void {
    this.reserve(1);
    const at = this.slot(segment & this.mask);
    this.store[at] = k;
    this.store[at + 1] = offset | (state << 24);
  }

  /**
   * Puts primes[j] (those with p <= sqrtFrom, a prefix of the ascending list) in the bucket of their first multiple
   * at or after from = base + startResidue (base = baseHigh * 2^24 + baseLow, a multiple of 30); returns the index of
   * the first prime left out. firstMultipleFrom's computation, inlined: this runs for each of up to millions of
   * primes per chunk. The constructor's blocks suffice (one entry per prime).
   */
  placeFirstMultiples(primes: Int32Array, sqrtFrom: number, baseHigh: number, baseLow: number, startResidue: number, segmentCount: number): number {
    const store = this.store;
    const bucketMask = this.mask;
    const n = primes.length;
    let j = 0;
    for (; j < n; j++) {
      const p = primes[j] as number;
      if (p > sqrtFrom) break;
      const r = modSmall(modSmall(baseHigh, p) * 16777216 + baseLow, p) | 0;
      const pr = p % 30;
      const qBaseMod30 = ((MOD30[30 - (r % 30)] as number) * (INVERSE[pr] as number)) % 30;
      const t = r + startResidue;
      const d0 = t === 0 ? 0 : t <= p ? 1 : 2;
      const q = MOD30[qBaseMod30 + d0] as number;
      // The offset may pass 2^31 for primes near 3e8; the byte offset (a 30th of it) never does.
      const byteOffset = Math.floor((p * (d0 + (ADVANCE[q] as number)) - r) / 30) | 0;
      const segment = byteOffset >>> SEGMENT_SHIFT;
      if (segment >= segmentCount) continue; // no multiple in range
      const at = this.slot(segment & bucketMask);
      store[at] = (p - pr) / 30;
      store[at + 1] = (byteOffset & (SEGMENT_BYTES - 1)) | ((((CLASS_OF[pr] as number) << 3) | (ADVANCE_CLASS[q] as number)) << 24);
    }
    return j;
  }

  /**
   * Cross off every entry of bucket `segment` in `bytes` and move each to the bucket of its next multiple.
   * Entries move to later buckets only (a large prime's next multiple is at least a segment on).
   */
  sieve(segment: number, bytes: Uint8Array): void {
    const b = segment & this.mask;
    let block = this.head[b] as number;
    if (block === -1) return;
    let end = this.cursor[b] as number;
    if ((end & (BLOCK_WORDS - 1)) === 0) end = (block + 1) * BLOCK_WORDS; // the newest block is full
    this.head[b] = -1;
    this.cursor[b] = 0;
    let blocks = 0;
    for (let x = block; x !== -1; x = this.blockNext[x] as number) blocks++;
    // Every entry lands in some bucket: at worst each fills blocks, or opens one in each bucket.
    this.reserve(blocks + this.head.length + 1);
    const { store, blockNext, head, cursor } = this;
    const bucketMask = this.mask;
    while (block !== -1) {
      for (let e = block * BLOCK_WORDS; e < end; e += 2) {
        const k = store[e] as number;
        const packed = store[e + 1] as number;
        let i = packed & (SEGMENT_BYTES - 1);
        let state = packed >>> 24;
        do {
          const step = WHEEL_STEP[state] as number;
          bytes[i] = (bytes[i] as number) & step;
          i += k * ((step >>> 8) & 0xff) + ((step >>> 16) & 0xff);
          state = step >>> 24;
        } while (i < SEGMENT_BYTES);
        const target = (segment + (i >>> SEGMENT_SHIFT)) & bucketMask;
        let at = cursor[target] as number;
        if ((at & (BLOCK_WORDS - 1)) === 0) {
          const fresh = this.takeBlock();
          blockNext[fresh] = head[target] as number;
          head[target] = fresh;
          at = fresh * BLOCK_WORDS;
        }
        store[at] = k;
        store[at + 1] = (i & (SEGMENT_BYTES - 1)) | (state << 24);
        cursor[target] = at + 2;
      }
      const next = blockNext[block] as number;
      blockNext[block] = this.freeTop;
      this.freeTop = block;
      block = next;
      end = (block + 1) * BLOCK_WORDS; // older blocks are full
    }
  }
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

/** Primes from here on go to the buckets. */
const LARGE_FROM = SEGMENT_BYTES * 2;

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

  private readonly base: bigint; // multiple of 30, <= from
  private readonly baseValue: number; // base as a Number when exact, else NaN
  private readonly byteCount: number;
  private readonly firstKeep: number;
  private readonly lastKeep: number;
  private segment = 0;
  private readonly segmentCount: number;
  /** The segment: its full size, or less for a short range (bucket hits past its end are ignored writes). */
  private readonly bytes: Uint8Array;
  private readonly words: Uint32Array;
  private readonly patterns = getPresievePatterns();
  /** Each pattern's byte offset for the current segment. */
  private readonly patternOffsets: number[];

  // small and medium primes: next multiple as a byte offset from the current segment, and its wheel index
  private readonly smallPrimes: Uint32Array;
  private readonly smallCount: number;
  /** smallPrimes[0..tinyEnd) are crossed off block by block (in L1), [tinyEnd..unrolledEnd) unrolled, the rest stepwise. */
  private readonly tinyEnd: number = 0;
  private readonly unrolledEnd: number = 0;
  private readonly position: Int32Array;
  private readonly wheel: Uint8Array;

  // large primes
  private readonly largePrimes: Uint32Array;
  private readonly buckets: Buckets | null;
  /** Next large prime not yet in a bucket (its first multiple p^2 lies beyond the window so far). */
  private pendingLarge = 0;
  private readonly bucketWindow: number;
  private readonly sqrtFrom: number;

  /** How many of 2, 3 and 5 (not on the wheel) lie in [from, to]. */
  private readonly extraPrimes: number;
  /** from - base, 0..29. */
  private readonly startResidue: number;

  constructor(from: bigint, to: bigint, primes: Uint32Array = sievingPrimes(to > 1n ? isqrtNumber(to) : 1)) {
    if (from < 0n || to > MAX_SIEVE_BOUND) throw new RangeError(`Bounds must lie in [0, ${MAX_SIEVE_BOUND}]`);
    this.from = from;
    this.to = to;
    if (to < from) {
      this.total = 0;
      this.base = 0n;
      this.baseValue = 0;
      this.byteCount = 0;
      this.firstKeep = 0;
      this.lastKeep = 0;
      this.segmentCount = 0;
      this.patternOffsets = [];
      this.smallPrimes = new Uint32Array(0);
      this.smallCount = 0;
      this.position = new Int32Array(0);
      this.wheel = new Uint8Array(0);
      this.largePrimes = new Uint32Array(0);
      this.buckets = null;
      this.bucketWindow = 0;
      this.sqrtFrom = 0;
      this.extraPrimes = 0;
      this.startResidue = 0;
      this.bytes = new Uint8Array(0);
      this.words = new Uint32Array(0);
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
    this.bytes = new Uint8Array(Math.min(SEGMENT_BYTES, (this.byteCount + 3) & ~3));
    this.words = new Uint32Array(this.bytes.buffer);
    this.patternOffsets = this.patterns.map((pattern) => Number((this.base / 30n) % BigInt(pattern.period)));
    this.extraPrimes = [2n, 3n, 5n].filter((p) => p >= from && p <= to).length;
    this.startResidue = Number(from - this.base);

    // Only primes p with p^2 <= to matter; the pre-sieve's are done already.
    const limit = to > 1n ? isqrtNumber(to) : 1;
    const first = upperBound(primes, Math.max(...PRESIEVED_PRIMES));
    const end = Math.max(first, upperBound(primes, limit));
    const split = Math.max(first, Math.min(end, upperBound(primes, LARGE_FROM - 1)));
    this.smallPrimes = primes.subarray(first, split);
    this.smallCount = this.smallPrimes.length;
    this.tinyEnd = Math.min(this.smallCount, upperBound(this.smallPrimes, TINY_BELOW));
    this.unrolledEnd = Math.max(this.tinyEnd, Math.min(this.smallCount, upperBound(this.smallPrimes, SEGMENT_BYTES / 2)));
    this.position = new Int32Array(this.smallCount);
    this.wheel = new Uint8Array(this.smallCount);
    this.largePrimes = primes.subarray(split, end);
    this.sqrtFrom = from > 0n ? isqrtNumber(from) : 0;

    const baseHigh = Number(this.base / 16777216n);
    const baseLow = Number(this.base % 16777216n);
    for (let i = 0; i < this.smallCount; i++) {
      const p = this.smallPrimes[i] as number;
      const first = p > this.sqrtFrom ? this.squareOf(p) : firstMultipleFrom(p, baseHigh, baseLow, this.startResidue);
      this.position[i] = Math.floor(Math.floor(first / 8) / 30);
      this.wheel[i] = first & 7;
    }

    if (this.largePrimes.length > 0) {
      const maxPrime = this.largePrimes[this.largePrimes.length - 1] as number;
      // A large prime's next multiple is less than 6p numbers (p/5 bytes) on: the buckets must reach that far.
      let bucketCount = 2;
      while (bucketCount * SEGMENT_BYTES < maxPrime / 5 + 2 * SEGMENT_BYTES) bucketCount *= 2;
      this.bucketWindow = bucketCount - 1;
      const buckets = new Buckets(bucketCount, Math.ceil(this.largePrimes.length / BLOCK_ENTRIES) + bucketCount + 1);
      this.buckets = buckets;
      // Primes with p^2 <= from start right away; the others (p^2 inside the range) join as the window reaches p^2.
      this.pendingLarge = buckets.placeFirstMultiples(
        new Int32Array(this.largePrimes.buffer, this.largePrimes.byteOffset, this.largePrimes.length),
        this.sqrtFrom,
        baseHigh,
        baseLow,
        this.startResidue,
        this.segmentCount,
      );
    } else {
      this.bucketWindow = 0;
      this.buckets = null;
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
    if (this.segment >= this.segmentCount) this.done = true;
  }

  private sieveSegment(consume?: SegmentConsumer): void {
    const segment = this.segment;
    const start = segment * SEGMENT_BYTES;
    const length = Math.min(SEGMENT_BYTES, this.byteCount - start);
    const bytes = this.bytes;

    // 1. Pre-sieve.
    presieve(this.words, (length + 3) >> 2, this.patterns, this.patternOffsets);
    for (let t = 0; t < this.patterns.length; t++) {
      this.patternOffsets[t] = ((this.patternOffsets[t] as number) + SEGMENT_BYTES) % (this.patterns[t] as PresievePattern).period;
    }

    // 2. Small primes block by block, so their many hits stay in L1; then the medium ones over the whole segment.
    const { smallPrimes, position, wheel } = this;
    for (let blockEnd = BLOCK_BYTES; ; blockEnd += BLOCK_BYTES) {
      crossOffUnrolled(bytes, smallPrimes, position, wheel, 0, this.tinyEnd, Math.min(blockEnd, length));
      if (blockEnd >= length) break;
    }
    crossOffUnrolled(bytes, smallPrimes, position, wheel, this.tinyEnd, this.unrolledEnd, length);
    crossOffStepwise(bytes, smallPrimes, position, wheel, this.unrolledEnd, this.smallCount, length);
    for (let j = 0, n = this.smallCount; j < n; j++) position[j] = (position[j] as number) - SEGMENT_BYTES;

    // 3. Large primes: first let in those whose p^2 comes within the buckets' reach.
    if (this.buckets) {
      const reach = (segment + this.bucketWindow) * SEGMENT_BYTES;
      while (this.pendingLarge < this.largePrimes.length) {
        const p = this.largePrimes[this.pendingLarge] as number;
        const byteOffset = Math.floor(Number(BigInt(p) * BigInt(p) - this.base) / 30);
        if (byteOffset >= reach) break;
        const bucket = Math.floor(byteOffset / SEGMENT_BYTES);
        if (bucket < this.segmentCount) {
          const k = Math.floor(p / 30);
          const c = CLASS_OF[p - 30 * k] as number;
          this.buckets.push(bucket, k, (c << 3) | c, byteOffset - bucket * SEGMENT_BYTES);
        }
        this.pendingLarge++;
      }
      this.buckets.sieve(segment, bytes);
    }

    // 4. The range's edges, and the number 1 and the pre-sieved primes themselves.
    if (segment === 0) {
      // 1 is not prime; the pre-sieve crossed its own primes off (they are all below 60).
      if (this.base === 0n) bytes[0] = (bytes[0] as number) & 0xfe;
      if (this.base < 60n) {
        const base = Number(this.base);
        for (const p of PRESIEVED_PRIMES) {
          if (p < base) continue;
          const at = Math.floor((p - base) / 30);
          bytes[at] = (bytes[at] as number) | (1 << (CLASS_OF[p % 30] as number));
        }
      }
      bytes[0] = (bytes[0] as number) & this.firstKeep;
    }
    if (segment === this.segmentCount - 1) {
      bytes[length - 1] = (bytes[length - 1] as number) & this.lastKeep;
      bytes.fill(0, length);
    }

    // 5. Count, and hand the segment out.
    let count = countBits(this.words, (length + 3) >> 2);
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
