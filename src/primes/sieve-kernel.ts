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
import { encodeModule, Op, type FunctionSpec, type ValueType } from './wasm.js';

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

let patternData: Uint8Array | null = null;

/** One period of each pattern (plus 16 bytes of wrap-around), laid out at PATTERN_ADDRESSES. */
function patternBytes(): Uint8Array {
  if (patternData) return patternData;
  const data = new Uint8Array(FIXED_END - PATTERN_TABLE);
  PRESIEVE_GROUPS.forEach((primes, g) => {
    const period = PATTERN_PERIODS[g] as number;
    const pattern = data.subarray((PATTERN_ADDRESSES[g] as number) - PATTERN_TABLE, (PATTERN_ADDRESSES[g] as number) - PATTERN_TABLE + period + 16);
    pattern.fill(0xff, 0, period);
    for (const p of primes) {
      // The multiples p*q with q = RESIDUES[w] + 30t lie at byte floor(p*RESIDUES[w]/30) + p*t, all on one bit.
      const c = CLASS_OF[p % 30] as number;
      for (let w = 0; w < 8; w++) {
        const mask = ~(1 << wheelCell(c, w).bit) & 0xff;
        for (let i = Math.floor((p * (RESIDUES[w] as number)) / 30); i < period; i += p) pattern[i] = (pattern[i] as number) & mask;
      }
    }
    for (let i = 0; i < 16; i++) pattern[period + i] = pattern[i % period] as number;
  });
  patternData = data;
  return data;
}

// ---------------------------------------------------------------- code

type Body = (readonly number[])[];

/** A function with named parameters and locals. */
function define(name: string, params: Record<string, ValueType>, locals: Record<string, ValueType>, results: ValueType[], build: (at: Record<string, number>) => Body): FunctionSpec {
  const names = [...Object.keys(params), ...Object.keys(locals)];
  const at = Object.fromEntries(names.map((n, i) => [n, i]));
  return { name, params: Object.values(params), results, locals: Object.values(locals), body: build(at) };
}

const { localGet: get, localSet: set, localTee: tee, i32Const: i32 } = Op;

/** while (condition) { body }: `exit` is the branch that leaves when the loop is done (a br_if to depth 1). */
const whileLoop = (exitUnless: Body, body: Body): Body => [Op.block, Op.loop, ...exitUnless, ...body, Op.br(0), Op.end, Op.end];

/**
 * Pre-sieve: segment[0, n) = AND of the patterns, each from its current offset, which moves on by n. n must be a
 * multiple of 16. Several passes of at most PATTERNS_PER_PASS patterns; each pass runs in stretches where no pattern
 * wraps around.
 */
function presieveSpec(): FunctionSpec {
  const passes: number[][] = [];
  for (let g = 0; g < PRESIEVE_GROUPS.length; g += PATTERNS_PER_PASS) passes.push(PATTERN_PERIODS.slice(g, g + PATTERNS_PER_PASS).map((_, i) => g + i));
  const locals: Record<string, ValueType> = { x: 'i32', stretch: 'i32', stop: 'i32', left: 'i32', v: 'v128' };
  for (let i = 0; i < PATTERNS_PER_PASS; i++) locals[`a${i}`] = 'i32';
  return define('presieve', { n: 'i32' }, locals, [], (at) => {
    const body: Body = [];
    const a = (i: number) => at[`a${i}`] as number;
    passes.forEach((pass, passIndex) => {
      // a_i: the pattern's current address.
      pass.forEach((g, i) => body.push(i32(PATTERN_ADDRESSES[g] as number), i32(PATTERN_TABLE + 4 * g), Op.i32Load(), Op.i32Add, set(a(i))));
      body.push(i32(0), set(at.x!));
      const stretch: Body = [get(at.n!), get(at.x!), Op.i32Sub, set(at.stretch!)];
      pass.forEach((g, i) => {
        // left = end of pattern - a_i; stretch = min(stretch, left)
        stretch.push(i32((PATTERN_ADDRESSES[g] as number) + (PATTERN_PERIODS[g] as number)), get(a(i)), Op.i32Sub, set(at.left!));
        stretch.push(get(at.left!), get(at.stretch!), get(at.left!), get(at.stretch!), Op.i32LtU, Op.select, set(at.stretch!));
      });
      stretch.push(get(at.x!), get(at.stretch!), i32(15), Op.i32Add, i32(-16), Op.i32And, Op.i32Add, set(at.stop!));
      const inner: Body = [];
      pass.forEach((_, i) => {
        inner.push(get(a(i)), Op.v128Load());
        if (i > 0) inner.push(Op.v128And);
        inner.push(get(a(i)), i32(16), Op.i32Add, set(a(i)));
      });
      if (passIndex > 0) inner.push(get(at.x!), Op.v128Load(), Op.v128And);
      inner.push(set(at.v!), get(at.x!), get(at.v!), Op.v128Store(), get(at.x!), i32(16), Op.i32Add, tee(at.x!), get(at.stop!), Op.i32LtU, Op.brIf(0));
      const wrap: Body = [];
      pass.forEach((g, i) => {
        const end = (PATTERN_ADDRESSES[g] as number) + (PATTERN_PERIODS[g] as number);
        wrap.push(get(a(i)), i32(end), Op.i32GeU, Op.if, get(a(i)), i32(PATTERN_PERIODS[g] as number), Op.i32Sub, set(a(i)), Op.end);
      });
      body.push(...whileLoop([get(at.x!), get(at.n!), Op.i32GeU, Op.brIf(1)], [...stretch, Op.loop, ...inner, Op.end, ...wrap]));
      pass.forEach((g, i) => body.push(i32(PATTERN_TABLE + 4 * g), get(a(i)), i32(PATTERN_ADDRESSES[g] as number), Op.i32Sub, Op.i32Store()));
    });
    return body;
  });
}

