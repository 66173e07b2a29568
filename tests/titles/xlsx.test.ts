/** Title records as .xlsx: read back with exceljs, the XML checked for what Excel would run or reject. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { csvColumns } from '../../src/titles/format.js';
import type { TitleRecord } from '../../src/titles/types.js';
import { writeXlsx } from '../../src/titles/xlsx.js';

const work = mkdtempSync(join(tmpdir(), 'titlewave-xlsx-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function record(index: number, fields: Partial<TitleRecord> = {}): TitleRecord {
  return { index, url: `https://example.com/${index}`, finalUrl: `https://example.com/${index}`, status: 200, title: `Title ${index}`, ogTitle: null, description: null, canonical: null, lang: 'en', contentType: 'text/html', encoding: 'UTF-8', encodingSource: 'http', redirects: [], bytes: 1000 + index, durationMs: 12, attempts: 1, error: null, staticTitle: `Title ${index}`, rendered: false, renderMs: null, warning: null, ...fields };
}

async function write(records: TitleRecord[]): Promise<string> {
  const file = join(work, `${Math.random().toString(36).slice(2)}.xlsx`);
  await writeXlsx(records, createWriteStream(file));
  return file;
}

describe('xlsx', () => {
  it('writes a real workbook: header, numbers as numbers, Chinese text, links, a frozen header with filters', async () => {
    const file = await write([
      record(0, { title: '京东(JD.COM)-正品低价、品质保障、配送及时、轻松购物！', url: 'https://例子.example/路径?q=1' }),
      record(1, { status: null, title: null, error: { code: 'DNS', message: 'host not found' }, redirects: [{ url: 'http://a/', status: 301 }] }),
    ]);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    const sheet = workbook.getWorksheet('Titles');
    expect(sheet).toBeDefined();
    const header = sheet?.getRow(1).values as unknown[];
    expect(header.slice(1)).toEqual([...csvColumns]);
    expect(sheet?.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    const first = sheet?.getRow(2);
    expect(first?.getCell(1).value).toBe(0);
    expect(first?.getCell(5).text).toBe('京东(JD.COM)-正品低价、品质保障、配送及时、轻松购物！');
    expect(first?.getCell(2).text).toBe('https://例子.example/路径?q=1');
    expect(first?.getCell(2).hyperlink).toBe('https://xn--fsqu00a.example/%E8%B7%AF%E5%BE%84?q=1');
    expect(first?.getCell(14).value).toBe(1000);
    const second = sheet?.getRow(3);
    expect(second?.getCell(4).value).toBeNull();
    expect(second?.getCell(13).text).toBe('301 http://a/');
    expect(second?.getCell(17).text).toBe('DNS');
    expect(sheet?.getColumn(5).width).toBe(60);
  });

  it('never writes a formula: cells starting with = + - @ stay text; control characters cannot break the XML', async () => {
    const file = await write([record(0, { title: '=HYPERLINK("http://evil.example","click")', url: '=cmd|" /C calc"!A0', description: '@SUM(1)\u0001\uFFFE', ogTitle: '+1-1' })]);
    const xml = execFileSync('unzip', ['-p', file, 'xl/worksheets/sheet1.xml']).toString('utf8');
    expect(xml).not.toMatch(/<f[ >]/);
    expect(xml).toContain('t="inlineStr"');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    const row = workbook.getWorksheet('Titles')?.getRow(2);
    expect(row?.getCell(5).type).not.toBe(ExcelJS.ValueType.Formula);
    expect(row?.getCell(5).text).toBe('=HYPERLINK("http://evil.example","click")');
    // Not an http(s) URL: text, never a link.
    expect(row?.getCell(2).hyperlink).toBeUndefined();
    expect(row?.getCell(7).text).toBe('@SUM(1)\uFFFD');
  });

  it('writes render mode’s columns, and a record from before render mode with them empty', async () => {
    const { staticTitle: _s, rendered: _r, renderMs: _m, warning: _w, ...older } = record(1);
    const file = await write([
      record(0, { title: 'Dashboard', staticTitle: 'React App', rendered: true, renderMs: 812, warning: { code: 'RENDER_UNSETTLED', message: 'still changing' } }),
      older as TitleRecord,
    ]);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    const sheet = workbook.getWorksheet('Titles');
    const cell = (row: number, column: string): unknown => sheet?.getRow(row).getCell(csvColumns.indexOf(column) + 1).value ?? null;
    expect([cell(2, 'staticTitle'), cell(2, 'rendered'), cell(2, 'renderMs'), cell(2, 'warningCode')].map((v) => (typeof v === 'object' && v !== null && 'richText' in v ? (v as { richText: { text: string }[] }).richText[0]?.text : v))).toEqual(['React App', true, 812, 'RENDER_UNSETTLED']);
    expect([cell(3, 'staticTitle'), cell(3, 'rendered'), cell(3, 'renderMs'), cell(3, 'warningCode')]).toEqual([null, false, null, null]);
    expect(sheet?.getRow(3).getCell(5).text).toBe('Title 1');
  });

  it('keeps long cells within Excel’s 32,767 characters', async () => {
    const file = await write([record(0, { description: 'x'.repeat(40_000) })]);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    expect(workbook.getWorksheet('Titles')?.getRow(2).getCell(7).text).toHaveLength(32_767);
    expect(readFileSync(file).subarray(0, 2).toString()).toBe('PK');
  });
});
