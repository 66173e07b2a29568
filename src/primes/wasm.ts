/**
 * A minimal WebAssembly binary encoder: just enough to build the sieve's kernels (src/primes/sieve-kernel.ts) at run
 * time from the same wheel tables the JavaScript uses, with no toolchain and no binary file in the repository.
 * (Binaryen or wabt would do it too, at several megabytes loaded by every worker for a module of a few KB.)
 *
 * A function body is written with `Code`, one method per instruction (the binary format is a stack machine); blocks
 * and loops take a label, and branches name the label instead of counting nesting depths. Only i32, i64 and v128
 * values, one memory (exported as `memory`) and exported functions are supported.
 */

export type ValueType = 'i32' | 'i64' | 'v128';
const VALUE_TYPE: Record<ValueType, number> = { i32: 0x7f, i64: 0x7e, v128: 0x7b };

/** A growable byte array (plain arrays of numbers cost the encoder most of its time in allocation and GC). */
class Bytes {
  private data = new Uint8Array(4096);
  length = 0;

  push(...bytes: number[]): void {
    for (const byte of bytes) this.pushByte(byte);
  }

  pushByte(byte: number): void {
    if (this.length === this.data.length) {
      const grown = new Uint8Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = byte;
  }

  append(bytes: Uint8Array): void {
    for (const byte of bytes) this.pushByte(byte);
  }

  view(): Uint8Array {
    return this.data.subarray(0, this.length);
  }
}

/** Appends the unsigned LEB128 encoding of `value` (0 <= value < 2^32). */
function pushUnsigned(out: Bytes, value: number): void {
  let v = value >>> 0;
  while (v >= 0x80) {
    out.pushByte((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.pushByte(v);
}

/** Appends the signed LEB128 encoding of a 32-bit integer. */
function pushSigned(out: Bytes, value: number): void {
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.pushByte(byte);
      return;
    }
    out.pushByte(byte | 0x80);
  }
}

/** Appends the signed LEB128 encoding of a 64-bit integer. */
function pushSigned64(out: Bytes, value: bigint): void {
  let v = BigInt.asIntN(64, value);
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0)) {
      out.pushByte(byte);
      return;
    }
    out.pushByte(byte | 0x80);
  }
}

/** The instructions of one function body. Methods return `this`, so code reads as a sequence of instructions. */
export class Code {
  readonly bytes = new Bytes();
  /** Open blocks, innermost last: a branch to a label is a branch to its depth from the top. */
  private readonly labels: string[] = [];

  private op(opcode: number): this {
    this.bytes.pushByte(opcode);
    return this;
  }

  private memory(opcode: number, align: number, offset: number): this {
    this.bytes.pushByte(opcode); this.bytes.pushByte(align);
    pushUnsigned(this.bytes, offset);
    return this;
  }

  private depth(label: string): number {
    const index = this.labels.lastIndexOf(label);
    if (index === -1) throw new Error(`wasm: no open block labelled ${label}`);
    return this.labels.length - 1 - index;
  }

  // Control. Every block, loop and if has a label; `end` closes the innermost.
  block(label: string): this {
    this.labels.push(label);
    this.bytes.pushByte(0x02); this.bytes.pushByte(0x40);
    return this;
  }
  loop(label: string): this {
    this.labels.push(label);
    this.bytes.pushByte(0x03); this.bytes.pushByte(0x40);
    return this;
  }
  if(label = 'if'): this {
    this.labels.push(label);
    this.bytes.pushByte(0x04); this.bytes.pushByte(0x40);
    return this;
  }
  else(): this {
    return this.op(0x05);
  }
  end(): this {
    if (this.labels.pop() === undefined) throw new Error('wasm: end without an open block');
    return this.op(0x0b);
  }
  br(label: string): this {
    this.bytes.pushByte(0x0c);
    pushUnsigned(this.bytes, this.depth(label));
    return this;
  }
  brIf(label: string): this {
    this.bytes.pushByte(0x0d);
    pushUnsigned(this.bytes, this.depth(label));
    return this;
  }
  brTable(targets: string[], fallback: string): this {
    this.bytes.pushByte(0x0e);
    pushUnsigned(this.bytes, targets.length);
    for (const label of targets) pushUnsigned(this.bytes, this.depth(label));
    pushUnsigned(this.bytes, this.depth(fallback));
    return this;
  }
  return(): this {
    return this.op(0x0f);
  }
  unreachable(): this {
    return this.op(0x00);
  }
  select(): this {
    return this.op(0x1b);
  }

  // Locals.
  get(index: number): this {
    this.bytes.pushByte(0x20);
    pushUnsigned(this.bytes, index);
    return this;
  }
  set(index: number): this {
    this.bytes.pushByte(0x21);
    pushUnsigned(this.bytes, index);
    return this;
  }
  tee(index: number): this {
    this.bytes.pushByte(0x22);
    pushUnsigned(this.bytes, index);
    return this;
  }

  // Memory: the address on the stack plus a constant offset.
  i32Load(offset = 0): this {
    return this.memory(0x28, 2, offset);
  }
  i64Load(offset = 0): this {
    return this.memory(0x29, 3, offset);
  }
  i32Load8u(offset = 0): this {
    return this.memory(0x2d, 0, offset);
  }
  i32Store(offset = 0): this {
    return this.memory(0x36, 2, offset);
  }
  i32Store8(offset = 0): this {
    return this.memory(0x3a, 0, offset);
  }
  v128Load(offset = 0): this {
    this.bytes.pushByte(0xfd); this.bytes.pushByte(0x00); this.bytes.pushByte(4);
    pushUnsigned(this.bytes, offset);
    return this;
  }
  v128Store(offset = 0): this {
    this.bytes.pushByte(0xfd); this.bytes.pushByte(0x0b); this.bytes.pushByte(4);
    pushUnsigned(this.bytes, offset);
    return this;
  }

