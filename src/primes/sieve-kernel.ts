/**
 * The sieve's inner loops as a WebAssembly module, built at run time (src/primes/wasm.ts) from the wheel tables.
 *
 * Why WebAssembly: in plain JavaScript one crossing-off (`bytes[i] &= mask`) compiles to about a dozen machine
 * instructions (a bounds check, an overflow check, registers spilled around the unrolled loop); in WebAssembly it is
 * four (address, load, and, store): memory accesses need no bounds check (guard pages), the masks are constants of
 * one loop per class of the prime, and the counts use the CPU's popcount. Measured with callgrind on the whole sieve:
 * 40 % fewer instructions than the JavaScript loops. The module is a few KB and compiles in about a millisecond.
 *
 * Memory layout of an instance (one per SegmentSieve; all addresses in bytes):
 *   [0, SEGMENT_BYTES + SLACK)   the segment being sieved (bit set = prime); SLACK bytes past its end may be written
 *   TABLES                        the wheel tables (below)
 *   GLOBALS                       bucket state words (G_*)
 *   PATTERNS                      pre-sieve patterns, one period each plus 16 bytes of wrap-around
 *   then per sieve: small primes (u32), their next multiples (i32), their wheel indexes (u8); large primes (u32);
 *   bucket heads and cursors; the bucket blocks.
 */
import { Code, encodeModule, type FunctionSpec, type ValueType } from './wasm.js';

export const RESIDUES = [1, 7, 11, 13, 17, 19, 23, 29] as const;
/** q steps through the numbers coprime to 30: 1 -> 7 -> 11 -> ... -> 29 -> 31. */
export const GAPS = [6, 4, 2, 4, 2, 4, 6, 2] as const;
/** Sum of the gaps before each wheel index: a turn hits q = 1, 7, 11, ... at k * SUM_GAPS[w] + ... bytes. */
const SUM_GAPS = [0, 6, 10, 12, 16, 18, 22, 28] as const;

/** Index in RESIDUES of a residue mod 30, or -1. */
export const CLASS_OF = new Int8Array(30).fill(-1);
RESIDUES.forEach((r, i) => (CLASS_OF[r] = i));

/** Segment size in bytes (a power of two). */
export const SEGMENT_SHIFT = 19;
export const SEGMENT_BYTES = 1 << SEGMENT_SHIFT;
/** Bytes past the segment the kernels may touch (pre-sieve and count work on 16 and 32 bytes at a time). */
const SLACK = 64;

/** For prime class c and multiplier wheel index w: the bit of p*q, and the extra bytes to the next multiple. */
function wheelCell(c: number, w: number): { bit: number; inc: number } {
  const residue = ((RESIDUES[c] as number) * (RESIDUES[w] as number)) % 30;
  return { bit: CLASS_OF[residue] as number, inc: Math.floor((residue + (RESIDUES[c] as number) * (GAPS[w] as number)) / 30) };
}

/** Per prime class: the 8 byte offsets (beyond k * SUM_GAPS) and bit masks of one turn of the wheel. */
export const TURN: { offsets: number[]; masks: number[] }[] = Array.from({ length: 8 }, (_, c) => {
  const offsets: number[] = [];
  const masks: number[] = [];
  let cumulative = 0;
  for (let w = 0; w < 8; w++) {
    const { bit, inc } = wheelCell(c, w);
    offsets.push(cumulative);
    masks.push(~(1 << bit) & 0xff);
    cumulative += inc;
  }
  return { offsets, masks };
});

// ---------------------------------------------------------------- tables in memory

const TABLES = SEGMENT_BYTES + SLACK;
/** 64 words, one per state s = class * 8 + wheel index: mask | gap << 8 | extra bytes << 16 | next state << 24. */
const T_STEP = TABLES;
/** For r in 0..29: class of r times 8 (0 when r is not coprime to 30). */
const T_CLASS8 = TABLES + 256;
/** i % 30 for i in 0..63. */
const T_MOD30 = TABLES + 288;
/** p^-1 mod 30 for each residue r of a prime. */
const T_INVERSE = TABLES + 352;
/** From q mod 30 to the next q' >= q coprime to 30: how far, and the wheel index of q'. */
const T_ADVANCE = TABLES + 384;
const T_ADVANCE_CLASS = TABLES + 416;
const TABLES_BYTES = 448;

