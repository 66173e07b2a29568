import { describe, expect, it } from 'vitest';
import { Code, encodeModule, type FunctionSpec } from '../../src/primes/wasm.js';

function instantiate(functions: FunctionSpec[]): Record<string, (...args: (number | bigint)[]) => number | bigint> {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(encodeModule(functions, 1)), {});
  return instance.exports as Record<string, (...args: (number | bigint)[]) => number | bigint>;
}

describe('WebAssembly encoder', () => {
  it('encodes 32- and 64-bit constants of every LEB128 length, signed and unsigned', () => {
    const values = [0, 1, -1, 63, 64, -64, -65, 127, 128, 8191, 8192, -8193, 624485, 2 ** 31 - 1, -(2 ** 31)];
    const functions = values.map((value, i) => ({ name: `c${i}`, params: [], results: ['i32'], locals: [], code: new Code().i32(value) }) satisfies FunctionSpec);
    const big = [0n, -1n, 2n ** 40n + 5n, -(2n ** 62n), 2n ** 63n - 1n];
    big.forEach((value, i) => functions.push({ name: `d${i}`, params: [], results: ['i64'], locals: [], code: new Code().i64(value) } as never));
    const exports = instantiate(functions);
    values.forEach((value, i) => expect(exports[`c${i}`]!()).toBe(value));
    big.forEach((value, i) => expect(exports[`d${i}`]!()).toBe(value));
  });

  it('resolves branch labels to nesting depths: loops, early exits and a jump table', () => {
    // sum(n) = 1 + ... + n, with a loop and a labelled exit; pick(k) through br_table.
    const sum = new Code()
      .block('done')
      .loop('next')
      .get(0).i32Eqz().brIf('done')
      .get(1).get(0).i32Add().set(1)
      .get(0).i32(1).i32Sub().set(0)
      .br('next')
      .end()
      .end()
      .get(1);
    const pick = new Code().block('out').block('two').block('one').block('zero');
    pick.get(0).brTable(['zero', 'one', 'two'], 'out');
    pick.end().i32(100).set(1).br('out');
    pick.end().i32(101).set(1).br('out');
    pick.end().i32(102).set(1).br('out');
    pick.end().get(1);
    const exports = instantiate([
      { name: 'sum', params: ['i32'], results: ['i32'], locals: ['i32'], code: sum },
      { name: 'pick', params: ['i32'], results: ['i32'], locals: ['i32'], code: pick },
    ]);
    expect(exports.sum!(100)).toBe(5050);
    expect([0, 1, 2, 3, 7].map((k) => exports.pick!(k))).toEqual([100, 101, 102, 0, 0]);
  });

  it('loads and stores memory with constant offsets, and exports the memory', () => {
    const store = new Code().get(0).get(1).i32Store8(3).get(0).i32Load8u(3);
    const instance = new WebAssembly.Instance(
      new WebAssembly.Module(encodeModule([{ name: 'poke', params: ['i32', 'i32'], results: ['i32'], locals: [], code: store }], 2)),
      {},
    );
    const poke = instance.exports.poke as (address: number, value: number) => number;
    expect(poke(1000, 0x1ff)).toBe(0xff);
    const memory = instance.exports.memory as WebAssembly.Memory;
    expect(memory.buffer.byteLength).toBe(2 * 65536);
    expect(new Uint8Array(memory.buffer)[1003]).toBe(0xff);
  });

  it('refuses a branch to a label that is not open, and a body with a block left open', () => {
    expect(() => new Code().block('a').end().br('a')).toThrow(/no open block labelled a/);
    const open = new Code().block('a');
    expect(() => encodeModule([{ name: 'f', params: [], results: [], locals: [], code: open }], 1)).toThrow(/unclosed blocks a/);
  });
});
