import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { csvColumns, csvHeader, csvRow, toCsv, toJson, toJsonl } from '../../src/titles/format.js';
import { OutputNotResumableError, readExistingOutput, RecordEncoder, recordKey, type RecordFormat } from '../../src/titles/output.js';
import type { TitleRecord } from '../../src/titles/types.js';

const work = mkdtempSync(join(tmpdir(), 'titlewave-format-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function record(index: number, overrides: Partial<TitleRecord> = {}): TitleRecord {
  return {
    index,
    url: `https://example.com/${index}`,
    finalUrl: `https://example.com/${index}`,
    status: 200,
    title: `Title ${index}`,
    ogTitle: null,
    description: null,
    canonical: null,
    lang: 'en',
    contentType: 'text/html; charset=utf-8',
    encoding: 'UTF-8',
    encodingSource: 'http',
    redirects: [],
    bytes: 1234,
    durationMs: 56,
    attempts: 1,
    error: null,
    staticTitle: `Title ${index}`,
    rendered: false,
    renderMs: null,
    warning: null,
    ...overrides,
  };
}

describe('CSV', () => {
  it('starts with a UTF-8 BOM and the column names, and ends rows with CRLF', () => {
    expect(csvHeader().startsWith('\uFEFFindex,url,finalUrl,status,title,')).toBe(true);
    expect(csvHeader().endsWith('\r\n')).toBe(true);
    expect(csvRow(record(1)).endsWith('\r\n')).toBe(true);
  });

  it('neutralises cells that a spreadsheet would run as formulas', () => {
    const row = csvRow(record(2, { title: '=HYPERLINK("http://evil","x")', ogTitle: '+1', description: '-2+3', lang: '@SUM(A1)', canonical: '\tindent' }));
    const [cells] = parse(row) as string[][];
    const column = (name: string): string => cells?.[csvColumns.indexOf(name)] ?? '';
    expect(column('title')).toBe('\'=HYPERLINK("http://evil","x")');
    expect(column('ogTitle')).toBe("'+1");
    expect(column('description')).toBe("'-2+3");
    expect(column('lang')).toBe("'@SUM(A1)");
    expect(column('canonical')).toBe("'\tindent");
  });

  it('quotes commas and quotes, keeps Chinese text, and keeps one row per line', () => {
    const row = csvRow(record(3, { title: '京东, "正品" 低价', error: { code: 'NETWORK', message: 'line one\nline two' }, redirects: [{ url: 'http://a/', status: 301 }, { url: 'https://a/', status: 302 }] }));
    expect(row.split('\r\n')).toHaveLength(2);
    const [cells] = parse(row) as string[][];
    expect(cells).toHaveLength(csvColumns.length);
    expect(cells?.[csvColumns.indexOf('title')]).toBe('京东, "正品" 低价');
    expect(cells?.[csvColumns.indexOf('errorMessage')]).toBe('line one line two');
    expect(cells?.[csvColumns.indexOf('redirects')]).toBe('301 http://a/ -> 302 https://a/');
  });

  it('toCsv is the header and the rows', () => {
    const records = [record(0), record(1, { title: null, error: { code: 'TIMEOUT', message: 'slow' } })];
    expect(toCsv(records)).toBe(csvHeader() + csvRow(records[0] as TitleRecord) + csvRow(records[1] as TitleRecord));
    const rows = parse(toCsv(records), { bom: true, columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.index, r.title, r.errorCode])).toEqual([
      ['0', 'Title 0', ''],
      ['1', '', 'TIMEOUT'],
    ]);
  });
});

describe('JSON and JSONL', () => {
  it('round-trip records exactly', () => {
    const records = [record(0), record(1, { title: '<script>alert(1)</script>\u2028' })];
    expect(JSON.parse(toJson(records))).toEqual(records);
    expect(toJson([])).toBe('[\n]\n');
    expect(JSON.parse(toJson([]))).toEqual([]);
    expect(toJsonl(records).split('\n').filter(Boolean).map((line) => JSON.parse(line) as unknown)).toEqual(records);
  });
});