function tableBytes(): Uint8Array {
  const bytes = new Uint8Array(TABLES_BYTES);
  const view = new DataView(bytes.buffer);
  for (let c = 0; c < 8; c++) {
    for (let w = 0; w < 8; w++) {
      const { bit, inc } = wheelCell(c, w);
      const next = c * 8 + ((w + 1) & 7);
      view.setUint32((c * 8 + w) * 4, ((~(1 << bit) & 0xff) | ((GAPS[w] as number) << 8) | (inc << 16) | (next << 24)) >>> 0, true);
    }
  }
  for (let r = 0; r < 30; r++) {
    const c = CLASS_OF[r] as number;
    bytes[T_CLASS8 - TABLES + r] = c === -1 ? 0 : c * 8;
    let d = 0;
    while (CLASS_OF[(r + d) % 30] === -1) d++;
    bytes[T_ADVANCE - TABLES + r] = d;
    bytes[T_ADVANCE_CLASS - TABLES + r] = CLASS_OF[(r + d) % 30] as number;
    if (c !== -1) for (let x = 1; x < 30; x++) if ((r * x) % 30 === 1) bytes[T_INVERSE - TABLES + r] = x;
  }
  for (let i = 0; i < 64; i++) bytes[T_MOD30 - TABLES + i] = i % 30;
  return bytes;
}

// Bucket state, one word each.
const GLOBALS = TABLES + TABLES_BYTES;
const G_MASK = GLOBALS; // bucket count - 1
const G_HEADS = GLOBALS + 4; // address of the heads array (bucket -> newest block, 0 for none)
const G_CURSORS = GLOBALS + 8; // address of the cursors array (bucket -> where its next entry goes)
const G_FREE = GLOBALS + 12; // top of the free block list (0 for none)
const G_ALLOC = GLOBALS + 16; // next block never used
const GLOBALS_BYTES = 64;

/** A bucket block: an 8-byte header (the next block's address) and entries of 8 bytes (k, then offset | state << 24). */
export const BLOCK_BYTES = 8192;
export const BLOCK_ENTRIES = BLOCK_BYTES / 8 - 1;

// ---------------------------------------------------------------- pre-sieve patterns

/**
 * The multiples of the primes 7..163 are not crossed off one by one: each segment starts as the AND of periodic
 * patterns, one per group of primes (period = the product of the group's primes, in bytes), 16 bytes at a time.
 * Groups of two primes above 60 keep every pattern small (all of them fit in the L2 cache); measured best against
 * stopping at 59 (the crossing-off of 61..163 costs more than 11 more patterns to AND) and against going on to 251.
 */
export const PRESIEVE_GROUPS = [
  [7, 11, 13, 17, 19],
  [23, 29, 31],
  [37, 41, 43],
  [47, 53, 59],
  [61, 67],
  [71, 73],
  [79, 83],
  [89, 97],
  [101, 103],
  [107, 109],
  [113, 127],
  [131, 137],
  [139, 149],
  [151, 157],
  [163],
];
export const PRESIEVED_PRIMES = PRESIEVE_GROUPS.flat();
/** Patterns ANDed per pass over the segment (more would not stay in registers). */
const PATTERNS_PER_PASS = 6;

const PATTERN_TABLE = GLOBALS + GLOBALS_BYTES; // per pattern: its current offset (i32)
const PATTERN_PERIODS = PRESIEVE_GROUPS.map((group) => group.reduce((a, b) => a * b, 1));
const PATTERN_ADDRESSES: number[] = [];
let patternsEnd = PATTERN_TABLE + 4 * PRESIEVE_GROUPS.length;
for (const period of PATTERN_PERIODS) {
  patternsEnd = (patternsEnd + 15) & ~15;
  PATTERN_ADDRESSES.push(patternsEnd);
  patternsEnd += period + 16;
}
/** First free address after the fixed part of the layout. */
const FIXED_END = (patternsEnd + 63) & ~63;

// ---------------------------------------------------------------- code

/** A function with named parameters and locals: `build` gets the code and each name's local index. */
function define<P extends Record<string, ValueType>, L extends Record<string, ValueType>>(
  name: string,
  params: P,
  locals: L,
  results: ValueType[],
  build: (code: Code, at: { [K in keyof P | keyof L]: number }) => void,
): FunctionSpec {
  const names = [...Object.keys(params), ...Object.keys(locals)];
  const at = Object.fromEntries(names.map((n, i) => [n, i])) as { [K in keyof P | keyof L]: number };
  const code = new Code();
  build(code, at);
  return { name, params: Object.values(params), results, locals: Object.values(locals), code };
}