/** Set bits of segment[0, n), n a multiple of 32. */
function countSpec(): FunctionSpec {
  return define('count', { n: 'i32' }, { x: 'i32', total: 'i64' }, ['i32'], (at) => {
    const word = (offset: number): Body => [get(at.x!), Op.i64Load(offset), Op.i64Popcnt];
    return [
      ...whileLoop(
        [get(at.x!), get(at.n!), Op.i32GeU, Op.brIf(1)],
        [get(at.total!), ...word(0), Op.i64Add, ...word(8), Op.i64Add, ...word(16), Op.i64Add, ...word(24), Op.i64Add, set(at.total!), get(at.x!), i32(32), Op.i32Add, set(at.x!)],
      ),
      get(at.total!),
      Op.i32WrapI64,
    ];
  });
}

/** One step of the wheel for the prime in (i, k, state): cross off segment[i], move i to the next multiple. */
function step(at: Record<string, number>): Body {
  return [
    get(at.state!), i32(2), Op.i32Shl, Op.i32Load(T_STEP), set(at.step!),
    get(at.i!), get(at.i!), Op.i32Load8u(), get(at.step!), Op.i32And, Op.i32Store8(),
    get(at.i!), get(at.k!), get(at.step!), i32(8), Op.i32ShrU, i32(255), Op.i32And, Op.i32Mul, Op.i32Add,
    get(at.step!), i32(16), Op.i32ShrU, i32(255), Op.i32And, Op.i32Add, set(at.i!),
    get(at.step!), i32(24), Op.i32ShrU, set(at.state!),
  ];
}

/**
 * Small and medium primes: for primes[first..last), cross off every multiple below `end` from the next one
 * (position[j], wheel[j]), and leave it at its first multiple at or past `end`, minus `shift`. Steps one multiple at
 * a time to the start of a turn of the wheel; then whole turns while one fits, 8 hits at fixed offsets with
 * constant masks (one loop per class of p); then steps to `end`.
 */
