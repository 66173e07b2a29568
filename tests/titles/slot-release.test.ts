/**
 * A free slot starts its next request at once: a response whose body is in hand gives its slot back before it is
 * parsed (undici writes the next request from a setImmediate, so parsing first would hold it back). Observed through
 * the gate: an immediate queued when the slot comes back has run before the record is made. No clocks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEntryFetcher, type FetchEntry, type SlotGate } from '../../src/titles/engine.js';
import { resolveTitlesOptions } from '../../src/titles/options.js';
import { startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';

let web: FixtureWeb;
beforeAll(async () => {
  web = await startFixtureWeb({ hosts: 1 });
});
afterAll(async () => {
  await web.close();
});

function entryFor(path: string, index = 0): FetchEntry {
  const url = web.url(path);
  return { index, line: url, url, host: new URL(url).host };
}

/** A gate that always grants, and logs each release, and the immediate queued right after it. */
function loggingGate(events: string[]): SlotGate {
  return {
    acquire: () => Promise.resolve(true),
    release: () => {
      events.push('release');
      setImmediate(() => events.push('turn after release'));
    },
    move: () => Promise.resolve(true),
  };
}

describe('slot release', () => {
  it('gives the slot back before parsing a body received whole', async () => {
    const events: string[] = [];
    const controller = new AbortController();
    const fetcher = createEntryFetcher(resolveTitlesOptions({ retries: 0 }), loggingGate(events), controller.signal);
    try {
      const record = await fetcher.fetch(entryFor('/page/small?size=4096'));
      events.push('record');
      expect(record?.record.title).toBe('Fixture /page/small on host 0');
      expect(events).toEqual(['release', 'turn after release', 'record']);
    } finally {
      await fetcher.close();
    }
  });

  it('keeps the slot while parsing a compressed body (released once, after the record is known)', async () => {
    const events: string[] = [];
    const controller = new AbortController();
    const fetcher = createEntryFetcher(resolveTitlesOptions({ retries: 0 }), loggingGate(events), controller.signal);
    try {
      const record = await fetcher.fetch(entryFor('/page/zipped?gzip=1'));
      events.push('record');
      expect(record?.record.title).toBe('Fixture /page/zipped on host 0');
      expect(events.slice(0, 2)).toEqual(['release', 'record']);
    } finally {
      await fetcher.close();
    }
  });

  it('gives every slot back exactly once, early or not, with more responses at once than the early-release limit', async () => {
    const events: string[] = [];
    const controller = new AbortController();
    let releases = 0;
    let heldUnparsed = 0;
    const gate: SlotGate = {
      acquire: () => Promise.resolve(true),
      release: () => {
        releases += 1;
        heldUnparsed += 1;
      },
      move: () => Promise.resolve(true),
    };
    const fetcher = createEntryFetcher(resolveTitlesOptions({ retries: 0, concurrency: 2 }), gate, controller.signal);
    try {
      const records = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          fetcher.fetch(entryFor(`/page/many${i}`, i)).then((record) => {
            heldUnparsed -= 1;
            events.push('record');
            return record;
          }),
        ),
      );
      expect(records.map((fetched) => fetched?.record.title)).toEqual(Array.from({ length: 12 }, (_, i) => `Fixture /page/many${i} on host 0`));
      expect(releases).toBe(12);
      expect(heldUnparsed).toBe(0);
    } finally {
      await fetcher.close();
    }
  });
});