/**
 * Pre-sieve: segment[0, n) = AND of the patterns, each from its current offset, which moves on by n. n must be a
 * multiple of 16. Several passes of at most PATTERNS_PER_PASS patterns; each pass runs in stretches where no pattern
 * wraps around.
 */
function presieveSpec(): FunctionSpec {
  const passes: number[][] = [];
  for (let g = 0; g < PRESIEVE_GROUPS.length; g += PATTERNS_PER_PASS) passes.push(PATTERN_PERIODS.slice(g, g + PATTERNS_PER_PASS).map((_, i) => g + i));
  // a0..a5: where each pattern of a pass is read.
  const locals = { x: 'i32', stretch: 'i32', stop: 'i32', left: 'i32', v: 'v128', a0: 'i32', a1: 'i32', a2: 'i32', a3: 'i32', a4: 'i32', a5: 'i32' } as const;
  return define('presieve', { n: 'i32' }, locals, [], (c, at) => {
    const { n, x, stretch, stop, left, v } = at;
    const patternReads = [at.a0, at.a1, at.a2, at.a3, at.a4, at.a5];
    const a = (i: number) => patternReads[i] as number;
    passes.forEach((pass, passIndex) => {
      // a_i: where pattern i is read.
      pass.forEach((g, i) => c.i32(PATTERN_ADDRESSES[g] as number).i32(PATTERN_TABLE + 4 * g).i32Load().i32Add().set(a(i)));
      c.i32(0).set(x);
      c.block('stretches').loop('stretch');
      c.get(x).get(n).i32GeU().brIf('stretches');
      // The stretch: up to the end of the segment or of the first pattern to wrap around, in 16-byte steps.
      c.get(n).get(x).i32Sub().set(stretch);
      pass.forEach((g, i) => {
        c.i32((PATTERN_ADDRESSES[g] as number) + (PATTERN_PERIODS[g] as number)).get(a(i)).i32Sub().set(left);
        c.get(left).get(stretch).get(left).get(stretch).i32LtU().select().set(stretch);
      });
      c.get(x).get(stretch).i32(15).i32Add().i32(-16).i32And().i32Add().set(stop);
      c.loop('words');
      pass.forEach((_, i) => {
        c.get(a(i)).v128Load();
        if (i > 0) c.v128And();
        c.get(a(i)).i32(16).i32Add().set(a(i));
      });
      if (passIndex > 0) c.get(x).v128Load().v128And();
      c.set(v).get(x).get(v).v128Store();
      c.get(x).i32(16).i32Add().tee(x).get(stop).i32LtU().brIf('words');
      c.end();
      // Each pattern read past its period goes back by one (the 16 bytes past its end repeat its start).
      pass.forEach((g, i) => {
        c.get(a(i)).i32((PATTERN_ADDRESSES[g] as number) + (PATTERN_PERIODS[g] as number)).i32GeU();
        c.if().get(a(i)).i32(PATTERN_PERIODS[g] as number).i32Sub().set(a(i)).end();
      });
      c.br('stretch').end().end();
      pass.forEach((g, i) => c.i32(PATTERN_TABLE + 4 * g).get(a(i)).i32(PATTERN_ADDRESSES[g] as number).i32Sub().i32Store());
    });
  });
}

/** Set bits of segment[0, n), n a multiple of 32. */
function countSpec(): FunctionSpec {
  return define('count', { n: 'i32' }, { x: 'i32', total: 'i64' }, ['i32'], (c, { n, x, total }) => {
    c.block('done').loop('words');
    c.get(x).get(n).i32GeU().brIf('done');
    c.get(total);
    for (const offset of [0, 8, 16, 24]) c.get(x).i64Load(offset).i64Popcnt().i64Add();
    c.set(total).get(x).i32(32).i32Add().set(x).br('words');
    c.end().end();
    c.get(total).i32WrapI64();
  });
}

/**
 * Small and medium primes: for primes[first..last), cross off every multiple below `end` from the next one
 * (position[j], wheel[j]), and leave it at its first multiple at or past `end`, minus `shift`.
 *
 * As primesieve does, a jump table enters straight at the prime's state (class of p, wheel index): steps one
 * multiple at a time (constant mask and increment, a check against `end` each) to the start of a turn of the wheel;
 * then whole turns while one fits below `end`, 8 hits at fixed offsets and no checks; then checked steps to `end`.
 */