function crossSmallSpec(): FunctionSpec {
  const params: Record<string, ValueType> = { primes: 'i32', position: 'i32', wheel: 'i32', j: 'i32', last: 'i32', end: 'i32', shift: 'i32' };
  const locals: Record<string, ValueType> = { i: 'i32', p: 'i32', k: 'i32', c8: 'i32', state: 'i32', step: 'i32', limit: 'i32', address: 'i32' };
  for (let w = 1; w < 8; w++) locals[`k${w}`] = 'i32';
  return define('crossSmall', params, locals, [], (at) => {
    const kw = (w: number) => at[`k${w}`] as number;
    const turns = (c: number): Body => {
      const { offsets, masks } = TURN[c] as { offsets: number[]; masks: number[] };
      const body: Body = [];
      for (let w = 0; w < 8; w++) {
        if (w === 0) body.push(get(at.i!), get(at.i!));
        else body.push(get(at.i!), get(kw(w)), Op.i32Add, tee(at.address!), get(at.address!));
        body.push(Op.i32Load8u(offsets[w]), i32(masks[w] as number), Op.i32And, Op.i32Store8(offsets[w]));
      }
      return [
        get(at.end!), get(kw(7)), Op.i32Sub, i32(offsets[7] as number), Op.i32Sub, set(at.limit!),
        ...whileLoop([get(at.i!), get(at.limit!), Op.i32GeS, Op.brIf(1)], [...body, get(at.i!), get(at.p!), Op.i32Add, set(at.i!)]),
      ];
    };
    // br_table into one of 8 nested blocks: block c ends where the code for class c starts.
    const dispatch: Body = [Op.block];
    for (let c = 7; c >= 0; c--) dispatch.push(Op.block);
    dispatch.push(get(at.c8!), i32(3), Op.i32ShrU, Op.brTable([0, 1, 2, 3, 4, 5, 6, 7], 7), Op.end);
    for (let c = 0; c < 8; c++) {
      dispatch.push(...turns(c));
      if (c < 7) dispatch.push(Op.br(7 - c), Op.end);
    }
    dispatch.push(Op.end);
    const perPrime: Body = [
      Op.block, // skip: a prime with no multiple below end
      get(at.position!), get(at.j!), i32(2), Op.i32Shl, Op.i32Add, Op.i32Load(), tee(at.i!), get(at.end!), Op.i32GeS, Op.brIf(0),
      get(at.primes!), get(at.j!), i32(2), Op.i32Shl, Op.i32Add, Op.i32Load(), tee(at.p!), i32(30), Op.i32DivU, set(at.k!),
      get(at.p!), get(at.k!), i32(30), Op.i32Mul, Op.i32Sub, Op.i32Load8u(T_CLASS8), set(at.c8!),
      get(at.wheel!), get(at.j!), Op.i32Add, Op.i32Load8u(), get(at.c8!), Op.i32Add, set(at.state!),
      ...whileLoop([get(at.state!), get(at.c8!), Op.i32Eq, Op.brIf(1), get(at.i!), get(at.end!), Op.i32GeS, Op.brIf(1)], step(at)),
      get(at.state!), get(at.c8!), Op.i32Eq, Op.if,
    ];
    for (let w = 1; w < 8; w++) perPrime.push(get(at.k!), i32(SUM_GAPS[w] as number), Op.i32Mul, set(kw(w)));
    perPrime.push(
      ...dispatch,
      Op.end,
      ...whileLoop([get(at.i!), get(at.end!), Op.i32GeS, Op.brIf(1)], step(at)),
      get(at.wheel!), get(at.j!), Op.i32Add, get(at.state!), i32(7), Op.i32And, Op.i32Store8(),
      Op.end,
      get(at.position!), get(at.j!), i32(2), Op.i32Shl, Op.i32Add, get(at.i!), get(at.shift!), Op.i32Sub, Op.i32Store(),
    );
    return whileLoop([get(at.j!), get(at.last!), Op.i32GeU, Op.brIf(1)], [...perPrime, get(at.j!), i32(1), Op.i32Add, set(at.j!)]);
  });
}

/** Appends entry (k, packed) to bucket `bucket`, taking a block from the free list or the store when its block is full. */
function push(at: Record<string, number>, bucket: Body, k: Body, packed: Body): Body {
  return [
    get(at.cursors!), ...bucket, i32(2), Op.i32Shl, Op.i32Add, tee(at.slot!), Op.i32Load(), tee(at.entry!),
    i32(BLOCK_BYTES - 1), Op.i32And, Op.i32Eqz, Op.if,
    // A fresh block: the free list's top, else the next unused one. It becomes the bucket's head.
    i32(G_FREE), Op.i32Load(), tee(at.fresh!), Op.if,
    i32(G_FREE), get(at.fresh!), Op.i32Load(), Op.i32Store(),
    Op.else,
    i32(G_ALLOC), Op.i32Load(), set(at.fresh!), i32(G_ALLOC), get(at.fresh!), i32(BLOCK_BYTES), Op.i32Add, Op.i32Store(),
    Op.end,
    get(at.heads!), ...bucket, i32(2), Op.i32Shl, Op.i32Add, tee(at.head!),
    get(at.fresh!), get(at.head!), Op.i32Load(), Op.i32Store(),
    get(at.fresh!), Op.i32Store(),
    get(at.fresh!), i32(8), Op.i32Add, set(at.entry!),
    Op.end,
    get(at.entry!), ...k, Op.i32Store(),
    get(at.entry!), ...packed, Op.i32Store(4),
    get(at.slot!), get(at.entry!), i32(8), Op.i32Add, Op.i32Store(),
  ];
}

