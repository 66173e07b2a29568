/**
 * A minimal WebAssembly binary encoder: just enough to build the sieve's kernels (src/primes/sieve-kernel.ts) at run
 * time from the same wheel tables the JavaScript uses, with no toolchain and no binary file in the repository.
 * (Binaryen or wabt would do it too, at several megabytes loaded by every worker for a module of a few hundred bytes.)
 *
 * Functions are written as flat instruction lists (the binary format is a stack machine); `Op` spells the
 * instructions used. Only i32/i64 values, one memory, and exported functions are supported.
 */

/** Unsigned LEB128. */
function unsigned(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
function signed(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** Signed LEB128 of a 64-bit integer. */
function signed64(value: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asIntN(64, value);
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function vector(items: number[][]): number[] {
  return [...unsigned(items.length), ...items.flat()];
}

function section(id: number, content: number[]): number[] {
  return [id, ...unsigned(content.length), ...content];
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...unsigned(bytes.length), ...bytes];
}

export type ValueType = 'i32' | 'i64' | 'v128';
const VALUE_TYPE: Record<ValueType, number> = { i32: 0x7f, i64: 0x7e, v128: 0x7b };

/** Memory access: alignment hint (log2 bytes) and a constant offset added to the address. */
const memory = (opcode: number, align: number) => (offset = 0) => [opcode, ...unsigned(align), ...unsigned(offset)];

/** The instructions the kernels use. Control instructions take a relative branch depth where the format does. */
export const Op = {
  unreachable: [0x00],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  else: [0x05],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...unsigned(depth)],
  brIf: (depth: number) => [0x0d, ...unsigned(depth)],
  brTable: (depths: number[], fallback: number) => [0x0e, ...vector(depths.map(unsigned)), ...unsigned(fallback)],
  return: [0x0f],
  drop: [0x1a],
  localGet: (index: number) => [0x20, ...unsigned(index)],
  localSet: (index: number) => [0x21, ...unsigned(index)],
  localTee: (index: number) => [0x22, ...unsigned(index)],
  i32Load: memory(0x28, 2),
  i64Load: memory(0x29, 3),
  i32Load8u: memory(0x2d, 0),
  i32Load16u: memory(0x2f, 1),
  i32Store: memory(0x36, 2),
  i64Store: memory(0x37, 3),
  i32Store8: memory(0x3a, 0),
  i32Const: (value: number) => [0x41, ...signed(value)],
  i32Eqz: [0x45],
  i32Eq: [0x46],
  i32Ne: [0x47],
  i32LtS: [0x48],
  i32LtU: [0x49],
  i32GtS: [0x4a],
  i32GtU: [0x4b],
  i32LeS: [0x4c],
  i32LeU: [0x4d],
  i32GeS: [0x4e],
  i32GeU: [0x4f],
  i32Popcnt: [0x69],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32DivU: [0x6e],
  i32RemU: [0x70],
  i32And: [0x71],
  i32Or: [0x72],
  i32Xor: [0x73],
  i32Shl: [0x74],
  i32ShrS: [0x75],
  i32ShrU: [0x76],
  i64Const: (value: bigint) => [0x42, ...signed64(value)],
  i64Eqz: [0x50],
  i64LtU: [0x54],
  i64GeU: [0x5a],
  i64Popcnt: [0x7b],
  i64Add: [0x7c],
  i64Sub: [0x7d],
  i64Mul: [0x7e],
  i64DivU: [0x80],
  i64RemU: [0x82],
  i64And: [0x83],
  i32WrapI64: [0xa7],
  i64ExtendI32U: [0xad],
  select: [0x1b],
  // SIMD (prefix 0xfd)
  v128Load: (offset = 0) => [0xfd, 0x00, 4, ...unsigned(offset)],
  v128Store: (offset = 0) => [0xfd, 0x0b, 4, ...unsigned(offset)],
  v128And: [0xfd, 0x4e],
} as const;

export interface FunctionSpec {
  name: string;
  params: ValueType[];
  results: ValueType[];
  /** Extra locals, numbered after the parameters. */
  locals: ValueType[];
  /** The body, without the final `end`. */
  body: (readonly number[])[];
}

/**
 * A module with one memory (exported as `memory`, `pages` of 64 KiB, growable) and the given functions, exported by
 * their names.
 */
export function encodeModule(functions: FunctionSpec[], pages: number): Uint8Array {
  const signature = (f: FunctionSpec) => [0x60, ...vector(f.params.map((t) => [VALUE_TYPE[t]])), ...vector(f.results.map((t) => [VALUE_TYPE[t]]))];
  const types = section(1, vector(functions.map(signature)));
  const functionSection = section(3, vector(functions.map((_, i) => unsigned(i))));
  const memorySection = section(5, vector([[0x00, ...unsigned(pages)]]));
  const exports = section(7, vector([[...name('memory'), 0x02, 0x00], ...functions.map((f, i) => [...name(f.name), 0x00, ...unsigned(i)])]));
  const bodies = functions.map((f) => {
    // Locals as runs of one type.
    const runs: number[][] = [];
    for (let i = 0; i < f.locals.length; ) {
      let j = i;
      while (j < f.locals.length && f.locals[j] === f.locals[i]) j++;
      runs.push([...unsigned(j - i), VALUE_TYPE[f.locals[i] as ValueType]]);
      i = j;
    }
    const code = [...vector(runs), ...f.body.flat(), ...Op.end];
    return [...unsigned(code.length), ...code];
  });
  const codeSection = section(10, vector(bodies));
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...types, ...functionSection, ...memorySection, ...exports, ...codeSection]);
}