function crossSmallSpec(): FunctionSpec {
  const params = { primes: 'i32', position: 'i32', wheel: 'i32', j: 'i32', last: 'i32', end: 'i32', shift: 'i32' } as const;
  // k2..k28: k times each gap (2, 4, 6) for steps, and times each sum of gaps for the offsets of a turn.
  const locals = {
    i: 'i32', p: 'i32', k: 'i32', state: 'i32', wheelOut: 'i32', limit: 'i32', address: 'i32',
    k2: 'i32', k4: 'i32', k6: 'i32', k10: 'i32', k12: 'i32', k16: 'i32', k18: 'i32', k22: 'i32', k28: 'i32',
  } as const;
  return define('crossSmall', params, locals, [], (c, at) => {
    const { primes, position, wheel, j, last, end, shift, i, p, k, state, wheelOut, limit, address } = at;
    const multiples: Record<number, number> = { 2: at.k2, 4: at.k4, 6: at.k6, 10: at.k10, 12: at.k12, 16: at.k16, 18: at.k18, 22: at.k22, 28: at.k28 };
    const kTimes = (g: number) => multiples[g] as number;

    /** One multiple of a prime of class cls at wheel index w, when below end; else leave with wheel index w. */
    const checkedStep = (cls: number, w: number) => {
      const { bit, inc } = wheelCell(cls, w);
      c.get(i).get(end).i32GeS().if().i32(w).set(wheelOut).br('done').end();
      c.get(i).get(i).i32Load8u().i32(~(1 << bit) & 0xff).i32And().i32Store8();
      c.get(i).get(kTimes(GAPS[w] as number)).i32Add();
      if (inc !== 0) c.i32(inc).i32Add();
      c.set(i);
    };
    const turns = (cls: number) => {
      const { offsets, masks } = TURN[cls] as { offsets: number[]; masks: number[] };
      c.get(end).get(kTimes(28)).i32Sub().i32(offsets[7] as number).i32Sub().set(limit);
      c.loop(`turn${cls}`);
      c.block('turned').loop('turns');
      c.get(i).get(limit).i32GeS().brIf('turned');
      for (let w = 0; w < 8; w++) {
        if (w === 0) c.get(i).get(i);
        else c.get(i).get(kTimes(SUM_GAPS[w] as number)).i32Add().tee(address).get(address);
        c.i32Load8u(offsets[w]).i32(masks[w] as number).i32And().i32Store8(offsets[w]);
      }
      c.get(i).get(p).i32Add().set(i).br('turns');
      c.end().end();
      // A whole turn does not fit any more: at most 7 more multiples lie below end.
      for (let w = 0; w < 8; w++) checkedStep(cls, w);
      c.br(`turn${cls}`).end();
    };

    c.block('exit').loop('primes');
    c.get(j).get(last).i32GeU().brIf('exit');
    c.block('store');
    c.get(position).get(j).i32(2).i32Shl().i32Add().i32Load().tee(i).get(end).i32GeS().brIf('store');
    c.get(primes).get(j).i32(2).i32Shl().i32Add().i32Load().tee(p).i32(30).i32DivU().set(k);
    c.get(p).get(k).i32(30).i32Mul().i32Sub().i32Load8u(T_CLASS8).get(wheel).get(j).i32Add().i32Load8u().i32Add().set(state);
    for (const g of [2, 4, 6, 10, 12, 16, 18, 22, 28]) c.get(k).i32(g).i32Mul().set(kTimes(g));
    c.block('done');
    // One block per state, in the order of the code below: for each class, the steps from wheel index 1 to 7 fall
    // through into the turns (entered directly at wheel index 0).
    const order: string[] = [];
    for (let cls = 0; cls < 8; cls++) for (const w of [1, 2, 3, 4, 5, 6, 7, 0]) order.push(`s${cls * 8 + w}`);
    for (let b = order.length - 1; b >= 0; b--) c.block(order[b] as string);
    c.get(state).brTable(Array.from({ length: 64 }, (_, s) => `s${s}`), 's0');
    c.end();
    order.forEach((label, b) => {
      const s = Number(label.slice(1));
      const cls = s >> 3;
      const w = s & 7;
      if (w !== 0) checkedStep(cls, w);
      else turns(cls);
      if (b + 1 < order.length) c.end();
    });
    c.end(); // done
    c.get(wheel).get(j).i32Add().get(wheelOut).i32Store8();
    c.end(); // store
    c.get(position).get(j).i32(2).i32Shl().i32Add().get(i).get(shift).i32Sub().i32Store();
    c.get(j).i32(1).i32Add().set(j).br('primes');
    c.end().end();
  });
}