const bucketLocals = (): Record<string, ValueType> => ({ heads: 'i32', cursors: 'i32', mask: 'i32', slot: 'i32', entry: 'i32', fresh: 'i32', head: 'i32' });
const loadBucketState = (at: Record<string, number>): Body => [
  i32(G_HEADS), Op.i32Load(), set(at.heads!), i32(G_CURSORS), Op.i32Load(), set(at.cursors!), i32(G_MASK), Op.i32Load(), set(at.mask!),
];

/**
 * Large primes: cross off every entry of bucket `segment` (each hits the segment once or a few times) and move each
 * to the bucket of the segment its next multiple falls in; the bucket's blocks go back to the free list.
 */
function bucketSieveSpec(): FunctionSpec {
  return define(
    'bucketSieve',
    { segment: 'i32' },
    { ...bucketLocals(), block: 'i32', end: 'i32', e: 'i32', k: 'i32', i: 'i32', state: 'i32', step: 'i32', next: 'i32' },
    [],
    (at) => [
      ...loadBucketState(at),
      get(at.heads!), get(at.segment!), get(at.mask!), Op.i32And, i32(2), Op.i32Shl, Op.i32Add, tee(at.head!), Op.i32Load(), tee(at.block!),
      Op.i32Eqz, Op.if, Op.return, Op.end,
      get(at.head!), i32(0), Op.i32Store(),
      get(at.cursors!), get(at.segment!), get(at.mask!), Op.i32And, i32(2), Op.i32Shl, Op.i32Add, tee(at.slot!), Op.i32Load(), set(at.end!),
      get(at.slot!), i32(0), Op.i32Store(),
      ...whileLoop(
        [get(at.block!), Op.i32Eqz, Op.brIf(1)],
        [
          get(at.block!), i32(8), Op.i32Add, set(at.e!),
          ...whileLoop(
            [get(at.e!), get(at.end!), Op.i32GeU, Op.brIf(1)],
            [
              get(at.e!), Op.i32Load(), set(at.k!),
              get(at.e!), Op.i32Load(4), tee(at.i!), i32(24), Op.i32ShrU, set(at.state!),
              get(at.i!), i32(SEGMENT_BYTES - 1), Op.i32And, set(at.i!),
              Op.loop,
              ...step(at),
              get(at.i!), i32(SEGMENT_BYTES), Op.i32LtS, Op.brIf(0),
              Op.end,
              ...push(
                at,
                [get(at.segment!), get(at.i!), i32(SEGMENT_SHIFT), Op.i32ShrU, Op.i32Add, get(at.mask!), Op.i32And],
                [get(at.k!)],
                [get(at.i!), i32(SEGMENT_BYTES - 1), Op.i32And, get(at.state!), i32(24), Op.i32Shl, Op.i32Or],
              ),
              get(at.e!), i32(8), Op.i32Add, set(at.e!),
            ],
          ),
          // Older blocks are full; this one goes back to the free list.
          get(at.block!), Op.i32Load(), set(at.next!),
          get(at.block!), i32(G_FREE), Op.i32Load(), Op.i32Store(),
          i32(G_FREE), get(at.block!), Op.i32Store(),
          get(at.next!), tee(at.block!), i32(BLOCK_BYTES), Op.i32Add, set(at.end!),
        ],
      ),
    ],
  );
}

/**
 * Puts the large primes[j..count) with p <= sqrtFrom (an ascending prefix) in the bucket of their first multiple p*q
 * >= from = base + startResidue (base a multiple of 30), q coprime to 30; primes with no multiple in the chunk are
 * left out. Returns the index of the first prime with p > sqrtFrom.
 */
