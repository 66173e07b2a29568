/** The 'primes.check' task: primality records for a batch of tokens, inside a worker. */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { TaskHandler } from '../workers/types.js';
import { checkToken, FACTOR_SEARCH_MS } from './primality.js';
import type { PrimeCheckRecord } from './types.js';

const SLICE_MS = 50;

export const checkTask: TaskHandler<'primes.check'> = async (input, context) => {
  const records: PrimeCheckRecord[] = [];
  const factorMs = input.factorMs ?? FACTOR_SEARCH_MS;
  let sliceEnd = performance.now() + SLICE_MS;
  for (const { index, token } of input.tokens) {
    records.push(checkToken(token, index, factorMs));
    if (performance.now() >= sliceEnd) {
      context.progress({ done: records.length });
      await yieldToEventLoop();
      if (context.signal.aborted) throw new Error('cancelled');
      sliceEnd = performance.now() + SLICE_MS;
    }
  }
  return records;
};