/** One step of the wheel for a large prime in (i, k, state), from the step table: cross off segment[i], move on. */
function tableStep(c: Code, { i, k, state, step }: { i: number; k: number; state: number; step: number }): void {
  c.get(state).i32(2).i32Shl().i32Load(T_STEP).set(step);
  c.get(i).get(i).i32Load8u().get(step).i32And().i32Store8();
  c.get(i).get(k).get(step).i32(8).i32ShrU().i32(255).i32And().i32Mul().i32Add();
  c.get(step).i32(16).i32ShrU().i32(255).i32And().i32Add().set(i);
  c.get(step).i32(24).i32ShrU().set(state);
}

const BUCKET_LOCALS = { heads: 'i32', cursors: 'i32', mask: 'i32', slot: 'i32', entry: 'i32', fresh: 'i32', head: 'i32', bucket: 'i32' } as const;
type BucketLocals = { [K in keyof typeof BUCKET_LOCALS]: number };

function loadBucketState(c: Code, { heads, cursors, mask }: BucketLocals): void {
  c.i32(G_HEADS).i32Load().set(heads).i32(G_CURSORS).i32Load().set(cursors).i32(G_MASK).i32Load().set(mask);
}

/**
 * Appends an entry (k, packed), both on the stack, to the bucket in local `bucket`, taking a block from the free
 * list (or a never used one) when the bucket's newest block is full. Uses locals slot, entry, fresh, head.
 */
function push(c: Code, at: BucketLocals, k: number, packed: number): void {
  const { heads, cursors, bucket, slot, entry, fresh, head } = at;
  c.get(cursors).get(bucket).i32(2).i32Shl().i32Add().tee(slot).i32Load().tee(entry);
  c.i32(BLOCK_BYTES - 1).i32And().i32Eqz().if();
  c.i32(G_FREE).i32Load().tee(fresh).if();
  c.i32(G_FREE).get(fresh).i32Load().i32Store();
  c.else();
  c.i32(G_ALLOC).i32Load().set(fresh).i32(G_ALLOC).get(fresh).i32(BLOCK_BYTES).i32Add().i32Store();
  c.end();
  // The fresh block becomes the bucket's newest; its header links the older ones.
  c.get(heads).get(bucket).i32(2).i32Shl().i32Add().tee(head);
  c.get(fresh).get(head).i32Load().i32Store();
  c.get(fresh).i32Store();
  c.get(fresh).i32(8).i32Add().set(entry);
  c.end();
  c.get(entry).get(k).i32Store().get(entry).get(packed).i32Store(4);
  c.get(slot).get(entry).i32(8).i32Add().i32Store();
}

/**
 * Large primes: cross off every entry of bucket `segment` (each hits the segment once or a few times) and move each
 * to the bucket of the segment its next multiple falls in; the bucket's blocks go back to the free list.
 */
function bucketSieveSpec(): FunctionSpec {
  const locals = { ...BUCKET_LOCALS, block: 'i32', end: 'i32', e: 'i32', k: 'i32', i: 'i32', state: 'i32', step: 'i32', next: 'i32', packed: 'i32' } as const;
  return define('bucketSieve', { segment: 'i32' }, locals, [], (c, at) => {
    const { segment, heads, cursors, mask, slot, block, end, e, k, i, state, next, packed, bucket } = at;
    loadBucketState(c, at);
    c.get(heads).get(segment).get(mask).i32And().i32(2).i32Shl().i32Add().tee(slot).i32Load().tee(block);
    c.i32Eqz().if().return().end();
    c.get(slot).i32(0).i32Store();
    c.get(cursors).get(segment).get(mask).i32And().i32(2).i32Shl().i32Add().tee(slot).i32Load().set(end);
    c.get(slot).i32(0).i32Store();
    c.block('blocks-done').loop('blocks');
    c.get(block).i32Eqz().brIf('blocks-done');
    c.get(block).i32(8).i32Add().set(e);
    c.block('entries-done').loop('entries');
    c.get(e).get(end).i32GeU().brIf('entries-done');
    c.get(e).i32Load().set(k);
    c.get(e).i32Load(4).tee(i).i32(24).i32ShrU().set(state);
    c.get(i).i32(SEGMENT_BYTES - 1).i32And().set(i);
    c.loop('hits');
    tableStep(c, at);
    c.get(i).i32(SEGMENT_BYTES).i32LtS().brIf('hits');
    c.end();
    c.get(segment).get(i).i32(SEGMENT_SHIFT).i32ShrU().i32Add().get(mask).i32And().set(bucket);
    c.get(i).i32(SEGMENT_BYTES - 1).i32And().get(state).i32(24).i32Shl().i32Or().set(packed);
    push(c, at, k, packed);
    c.get(e).i32(8).i32Add().set(e).br('entries');
    c.end().end();
    // Older blocks are full; this one goes back to the free list.
    c.get(block).i32Load().set(next);
    c.get(block).i32(G_FREE).i32Load().i32Store();
    c.i32(G_FREE).get(block).i32Store();
    c.get(next).tee(block).i32(BLOCK_BYTES).i32Add().set(end);
    c.br('blocks');
    c.end().end();
  });
}

