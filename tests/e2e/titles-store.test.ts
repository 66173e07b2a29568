/**
 * The Titles tab's logic that runs without a browser: the incremental sorted/filtered view of the rows (it must
 * always equal a from-scratch sort and filter), the sliced input analysis (it must agree with the engine's
 * analyzeInput), CSV URL columns, TSV copies and sliced exports (the same bytes as the CLI's formatters).
 */
import { describe, expect, it, vi } from 'vitest';
import { analyzeInput } from '../../src/titles/input.js';
import { toCsv, toJson, toJsonl } from '../../src/titles/format.js';
import type { TitleRecord } from '../../src/titles/types.js';
import { analyzeInChunks, type InputAnalysis } from '../../renderer/titles/analysis.js';
import { buildExport } from '../../renderer/titles/export.js';
import { CsvUnreadableError, urlsFromCsv, urlLinesOf } from '../../renderer/titles/files.js';
import { filterIds, type FilterId } from '../../renderer/titles/filters.js';
import { RecordView, RunRecords, matchesFilter, toTsv, type ColumnId, type ViewSort } from '../../renderer/titles/store.js';

/** A small deterministic generator (the same rows every run). */
function generator(seed: number) {
  let state = seed >>> 0;
  return (n: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
}

const words = ['Alpha', 'beta', 'Gamma', '京东', '淘宝', '=1+2', '<b>x</b>', 'zeta', 'Éclair', 'A title long enough to pass sixty characters once a number follows it'];

function record(index: number, pick: (n: number) => number, failed = pick(5) === 0): TitleRecord {
  return {
    index,
    url: `https://h${pick(7)}.example/${words[pick(words.length)]}/${index}`,
    finalUrl: failed ? null : `https://h${pick(7)}.example/final/${index}`,
    status: failed ? null : [200, 301, 404, 500, 503, 429][pick(6)]!,
    // Few distinct titles: duplicates come and go as rows are replaced.
    title: failed || pick(6) === 0 ? null : pick(9) === 0 ? '   ' : `${words[pick(words.length)]} ${pick(40)}`,
    ogTitle: null,
    description: null,
    canonical: null,
    lang: null,
    contentType: failed ? null : 'text/html',
    encoding: failed ? null : 'UTF-8',
    encodingSource: failed ? null : 'http',
    redirects: [],
    bytes: pick(100_000),
    durationMs: pick(5000),
    attempts: 1 + pick(3),
    error: failed ? { code: pick(2) ? 'TIMEOUT' : 'RESET', message: 'no answer in time' } : null,
    staticTitle: null,
    rendered: false,
    renderMs: null,
    warning: null,
  };
}

/** A stand-in for the canvas: 9 px per character. */
const measure = (title: string) => [...title].length * 9;

/** Each filter's rule, written out again here from docs/ui.md (not from filters.ts). */
function passesFrom(all: TitleRecord[], record: TitleRecord, filter: FilterId): boolean {
  const title = record.title?.trim() ?? '';
  switch (filter) {
    case '2xx':
    case '3xx':
    case '4xx':
    case '5xx':
      return record.status !== null && `${String(record.status)[0]}xx` === filter;
    case 'network':
      return record.status === null && record.error?.code !== 'INVALID_URL';
    case 'invalid':
      return record.error?.code === 'INVALID_URL';
    case 'missingTitle':
      return title === '' && record.status !== null && record.error === null;
    case 'duplicateTitle':
      return title !== '' && all.filter((other) => (other.title?.trim() ?? '') === title).length > 1;
    case 'longTitle':
      return [...title].length > 60;
    case 'wideTitle':
      return title !== '' && measure(title) > 580;
  }
}

/** What the view must show: filter, then sort (empty cells last), ties by index. */
function expected(records: RunRecords, sort: ViewSort | null, query: string, filters: ReadonlySet<FilterId> = new Set()): number[] {
  const key = (r: TitleRecord, column: ColumnId): string | number | null => {
    switch (column) {
      case 'index':
        return r.index;
      case 'url':
        return r.url.toLowerCase();
      case 'status':
        return r.status;
      case 'title':
        return r.title?.toLowerCase() ?? null;
      case 'finalUrl':
        return r.finalUrl?.toLowerCase() ?? null;
      case 'time':
        return r.durationMs;
      case 'error':
        return r.error ? `${r.error.code} ${r.error.message}`.toLowerCase() : null;
    }
  };
  const all = [...records.inOrder()];
  const chosen = (group: readonly FilterId[]) => group.filter((filter) => filters.has(filter));
  const statusChosen = chosen(['2xx', '3xx', '4xx', '5xx', 'network', 'invalid']);
  const titleChosen = chosen(['missingTitle', 'duplicateTitle', 'longTitle', 'wideTitle']);
  const rows = all.filter(
    (r) =>
      matchesFilter(r, query.trim().toLowerCase()) &&
      (statusChosen.length === 0 || statusChosen.some((filter) => passesFrom(all, r, filter))) &&
      (titleChosen.length === 0 || titleChosen.some((filter) => passesFrom(all, r, filter))),
  );
  if (!sort) return rows.map((r) => r.index);
  return rows
    .sort((a, b) => {
      const ka = key(a, sort.column);
      const kb = key(b, sort.column);
      if (ka === null || kb === null) {
        if (ka !== kb) return ka === null ? 1 : -1;
        return a.index - b.index;
      }
      const order = ka < kb ? -1 : ka > kb ? 1 : 0;
      if (order === 0) return a.index - b.index;
      return sort.direction === 'descending' ? -order : order;
    })
    .map((r) => r.index);
}

describe('RecordView', () => {
  const columns: ColumnId[] = ['index', 'url', 'status', 'title', 'finalUrl', 'time', 'error'];

  it('stays equal to a fresh sort and filter through batches, replacements, sort and filter changes', () => {
    const pick = generator(7);
    const records = new RunRecords(measure);
    const view = new RecordView(records);
    const total = 1500;
    const order = Array.from({ length: total }, (_, i) => i).sort(() => pick(3) - 1);
    let next = 0;
    for (let round = 0; round < 60; round++) {
      // Every few rounds the user changes the sort or the filter.
      if (round % 7 === 3) view.setSort(pick(4) === 0 ? null : { column: columns[pick(columns.length)]!, direction: pick(2) ? 'ascending' : 'descending' });
      if (round % 11 === 5) view.setQuery(['', 'beta', '京', 'timeout', 'H3.EXAMPLE', 'no match at all'][pick(6)]!);
      // And the filters: none, one, or a few from both groups.
      if (round % 5 === 2) view.setFilters(new Set(filterIds.filter(() => pick(5) === 0)));
      if (round % 13 === 6) view.setFilters(new Set(['duplicateTitle']));
      const batch: TitleRecord[] = [];
      for (let n = pick(60); n > 0 && next < total; n--) batch.push(record(order[next++]!, pick));
      // "Retry failed": some failed rows come again, now succeeding.
      for (const index of records.indices()) if (records.get(index)!.error && pick(4) === 0) batch.push(record(index, pick, false));
      view.apply(records.put(batch));
      expect(view.order).toEqual(expected(records, view.sort, view.query, view.filters));
      const all = [...records.inOrder()];
      for (const filter of filterIds) expect(records.count(filter), filter).toBe(all.filter((r) => passesFrom(all, r, filter)).length);
      expect(records.httpErrors).toBe(all.filter((r) => r.error === null && r.status !== null && r.status >= 400).length);
      expect(records.retryable).toBe(all.filter((r) => (r.error ? r.error.code !== 'INVALID_URL' : r.status !== null && (r.status >= 500 || r.status === 429))).length);
      for (let position = 0; position < view.order.length; position += 37) expect(view.positionOf(view.order[position]!)).toBe(position);
    }
    expect(records.size).toBe(next);
    expect(records.failed).toBe([...records.inOrder()].filter((r) => r.error).length);
  });

  it('keeps empty cells last in both directions', () => {
    const pick = generator(3);
    const records = new RunRecords();
    const view = new RecordView(records);
    view.apply(records.put(Array.from({ length: 50 }, (_, i) => record(i, pick))));
    for (const direction of ['ascending', 'descending'] as const) {
      view.setSort({ column: 'title', direction });
      const titles = view.order.map((i) => records.get(i)!.title);
      const firstNull = titles.indexOf(null);
      expect(firstNull).toBeGreaterThan(0);
      expect(titles.slice(firstNull).every((title) => title === null)).toBe(true);
    }
  });
});

describe('input analysis in slices', () => {
  const analyse = (text: string) => new Promise<InputAnalysis>((resolve) => analyzeInChunks(text, new AbortController().signal, resolve));

  it('agrees with the engine on valid, invalid and duplicate lines', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 12_000; i++) {
      lines.push(
        i % 97 === 0
          ? 'javascript:alert(1)'
          : i % 89 === 0
            ? 'not a url at all'
            : i % 13 === 0
              ? `https://example.com/page/${i - 13}`
              : i % 50 === 0
                ? '   '
                : `example${i % 40}.com/page/${i}\r`,
      );
    }
    const text = lines.join('\n');
    const engine = analyzeInput(text);
    const ours = await analyse(text);
    expect(ours.valid).toBe(engine.valid);
    expect(ours.duplicates).toBe(engine.duplicates);
    expect(ours.invalidCount).toBe(engine.invalid.length);
    expect(ours.invalid).toEqual(engine.invalid.slice(0, ours.invalid.length));
    expect(ours.invalid.length).toBe(Math.min(200, engine.invalid.length));
  });

  it('stops when a newer text replaces it, and finishes when nothing does', () => {
    // The slices are spaced by timers: fake ones make "later" exact (no real wait that a loaded machine could outrun).
    vi.useFakeTimers();
    try {
      const text = Array.from({ length: 50_000 }, (_, i) => `a${i}.com`).join('\n');
      const aborted = new AbortController();
      let abortedDone = false;
      analyzeInChunks(text, aborted.signal, () => {
        abortedDone = true;
      });
      const kept = new AbortController();
      let keptResult: InputAnalysis | null = null;
      analyzeInChunks(text, kept.signal, (result) => {
        keptResult = result;
      });
      // The first slice ran at once; the rest wait for timers.
      expect(abortedDone).toBe(false);
      aborted.abort();
      vi.runAllTimers();
      expect(abortedDone).toBe(false);
      expect(keptResult).toMatchObject({ valid: 50_000, pending: false });
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('files, copies and exports', () => {
  it('takes the url column of a CSV file, else its first column', () => {
    expect(urlsFromCsv('\uFEFFname,URL\r\nJD,https://www.jd.com\r\n"Tao, bao",taobao.com\r\n')).toBe('https://www.jd.com\ntaobao.com');
    expect(urlsFromCsv('https://a.example,1\nhttps://b.example,2\n')).toBe('https://a.example\nhttps://b.example');
    expect(urlsFromCsv('site;link\nx;"https://c.example/?q=""1"""\n')).toBe('https://c.example/?q="1"');
    expect(urlLinesOf('list.txt', '\uFEFFa.com\r\nb.com\r\n\r\n')).toBe('a.com\nb.com');
  });

  it('reads quoted cells with line breaks in a CSV as one row each (a hand-written line splitter did not)', () => {
    const csv = 'name,notes,url\r\n"Shop","opening hours:\r\nMon-Fri 9-5",https://shop.example/\r\n"Blog","a ""quoted""\nnote, with a comma",https://blog.example/a?b=1\r\n';
    expect(urlsFromCsv(csv)).toBe('https://shop.example/\nhttps://blog.example/a?b=1');
    // A line break inside the URL cell itself keeps the entry on one line (it is then reported as invalid, not split).
    expect(urlsFromCsv('url\n"https://a.example/\nsecond part"\nhttps://b.example/\n')).toBe('https://a.example/ second part\nhttps://b.example/');
    let unreadable: unknown = null;
    try {
      urlsFromCsv('url\nhttps://a.example/\n"https://b.example/, never closed\n');
    } catch (error) {
      unreadable = error;
    }
    expect(unreadable).toBeInstanceOf(CsvUnreadableError);
    expect((unreadable as CsvUnreadableError).line).toBeGreaterThanOrEqual(3);
  });

  it('copies rows as TSV a spreadsheet reads as text', () => {
    const pick = generator(11);
    const row = { ...record(0, pick, false), title: '=HYPERLINK("x")\tand\nmore', status: 200, durationMs: 12.6 };
    const failed = record(1, pick, true);
    const tsv = toTsv([row, failed], ['URL', 'Status', 'Title', 'Final URL', 'Time (ms)', 'Error']);
    const lines = tsv.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]!.split('\t')).toEqual([row.url, '200', '\'=HYPERLINK("x") and more', row.finalUrl, '13', '']);
    expect(lines[2]!.split('\t')[5]).toBe(`${failed.error!.code}: ${failed.error!.message}`);
  });

  it('builds exports in slices with the same bytes as the CLI', async () => {
    const pick = generator(5);
    const records = Array.from({ length: 3000 }, (_, i) => record(i, pick));
    expect(await buildExport(records, 'csv')).toBe(toCsv(records));
    expect(await buildExport(records, 'json')).toBe(toJson(records));
    expect(await buildExport(records, 'jsonl')).toBe(toJsonl(records));
    expect(await buildExport([], 'json')).toBe(toJson([]));
    expect(await buildExport([], 'csv')).toBe(toCsv([]));
  });
});
