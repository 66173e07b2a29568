/**
 * Resume maps a record's index back to its line, so every place that dedupes and indexes input lines must agree: the
 * engine (its `skip` hook sees each entry's index and line), the services' entry list (distinctEntries), the live
 * count (analyzeInput) and the renderer's sliced count (analyzeInChunks). They all use EntryIndexer; this checks
 * them against each other and against a plain restatement of the rule, over random inputs (a seeded generator, so a
 * failure names the seed that reproduces it).
 */
import { describe, expect, it } from 'vitest';
import { analyzeInChunks, type InputAnalysis } from '../../renderer/titles/analysis.js';
import { distinctEntries } from '../../src/services/entries.js';
import { startTitlesJob } from '../../src/titles/engine.js';
import { analyzeInput, EntryIndexer, entryKey, linesOf, parseInputLine } from '../../src/titles/input.js';

/** mulberry32: a small seeded PRNG. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hosts = ['example.com', 'Example.COM', 'www.jd.com', 'localhost:3000', '127.0.0.1:8080', '[::1]:8080', '例子.中国', 'xn--fsqu00a.xn--fiqs8s'];
const paths = ['', '/', '/a', '/a#frag', '/a?q=1', '/A', '/a b', '/路径', '/%E8%B7%AF'];
const schemes = ['', 'https://', 'http://', 'HTTPS://', '//'];
const others = ['', '   ', '\t', '\r', '# a comment', '// a comment', 'Note: see below', 'ftp://example.com/file', 'javascript:alert(1)', 'not a url', 'user@example.com', 'http://', 'https:///', 'mailto:a@b.c', ';;', '\u00a0'];
const pads = ['', ' ', '  ', '\t', '\r'];

function randomText(next: () => number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const lines: string[] = [];
  const count = Math.floor(next() * 60);
  for (let i = 0; i < count; i += 1) {
    const roll = next();
    let line: string;
    if (roll < 0.2 && lines.length > 0) line = pick(lines); // an exact repeat
    else if (roll < 0.6) line = `${pick(schemes)}${pick(hosts)}${pick(paths)}`;
    else line = pick(others);
    lines.push(`${pick(pads)}${line}${pick(pads)}`);
  }
  return lines.join(next() < 0.5 ? '\n' : '\r\n') + (next() < 0.3 ? '\n' : '');
}

/** The rule, restated without EntryIndexer: distinct non-blank lines by entryKey, in order. */
function restated(text: string): { lineNumber: number; line: string; kind: 'url' | 'invalid' }[] {
  const seen = new Set<string>();
  const entries: { lineNumber: number; line: string; kind: 'url' | 'invalid' }[] = [];
  text.split('\n').forEach((raw, i) => {
    const parsed = parseInputLine(raw);
    if (parsed.kind === 'blank' || seen.has(entryKey(parsed))) return;
    seen.add(entryKey(parsed));
    entries.push({ lineNumber: i + 1, line: parsed.line, kind: parsed.kind });
  });
  return entries;
}

async function throughEngine(text: string): Promise<{ skipped: [number, string][]; total: number; duplicates: number; records: number }> {
  const skipped: [number, string][] = [];
  let records = 0;
  const job = startTitlesJob({
    lines: linesOf(text),
    // Skip everything: nothing is fetched, and the hook sees every entry's index and line.
    skip: (index, url) => skipped.push([index, url]) > 0,
    onRecord: () => (records += 1),
  });
  const summary = await job.done;
  return { skipped, total: summary.total, duplicates: summary.duplicates, records };
}

const analyseInSlices = (text: string): Promise<InputAnalysis> => new Promise((resolve) => analyzeInChunks(text, new AbortController().signal, resolve));

describe('one dedupe-and-index rule for the engine, resume, the live count and the renderer', () => {
  it('all four agree on random inputs with duplicates, blank lines, comments and invalid lines', async () => {
    for (let seed = 1; seed <= 150; seed += 1) {
      const text = randomText(random(seed));
      const expected = restated(text);
      const duplicates = text.split('\n').filter((raw) => parseInputLine(raw).kind !== 'blank').length - expected.length;
      const context = `seed ${seed}: ${JSON.stringify(text)}`;

      const engine = await throughEngine(text);
      expect(engine.skipped, context).toEqual(expected.map((entry, index) => [index, entry.line]));
      expect(engine, context).toMatchObject({ total: expected.length, duplicates, records: 0 });

      expect(await distinctEntries(text), context).toEqual(expected.map((entry) => entry.line));

      const invalid = expected.filter((entry) => entry.kind === 'invalid');
      const live = analyzeInput(text);
      expect(live.valid + live.invalid.length, context).toBe(expected.length);
      expect(live.duplicates, context).toBe(duplicates);
      expect(live.invalid.map(({ lineNumber, line }) => ({ lineNumber, line })), context).toEqual(invalid.map(({ lineNumber, line }) => ({ lineNumber, line })));

      const sliced = await analyseInSlices(text);
      expect({ valid: sliced.valid, duplicates: sliced.duplicates, invalid: sliced.invalid }, context).toEqual(live);
      expect(sliced.invalidCount, context).toBe(invalid.length);
    }
  });

  it('the renderer agrees across its slice boundaries (more lines than one slice)', async () => {
    const next = random(7);
    const text = Array.from({ length: 40 }, () => randomText(next)).join('\n').repeat(8);
    const live = analyzeInput(text);
    const sliced = await analyseInSlices(text);
    expect(sliced.valid).toBe(live.valid);
    expect(sliced.duplicates).toBe(live.duplicates);
    expect(sliced.invalidCount).toBe(live.invalid.length);
    expect(await distinctEntries(text)).toHaveLength(live.valid + live.invalid.length);
  });

  it('EntryIndexer numbers lines from 1 and entries from 0, and keys entries in the set it is given', () => {
    const added: string[] = [];
    const keys = new Set<string>();
    const indexer = new EntryIndexer({ add: (key) => (added.push(key), keys.size !== keys.add(key).size) });
    expect(indexer.next('  ')).toEqual({ kind: 'blank', lineNumber: 1 });
    expect(indexer.next('example.com#x')).toMatchObject({ kind: 'entry', lineNumber: 2, index: 0, parsed: { url: 'https://example.com/' } });
    expect(indexer.next('https://EXAMPLE.com/')).toMatchObject({ kind: 'duplicate', lineNumber: 3 });
    expect(indexer.next('not a url')).toMatchObject({ kind: 'entry', lineNumber: 4, index: 1, parsed: { kind: 'invalid' } });
    expect(indexer.next(' not a url ')).toMatchObject({ kind: 'duplicate', lineNumber: 5 });
    expect({ entries: indexer.entries, duplicates: indexer.duplicates, lines: indexer.lines }).toEqual({ entries: 2, duplicates: 2, lines: 5 });
    expect(added).toHaveLength(4);
  });
});