/**
 * Puts the large primes[j..count) with p <= sqrtFrom (an ascending prefix) in the bucket of their first multiple p*q
 * >= from = base + startResidue (base a multiple of 30), q coprime to 30; primes with no multiple in the chunk are
 * left out. Returns the index of the first prime with p > sqrtFrom.
 */
function placeFirstSpec(): FunctionSpec {
  const params = { primes: 'i32', j: 'i32', count: 'i32', sqrtFrom: 'i32', base: 'i64', startResidue: 'i32', segmentCount: 'i32' } as const;
  const locals = { ...BUCKET_LOCALS, p: 'i32', r: 'i32', pr: 'i32', t: 'i32', d0: 'i32', q: 'i32', offset: 'i32', k: 'i32', packed: 'i32' } as const;
  return define('placeFirst', params, locals, ['i32'], (c, at) => {
    const { primes, j, count, sqrtFrom, base, startResidue, segmentCount, mask, p, r, pr, t, d0, q, offset, k, packed, bucket } = at;
    loadBucketState(c, at);
    c.block('exit').loop('primes');
    c.get(j).get(count).i32GeU().brIf('exit');
    c.get(primes).get(j).i32(2).i32Shl().i32Add().i32Load().tee(p).get(sqrtFrom).i32GtU().brIf('exit');
    c.block('next');
    // r = base mod p; base = p * qBase + r, and qBase = -r / p (mod 30) as base is a multiple of 30.
    c.get(base).get(p).i64ExtendI32U().i64RemU().i32WrapI64().set(r);
    c.get(p).i32(30).i32RemU().set(pr);
    // The first multiple p * (qBase + d) >= from: d0 = 0, 1 or 2 numbers on, then on to a q coprime to 30.
    c.get(r).get(startResidue).i32Add().set(t);
    c.i32(1).i32(2).get(t).get(p).i32LeU().select().i32(0).get(t).select().set(d0);
    c.i32(30).get(r).i32(30).i32RemU().i32Sub().i32Load8u(T_MOD30);
    c.get(pr).i32Load8u(T_INVERSE).i32Mul().i32(30).i32RemU().get(d0).i32Add().i32Load8u(T_MOD30).set(q);
    // p * (d0 + advance) < 2^32 (p < 2^29): exact in unsigned 32-bit arithmetic.
    c.get(p).get(d0).get(q).i32Load8u(T_ADVANCE).i32Add().i32Mul().get(r).i32Sub().i32(30).i32DivU().tee(offset);
    c.i32(SEGMENT_SHIFT).i32ShrU().get(segmentCount).i32GeU().brIf('next'); // no multiple in the chunk
    c.get(offset).i32(SEGMENT_SHIFT).i32ShrU().get(mask).i32And().set(bucket);
    c.get(p).get(pr).i32Sub().i32(30).i32DivU().set(k);
    c.get(offset).i32(SEGMENT_BYTES - 1).i32And();
    c.get(pr).i32Load8u(T_CLASS8).get(q).i32Load8u(T_ADVANCE_CLASS).i32Or().i32(24).i32Shl().i32Or().set(packed);
    push(c, at, k, packed);
    c.end();
    c.get(j).i32(1).i32Add().set(j).br('primes');
    c.end().end();
    c.get(j);
  });
}

/**
 * Lets in the large primes[j..count) whose square p^2 (their first multiple to cross off) lies less than `reach`
 * bytes from base: each goes to the bucket of p^2's segment. Returns the index of the first prime left waiting.
 */