describe('output files: continuing after a kill', () => {
  const formats: RecordFormat[] = ['jsonl', 'csv', 'json'];

  it.each(formats)('%s: a torn last record is cut off, complete records are kept, and the file continues cleanly', async (format) => {
    const path = join(work, `torn.${format}`);
    const first = new RecordEncoder(format, null);
    const whole = first.start() + first.record(record(0)) + first.record(record(5, { error: { code: 'DNS', message: 'no such host' } }));
    const torn = first.record(record(7)).slice(0, 40);
    writeFileSync(path, whole + torn);

    const existing = await readExistingOutput(path, format);
    expect(existing?.records).toBe(2);
    expect(existing?.failed).toBe(1);
    expect([...(existing?.keys ?? [])]).toEqual([recordKey(0, 'https://example.com/0'), recordKey(5, 'https://example.com/5')]);
    expect(existing?.keepBytes).toBe(Buffer.byteLength(whole));

    // Continue as the CLI does: keep the good part, append the rest, close.
    writeFileSync(path, readFileSync(path).subarray(0, existing?.keepBytes));
    const next = new RecordEncoder(format, { records: existing?.records ?? 0 });
    writeFileSync(path, readFileSync(path, 'utf8') + next.start() + next.record(record(7)) + next.record(record(9)) + next.end());

    const text = readFileSync(path, 'utf8');
    const indexes =
      format === 'json'
        ? (JSON.parse(text) as TitleRecord[]).map((r) => r.index)
        : format === 'jsonl'
          ? text.trim().split('\n').map((line) => (JSON.parse(line) as TitleRecord).index)
          : (parse(text, { bom: true, columns: true }) as Record<string, string>[]).map((r) => Number(r.index));
    expect(indexes).toEqual([0, 5, 7, 9]);
    expect((await readExistingOutput(path, format))?.records).toBe(4);
  });

  it('a finished JSON array is reopened before its closing bracket', async () => {
    const path = join(work, 'finished.json');
    writeFileSync(path, toJson([record(0), record(1)]));
    const existing = await readExistingOutput(path, 'json');
    expect(existing?.records).toBe(2);
    writeFileSync(path, readFileSync(path).subarray(0, existing?.keepBytes));
    const next = new RecordEncoder('json', { records: 2 });
    writeFileSync(path, readFileSync(path, 'utf8') + next.record(record(2)) + next.end());
    expect((JSON.parse(readFileSync(path, 'utf8')) as TitleRecord[]).map((r) => r.index)).toEqual([0, 1, 2]);
  });

  it.each(formats)('%s: refuses, and leaves whole, anything after or among the records that is not one (issue 11)', async (format) => {
    const encoder = new RecordEncoder(format, null);
    const records = encoder.start() + encoder.record(record(0)) + encoder.record(record(1));
    const closed = records + encoder.end();
    const cases = [
      closed + 'my notes\n',
      closed + 'my notes',
      records + '\nmy notes\n' + new RecordEncoder(format, { records: 2 }).record(record(2)),
      format === 'json' ? `${records},\n{"something":"else"}` : records + '{"index":"not a number"}\n',
    ];
    for (const [i, text] of cases.entries()) {
      const path = join(work, `foreign-${i}.${format}`);
      writeFileSync(path, text);
      await expect(readExistingOutput(path, format), JSON.stringify(text.slice(-30))).rejects.toThrow(OutputNotResumableError);
    }
    const notes = join(work, `notes.${format}`);
    writeFileSync(notes, 'my notes\n');
    await expect(readExistingOutput(notes, format)).rejects.toThrow(/nothing in it was changed/);
  });

  it.each(formats)('%s: a start torn by a kill is written again', async (format) => {
    const path = join(work, `torn-start.${format}`);
    writeFileSync(path, new RecordEncoder(format, null).start().slice(0, 1) || '{"ind');
    const existing = await readExistingOutput(path, format);
    expect(existing).toMatchObject({ records: 0, keepBytes: 0, started: format === 'jsonl' });
  });

  it('refuses files that were not written by this command', async () => {
    const csv = join(work, 'other.csv');
    writeFileSync(csv, 'name,age\r\nAda,36\r\n');
    await expect(readExistingOutput(csv, 'csv')).rejects.toThrow(/CSV header/);
    const json = join(work, 'other.json');
    writeFileSync(json, '{"not": "an array"}');
    await expect(readExistingOutput(json, 'json')).rejects.toThrow(/JSON array/);
    expect(await readExistingOutput(join(work, 'missing.jsonl'), 'jsonl')).toBeNull();
  });
});
