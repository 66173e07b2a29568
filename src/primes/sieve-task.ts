/** The 'primes.sieve' task: count or list the primes of one chunk [from, to], inside a worker. */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { TaskHandler } from '../workers/types.js';
import { MAX_SIEVE_BOUND } from './limits.js';
import { RESIDUES, SegmentSieve, type SegmentConsumer } from './sieve.js';

/** Work between progress reports (and chances for a cancel message to arrive). */
const SLICE_MS = 100;

function parseBound(text: string, name: string): bigint {
  if (!/^\d{1,20}$/.test(text)) throw new RangeError(`${name} must be a decimal integer, got ${JSON.stringify(text.slice(0, 30))}`);
  const value = BigInt(text);
  if (value > MAX_SIEVE_BOUND) throw new RangeError(`${name} is above ${MAX_SIEVE_BOUND}`);
  return value;
}

/** Appends each prime of a finished segment, as decimal text, one per line. */
function textCollector(pieces: string[]): SegmentConsumer {
  return (bytes, length, baseValue, baseBig) => {
    const lines: string[] = [];
    if (!Number.isNaN(baseValue)) {
      for (let j = 0; j < length; j++) {
        let byte = bytes[j] as number;
        while (byte !== 0) {
          const bit = 31 - Math.clz32(byte & -byte);
          lines.push(String(baseValue + 30 * j + (RESIDUES[bit] as number)));
          byte &= byte - 1;
        }
      }
    } else {
      // Beyond 2^53: high decimal digits from BigInt once per segment, the low 8 digits as a Number.
      const high = baseBig / 100_000_000n;
      const low = Number(baseBig % 100_000_000n);
      const highText = String(high);
      const highNextText = String(high + 1n);
      for (let j = 0; j < length; j++) {
        let byte = bytes[j] as number;
        while (byte !== 0) {
          const bit = 31 - Math.clz32(byte & -byte);
          const value = low + 30 * j + (RESIDUES[bit] as number);
          lines.push(value < 100_000_000 ? highText + String(value).padStart(8, '0') : highNextText + String(value - 100_000_000).padStart(8, '0'));
          byte &= byte - 1;
        }
      }
    }
    if (lines.length) pieces.push(lines.join('\n') + '\n');
  };
}

export const sieveTask: TaskHandler<'primes.sieve'> = async (input, context) => {
  const started = performance.now();
  const from = parseBound(input.from, 'from');
  const to = parseBound(input.to, 'to');
  const sieve = new SegmentSieve(from, to);
  const pieces: string[] = [];
  if (input.mode === 'list') {
    // 2, 3 and 5 are not on the wheel.
    const small = [2n, 3n, 5n].filter((p) => p >= from && p <= to);
    if (small.length) pieces.push(small.join('\n') + '\n');
  }
  const consume = input.mode === 'list' ? textCollector(pieces) : undefined;
  while (!sieve.done) {
    sieve.run(SLICE_MS, consume);
    context.progress({ sieved: sieve.sieved, count: sieve.count });
    if (!sieve.done) {
      await yieldToEventLoop();
      if (context.signal.aborted) throw new Error('cancelled');
    }
  }
  return {
    count: sieve.count,
    ms: performance.now() - started,
    ...(input.mode === 'list' ? { text: pieces.join('') } : {}),
  };
};