function admitSpec(): FunctionSpec {
  const params = { primes: 'i32', j: 'i32', count: 'i32', base: 'i64', reach: 'i64', segmentCount: 'i32' } as const;
  const locals = { ...BUCKET_LOCALS, p: 'i32', offset64: 'i64', offset: 'i32', c8: 'i32', k: 'i32', packed: 'i32' } as const;
  return define('admit', params, locals, ['i32'], (c, at) => {
    const { primes, j, count, base, reach, segmentCount, mask, p, offset64, offset, c8, k, packed, bucket } = at;
    loadBucketState(c, at);
    c.block('exit').loop('primes');
    c.get(j).get(count).i32GeU().brIf('exit');
    c.get(primes).get(j).i32(2).i32Shl().i32Add().i32Load().tee(p);
    c.i64ExtendI32U().get(p).i64ExtendI32U().i64Mul().get(base).i64Sub().i64(30n).i64DivU().tee(offset64);
    c.get(reach).i64GeU().brIf('exit');
    c.get(offset64).i32WrapI64().tee(offset).i32(SEGMENT_SHIFT).i32ShrU().get(segmentCount).i32LtU();
    c.if();
    // The multiplier of p^2 is p: its wheel index is p's class.
    c.get(p).i32(30).i32RemU().i32Load8u(T_CLASS8).set(c8);
    c.get(offset).i32(SEGMENT_SHIFT).i32ShrU().get(mask).i32And().set(bucket);
    c.get(p).i32(30).i32DivU().set(k);
    c.get(offset).i32(SEGMENT_BYTES - 1).i32And().get(c8).get(c8).i32(3).i32ShrU().i32Or().i32(24).i32Shl().i32Or().set(packed);
    push(c, at, k, packed);
    c.end();
    c.get(j).i32(1).i32Add().set(j).br('primes');
    c.end().end();
    c.get(j);
  });
}

// ---------------------------------------------------------------- instances

interface KernelExports {
  memory: WebAssembly.Memory;
  presieve(n: number): void;
  count(n: number): number;
  crossSmall(primes: number, position: number, wheel: number, first: number, last: number, end: number, shift: number): void;
  bucketSieve(segment: number): void;
  placeFirst(primes: number, j: number, count: number, sqrtFrom: number, base: bigint, startResidue: number, segmentCount: number): number;
  admit(primes: number, j: number, count: number, base: bigint, reach: bigint, segmentCount: number): number;
}

let compiled: WebAssembly.Module | null = null;

function kernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(encodeModule([presieveSpec(), countSpec(), crossSmallSpec(), bucketSieveSpec(), placeFirstSpec(), admitSpec()], 1));
  return compiled;
}

const PAGE = 65536;

/** The sizes a sieve needs: its small and large sieving primes and bucket count. */
export interface KernelPlan {
  smallCount: number;
  largeCount: number;
  bucketCount: number;
}

/**
 * One instance of the kernel and its memory, laid out for one sieve at a time (`layout`), with views on its arrays.
 * Bucket blocks are allocated up front for the worst case (every large prime in a bucket, one partly filled block per
 * bucket, and the block being emptied), so the memory never grows while sieving and the views stay valid.
 */
export class Kernel {
  readonly exports: KernelExports;
  segment!: Uint8Array;
  smallPrimes!: Uint32Array;
  position!: Int32Array;
  wheel!: Uint8Array;
  largePrimes!: Uint32Array;
  smallPrimesAt = 0;
  positionAt = 0;
  wheelAt = 0;
  largePrimesAt = 0;

  constructor() {
    const instance = new WebAssembly.Instance(kernelModule(), {});
    this.exports = instance.exports as unknown as KernelExports;
    const scratch = FIXED_END;
    this.grow(scratch + 128);
    const buffer = this.exports.memory.buffer;
    new Uint8Array(buffer, TABLES, TABLES_BYTES).set(tableBytes());
    this.makePatterns(scratch);
  }