  // Numbers.
  i32(value: number): this {
    this.bytes.pushByte(0x41);
    pushSigned(this.bytes, value);
    return this;
  }
  i64(value: bigint): this {
    this.bytes.pushByte(0x42);
    pushSigned64(this.bytes, value);
    return this;
  }
  i32Eqz(): this {
    return this.op(0x45);
  }
  i32Eq(): this {
    return this.op(0x46);
  }
  i32Ne(): this {
    return this.op(0x47);
  }
  i32LtS(): this {
    return this.op(0x48);
  }
  i32LtU(): this {
    return this.op(0x49);
  }
  i32GtU(): this {
    return this.op(0x4b);
  }
  i32LeU(): this {
    return this.op(0x4d);
  }
  i32GeS(): this {
    return this.op(0x4e);
  }
  i32GeU(): this {
    return this.op(0x4f);
  }
  i64GeU(): this {
    return this.op(0x5a);
  }
  i32Add(): this {
    return this.op(0x6a);
  }
  i32Sub(): this {
    return this.op(0x6b);
  }
  i32Mul(): this {
    return this.op(0x6c);
  }
  i32DivU(): this {
    return this.op(0x6e);
  }
  i32RemU(): this {
    return this.op(0x70);
  }
  i32And(): this {
    return this.op(0x71);
  }
  i32Or(): this {
    return this.op(0x72);
  }
  i32Shl(): this {
    return this.op(0x74);
  }
  i32ShrU(): this {
    return this.op(0x76);
  }
  i64Popcnt(): this {
    return this.op(0x7b);
  }
  i64Add(): this {
    return this.op(0x7c);
  }
  i64Sub(): this {
    return this.op(0x7d);
  }
  i64Mul(): this {
    return this.op(0x7e);
  }
  i64DivU(): this {
    return this.op(0x80);
  }
  i64RemU(): this {
    return this.op(0x82);
  }
  i32WrapI64(): this {
    return this.op(0xa7);
  }
  i64ExtendI32U(): this {
    return this.op(0xad);
  }
  v128And(): this {
    this.bytes.pushByte(0xfd); this.bytes.pushByte(0x4e);
    return this;
  }

  /** Checks that every block is closed (the function's own `end` is added by the encoder). */
  finish(): Uint8Array {
    if (this.labels.length !== 0) throw new Error(`wasm: unclosed blocks ${this.labels.join(', ')}`);
    return this.bytes.view();
  }
}

export interface FunctionSpec {
  name: string;
  params: ValueType[];
  results: ValueType[];
  /** Extra locals, numbered after the parameters. */
  locals: ValueType[];
  code: Code;
}

/** A vector: its length, then each item's bytes. */
function vector(items: Bytes[]): Bytes {
  const out = new Bytes();
  pushUnsigned(out, items.length);
  for (const item of items) out.append(item.view());
  return out;
}

function section(out: Bytes, id: number, content: Bytes): void {
  out.pushByte(id);
  pushUnsigned(out, content.length);
  out.append(content.view());
}

function bytesOf(build: (out: Bytes) => void): Bytes {
  const out = new Bytes();
  build(out);
  return out;
}

function nameOf(text: string): Bytes {
  const utf8 = new TextEncoder().encode(text);
  return bytesOf((out) => {
    pushUnsigned(out, utf8.length);
    out.append(utf8);
  });
}

/** A module with one growable memory of `pages` 64 KiB pages (exported as `memory`) and the functions, exported by name. */
export function encodeModule(functions: FunctionSpec[], pages: number): Uint8Array {
  const out = new Bytes();
  out.push(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
  const valueTypes = (types: ValueType[]) => vector(types.map((t) => bytesOf((b) => b.pushByte(VALUE_TYPE[t]))));
  const signatures = functions.map((f) =>
    bytesOf((b) => {
      b.pushByte(0x60);
      b.append(valueTypes(f.params).view());
      b.append(valueTypes(f.results).view());
    }),
  );
  section(out, 1, vector(signatures));
  section(out, 3, vector(functions.map((_, i) => bytesOf((b) => pushUnsigned(b, i)))));
  section(out, 5, vector([bytesOf((b) => (b.pushByte(0x00), pushUnsigned(b, pages)))]));
  const exports = [
    bytesOf((b) => (b.append(nameOf('memory').view()), b.push(0x02, 0x00))),
    ...functions.map((f, i) => bytesOf((b) => (b.append(nameOf(f.name).view()), b.pushByte(0x00), pushUnsigned(b, i)))),
  ];
  section(out, 7, vector(exports));
  const bodies = functions.map((f) => {
    // Locals as runs of one type.
    const runs: Bytes[] = [];
    for (let i = 0; i < f.locals.length; ) {
      let j = i;
      while (j < f.locals.length && f.locals[j] === f.locals[i]) j++;
      const type = VALUE_TYPE[f.locals[i] as ValueType];
      runs.push(bytesOf((b) => (pushUnsigned(b, j - i), b.pushByte(type))));
      i = j;
    }
    const body = vector(runs);
    body.append(f.code.finish());
    body.pushByte(0x0b);
    return bytesOf((b) => (pushUnsigned(b, body.length), b.append(body.view())));
  });
  section(out, 10, vector(bodies));
  return out.view().slice();
}
