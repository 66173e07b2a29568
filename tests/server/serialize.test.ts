import { describe, expect, it } from 'vitest';
import { stringifyLarge } from '../../src/server/serialize.js';

describe('stringifyLarge', () => {
  it('gives exactly what JSON.stringify gives, for small and big values', async () => {
    const records = Array.from({ length: 2500 }, (_, i) => ({ index: i, title: i % 7 === 0 ? null : `T "${i}" \u2028 <b>`, error: i % 5 === 0 ? { code: 'X', message: 'm' } : null }));
    const values: unknown[] = [
      undefined,
      null,
      'text',
      42,
      [],
      { a: 1, b: undefined, c: [1, 2] },
      records,
      [...records.slice(0, 1500), undefined, () => 1],
      { run: { id: 'r' }, records, urls: records.map((r) => `https://example.com/${r.index}`), skipped: undefined },
      { big: records, when: new Date(0) },
    ];
    for (const value of values) expect(await stringifyLarge(value)).toBe(JSON.stringify(value));
  });

  it('lets the event loop run while it serializes a big array', async () => {
    let ran = false;
    setImmediate(() => (ran = true));
    await stringifyLarge({ records: Array.from({ length: 20_000 }, (_, i) => ({ i })) });
    // One JSON.stringify would have finished in microtasks, before any immediate.
    expect(ran).toBe(true);
    ran = false;
    setImmediate(() => (ran = true));
    await stringifyLarge({ records: [{ i: 1 }] });
    expect(ran).toBe(false);
  });
});