  /**
   * Each pre-sieve pattern is a small sieve of its own: its primes crossed off (from p itself) over one period in the
   * segment, by the kernel, then copied to its place with 16 bytes of wrap-around (a millisecond; in JavaScript the
   * same loops took a worker's first 30 ms).
   */
  private makePatterns(scratch: number): void {
    const memory = new Uint8Array(this.exports.memory.buffer);
    const primesAt = scratch;
    const positionAt = scratch + 32;
    const wheelAt = scratch + 64;
    const primes = new Uint32Array(memory.buffer, primesAt, 8);
    const position = new Int32Array(memory.buffer, positionAt, 8);
    PRESIEVE_GROUPS.forEach((group, g) => {
      const period = PATTERN_PERIODS[g] as number;
      memory.fill(0xff, 0, period);
      memory.fill(0, wheelAt, wheelAt + 8);
      for (const [j, p] of group.entries()) {
        primes[j] = p;
        position[j] = Math.floor(p / 30); // p * 1, wheel index 0
      }
      this.exports.crossSmall(primesAt, positionAt, wheelAt, 0, group.length, period, 0);
      const at = PATTERN_ADDRESSES[g] as number;
      memory.copyWithin(at, 0, period);
      memory.copyWithin(at + period, at, at + 16);
    });
  }

  /** Bytes of memory this instance holds. */
  get size(): number {
    return this.exports.memory.buffer.byteLength;
  }

  private grow(bytes: number): void {
    const memory = this.exports.memory;
    const pages = Math.ceil(bytes / PAGE);
    const have = memory.buffer.byteLength / PAGE;
    if (pages > have) memory.grow(pages - have);
  }

  /** Lays the memory out for a sieve of this plan (growing it when needed); the buckets start empty. */
  layout(plan: KernelPlan): void {
    let end = FIXED_END;
    const take = (bytes: number, align = 64): number => {
      const address = (end + align - 1) & ~(align - 1);
      end = address + bytes;
      return address;
    };
    this.smallPrimesAt = take(plan.smallCount * 4);
    this.positionAt = take(plan.smallCount * 4);
    this.wheelAt = take(plan.smallCount);
    this.largePrimesAt = take(plan.largeCount * 4);
    const heads = take(plan.bucketCount * 4);
    const cursors = take(plan.bucketCount * 4);
    const blocks = plan.largeCount > 0 ? Math.ceil(plan.largeCount / BLOCK_ENTRIES) + plan.bucketCount + 2 : 0;
    const store = take(blocks * BLOCK_BYTES, BLOCK_BYTES);
    this.grow(end);
    const buffer = this.exports.memory.buffer;
    const globals = new Int32Array(buffer, GLOBALS, GLOBALS_BYTES / 4);
    globals[(G_MASK - GLOBALS) / 4] = plan.bucketCount - 1;
    globals[(G_HEADS - GLOBALS) / 4] = heads;
    globals[(G_CURSORS - GLOBALS) / 4] = cursors;
    globals[(G_FREE - GLOBALS) / 4] = 0;
    globals[(G_ALLOC - GLOBALS) / 4] = store;
    // A reused instance holds the last sieve's buckets: every bucket starts empty (no block, cursor 0).
    new Int32Array(buffer, heads, plan.bucketCount).fill(0);
    new Int32Array(buffer, cursors, plan.bucketCount).fill(0);
    this.segment = new Uint8Array(buffer, 0, SEGMENT_BYTES + SLACK);
    this.smallPrimes = new Uint32Array(buffer, this.smallPrimesAt, plan.smallCount);
    this.position = new Int32Array(buffer, this.positionAt, plan.smallCount);
    this.wheel = new Uint8Array(buffer, this.wheelAt, plan.smallCount);
    this.largePrimes = new Uint32Array(buffer, this.largePrimesAt, plan.largeCount);
  }

  /** Sets each pattern's offset for a segment starting `startByte` bytes (30 numbers each) from 0. */
  setPatternOffsets(startByte: bigint): void {
    const table = new Int32Array(this.exports.memory.buffer, PATTERN_TABLE, PRESIEVE_GROUPS.length);
    PATTERN_PERIODS.forEach((period, g) => (table[g] = Number(startByte % BigInt(period))));
  }
}

/** Instances kept for the next sieve of this process (a worker sieves chunk after chunk), up to this size each. */
const KEEP_BYTES = 64 * 1024 * 1024;
let idle: Kernel | null = null;

/** A kernel laid out for `plan`: the one the last finished sieve gave back, or a new one. */
export function acquireKernel(plan: KernelPlan): Kernel {
  const kernel = idle ?? new Kernel();
  idle = null;
  kernel.layout(plan);
  return kernel;
}

/** Gives a kernel back when its sieve is done; a big one is left to the garbage collector (memory cannot shrink). */
export function releaseKernel(kernel: Kernel): void {
  if (kernel.size <= KEEP_BYTES) idle = kernel;
}
