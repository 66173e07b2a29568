/**
 * Every correctness case through the real engine over loopback HTTP, and through the page reader in tiny pieces
 * (so no rule depends on how the bytes arrive).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseContentType } from '../../src/titles/charset.js';
import { startTitlesJob } from '../../src/titles/engine.js';
import { PageReader } from '../../src/titles/page.js';
import type { TitleRecord } from '../../src/titles/types.js';
import { startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';
import { titleCases } from './corpus.js';

let web: FixtureWeb;
const records = new Map<string, TitleRecord>();

beforeAll(async () => {
  web = await startFixtureWeb();
  const urls = titleCases.map((c) => web.addCase(c.id, { headers: c.headers, body: c.body }));
  const job = startTitlesJob({ lines: urls, options: { retries: 0, timeoutMs: 10_000 }, onRecord: (record) => records.set(record.url, record) });
  const summary = await job.done;
  expect(summary.done).toBe(titleCases.length);
  titleCases.forEach((c, i) => records.set(c.id, records.get(urls[i] as string) as TitleRecord));
});

afterAll(async () => {
  await web.close();
});

describe('correctness corpus', () => {
  it('has at least 48 cases, each with a distinct id', () => {
    expect(titleCases.length).toBeGreaterThanOrEqual(48);
    expect(new Set(titleCases.map((c) => c.id)).size).toBe(titleCases.length);
  });

  it.each(titleCases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const record = records.get(c.id);
    expect(record?.error).toBeNull();
    expect({ title: record?.title, encoding: record?.encoding, source: record?.encodingSource }).toEqual({
      title: c.expected.title,
      encoding: c.expected.encoding,
      source: c.expected.source,
    });
  });

  it('gives the same answers whatever size the pieces of the body arrive in', () => {
    for (const size of [1, 3, 1000]) {
      for (const c of titleCases) {
        const reader = new PageReader('http://example.test/', parseContentType(c.headers['content-type']), 4 * 1024 * 1024);
        for (let offset = 0; offset < c.body.length && reader.wantsMore; offset += size) reader.push(c.body.subarray(offset, offset + size));
        const page = reader.end();
        expect({ id: c.id, size, title: page.title, encoding: page.encoding, source: page.encodingSource }).toEqual({
          id: c.id,
          size,
          title: c.expected.title,
          encoding: c.expected.encoding,
          source: c.expected.source,
        });
      }
    }
  });
});