function placeFirstSpec(): FunctionSpec {
  return define(
    'placeFirst',
    { primes: 'i32', j: 'i32', count: 'i32', sqrtFrom: 'i32', base: 'i64', startResidue: 'i32', segmentCount: 'i32' },
    { ...bucketLocals(), p: 'i32', r: 'i32', pr: 'i32', t: 'i32', d0: 'i32', q: 'i32', offset: 'i32' },
    ['i32'],
    (at) => [
      ...loadBucketState(at),
      ...whileLoop(
        [get(at.j!), get(at.count!), Op.i32GeU, Op.brIf(1)],
        [
          get(at.primes!), get(at.j!), i32(2), Op.i32Shl, Op.i32Add, Op.i32Load(), tee(at.p!), get(at.sqrtFrom!), Op.i32GtU, Op.brIf(1),
          Op.block,
          // r = base mod p; base = p * qBase + r, and qBase = -r / p (mod 30) as base is a multiple of 30.
          get(at.base!), get(at.p!), Op.i64ExtendI32U, Op.i64RemU, Op.i32WrapI64, set(at.r!),
          get(at.p!), i32(30), Op.i32RemU, set(at.pr!),
          // The first multiple p * (qBase + d) >= from: d0 = 0, 1 or 2 numbers on, then on to q coprime to 30.
          get(at.r!), get(at.startResidue!), Op.i32Add, set(at.t!),
          i32(1), i32(2), get(at.t!), get(at.p!), Op.i32LeU, Op.select, i32(0), get(at.t!), Op.select, set(at.d0!),
          i32(30), get(at.r!), i32(30), Op.i32RemU, Op.i32Sub, Op.i32Load8u(T_MOD30),
          get(at.pr!), Op.i32Load8u(T_INVERSE), Op.i32Mul, i32(30), Op.i32RemU, get(at.d0!), Op.i32Add, Op.i32Load8u(T_MOD30), set(at.q!),
          get(at.p!), get(at.d0!), get(at.q!), Op.i32Load8u(T_ADVANCE), Op.i32Add, Op.i32Mul, get(at.r!), Op.i32Sub, i32(30), Op.i32DivU, tee(at.offset!),
          i32(SEGMENT_SHIFT), Op.i32ShrU, get(at.segmentCount!), Op.i32GeU, Op.brIf(0), // no multiple in the chunk
          ...push(
            at,
            [get(at.offset!), i32(SEGMENT_SHIFT), Op.i32ShrU, get(at.mask!), Op.i32And],
            [get(at.p!), get(at.pr!), Op.i32Sub, i32(30), Op.i32DivU],
            [
              get(at.offset!), i32(SEGMENT_BYTES - 1), Op.i32And,
              get(at.pr!), Op.i32Load8u(T_CLASS8), get(at.q!), Op.i32Load8u(T_ADVANCE_CLASS), Op.i32Or, i32(24), Op.i32Shl, Op.i32Or,
            ],
          ),
          Op.end,
          get(at.j!), i32(1), Op.i32Add, set(at.j!),
        ],
      ),
      get(at.j!),
    ],
  );
}

/**
 * Lets in the large primes[j..count) whose square p^2 (their first multiple to cross off) lies less than `reach`
 * bytes from base: each goes to the bucket of p^2's segment. Returns the index of the first prime left waiting.
 */
function admitSpec(): FunctionSpec {
  return define(
    'admit',
    { primes: 'i32', j: 'i32', count: 'i32', base: 'i64', reach: 'i64', segmentCount: 'i32' },
    { ...bucketLocals(), p: 'i32', offset64: 'i64', offset: 'i32', c8: 'i32' },
    ['i32'],
    (at) => [
      ...loadBucketState(at),
      ...whileLoop(
        [get(at.j!), get(at.count!), Op.i32GeU, Op.brIf(1)],
        [
          get(at.primes!), get(at.j!), i32(2), Op.i32Shl, Op.i32Add, Op.i32Load(), tee(at.p!),
          Op.i64ExtendI32U, get(at.p!), Op.i64ExtendI32U, Op.i64Mul, get(at.base!), Op.i64Sub, Op.i64Const(30n), Op.i64DivU, tee(at.offset64!),
          get(at.reach!), Op.i64GeU, Op.brIf(1),
          get(at.offset64!), Op.i32WrapI64, tee(at.offset!), i32(SEGMENT_SHIFT), Op.i32ShrU, get(at.segmentCount!), Op.i32LtU,
          Op.if,
          get(at.p!), i32(30), Op.i32RemU, Op.i32Load8u(T_CLASS8), set(at.c8!),
          ...push(
            at,
            [get(at.offset!), i32(SEGMENT_SHIFT), Op.i32ShrU, get(at.mask!), Op.i32And],
            [get(at.p!), i32(30), Op.i32DivU],
            [get(at.offset!), i32(SEGMENT_BYTES - 1), Op.i32And, get(at.c8!), get(at.c8!), i32(3), Op.i32ShrU, Op.i32Or, i32(24), Op.i32Shl, Op.i32Or],
          ),
          Op.end,
          get(at.j!), i32(1), Op.i32Add, set(at.j!),
        ],
      ),
      get(at.j!),
    ],
  );
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
    this.grow(FIXED_END);
    const buffer = this.exports.memory.buffer;
    new Uint8Array(buffer, TABLES, TABLES_BYTES).set(tableBytes());
    new Uint8Array(buffer, PATTERN_TABLE, FIXED_END - PATTERN_TABLE).set(patternBytes());
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
    new Int32Array(buffer, heads, plan.bucketCount * 2).fill(0); // heads and cursors, side by side
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
