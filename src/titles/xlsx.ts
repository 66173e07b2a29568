/**
 * Title records as an Excel workbook (.xlsx), written by exceljs's streaming WorkbookWriter: each row goes into the
 * zip as it comes, so 100,000 rows take no more memory than a few. One sheet, "Titles": the CSV's columns (numbers as
 * numbers), a bold header row that stays in view (frozen) with filters, columns sized for their content, and each
 * http(s) URL a link. Every cell is plain text or a number, never a formula, whatever a page's title starts with.
 * Node only (exceljs is loaded when a workbook is written).
 */
import type { Writable } from 'node:stream';
import { csvColumns, recordCells } from './format.js';
import { parseInputLine } from './input.js';
import type { TitleRecord } from './types.js';

/** Excel keeps at most 65,530 hyperlinks in a sheet; rows past that have their URL as text only. */
export const MAX_XLSX_LINKS = 65_530;
/** Excel shows at most 32,767 characters in a cell. */
const MAX_CELL_CHARS = 32_767;
/** Excel does not follow a link longer than this. */
const MAX_LINK_CHARS = 2079;

/** Column widths in characters, by column name (the rest get 14). */
const widths: Record<string, number> = {
  index: 8,
  url: 48,
  finalUrl: 48,
  status: 8,
  title: 60,
  ogTitle: 40,
  description: 60,
  canonical: 40,
  lang: 8,
  contentType: 26,
  encoding: 12,
  encodingSource: 10,
  redirects: 40,
  bytes: 10,
  durationMs: 11,
  attempts: 9,
  errorCode: 18,
  errorMessage: 50,
  staticTitle: 40,
  rendered: 9,
  renderMs: 10,
  warningCode: 18,
  warningMessage: 50,
};

/** Characters XML 1.0 cannot hold (exceljs drops C0 controls itself; these it would write as they are). */
const notXml = /[\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function clean(value: string): string {
  const kept = value.replace(notXml, '\uFFFD');
  return kept.length > MAX_CELL_CHARS ? `${kept.slice(0, MAX_CELL_CHARS - 1)}…` : kept;
}

/**
 * A text cell. As rich text, exceljs writes it as an inline string (`t="inlineStr"`): a string cell through and
 * through, where a plain string would be written as a formula's cached result (`t="str"`).
 */
function text(value: string | null): { richText: { text: string }[] } | null {
  return value === null || value === '' ? null : { richText: [{ text: clean(value) }] };
}

/** Where a URL cell links to: the URL as the engine fetches it (scheme added, host in ASCII), when short enough. */
function linkTarget(url: string): string | null {
  const parsed = parseInputLine(url);
  return parsed.kind === 'url' && parsed.url.length <= MAX_LINK_CHARS ? parsed.url : null;
}

/** The row of one record, in csvColumns order. */
function rowOf(record: TitleRecord): ({ richText: { text: string }[] } | number | boolean | null)[] {
  return recordCells<{ richText: { text: string }[] } | number | boolean | null>(record, text, (value) => value, (value) => value);
}

export interface XlsxWriter {
  /** Add one row; resolves when the stream can take more. */
  add(record: TitleRecord): Promise<void>;
  /** Finish the workbook; resolves when every byte is written to the stream (which is ended). */
  end(): Promise<void>;
}

/** A workbook written to `stream` as records are added. */
export async function createXlsxWriter(stream: Writable): Promise<XlsxWriter> {
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream, useStyles: true, useSharedStrings: false });
  workbook.creator = 'Titlewave';
  const sheet = workbook.addWorksheet('Titles', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = csvColumns.map((name) => ({ key: name, width: widths[name] ?? 14 }));
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: csvColumns.length } };
  const header = sheet.addRow([...csvColumns]);
  header.font = { bold: true };
  header.commit();
  let links = 0;
  const urlColumn = csvColumns.indexOf('url') + 1;
  const drained = (): Promise<void> => (stream.writableNeedDrain ? new Promise<void>((resolve) => stream.once('drain', resolve)) : Promise.resolve());
  /**
   * exceljs writes a sheet's XML into the zip's entry (a PassThrough of readable-stream 3) without waiting for it, so
   * rows added faster than they are deflated would pile up in memory, about 1 KiB a row. Waiting for the entry to
   * drain keeps a few of its 16 KiB buffers. It is reached through exceljs's internals (`stream.pipes`, and that
   * readable-stream's `_writableState`, which has no `writableNeedDrain`): when they are not there, nothing waits.
   */
  type Entry = Writable & { _writableState?: { needDrain?: boolean } };
  const sheetStream = (sheet as unknown as { stream?: { pipes?: unknown } }).stream;
  const entryDrained = (): Promise<void> => {
    const pipes = Array.isArray(sheetStream?.pipes) ? (sheetStream.pipes as Entry[]) : [];
    const full = pipes.find((pipe) => pipe._writableState?.needDrain === true || pipe.writableNeedDrain === true);
    return full === undefined ? Promise.resolve() : new Promise<void>((resolve) => full.once('drain', resolve));
  };
  let failure: Error | null = null;
  stream.on('error', (error: Error) => (failure ??= error));

  return {
    async add(record) {
      if (failure !== null) throw failure;
      const row = sheet.addRow(rowOf(record));
      const target = links < MAX_XLSX_LINKS ? linkTarget(record.url) : null;
      if (target !== null) {
        const cell = row.getCell(urlColumn);
        cell.value = { text: clean(record.url), hyperlink: target };
        cell.font = { color: { argb: 'FF0563C1' }, underline: true };
        links += 1;
      }
      row.commit();
      await entryDrained();
      await drained();
    },
    async end() {
      if (failure !== null) throw failure;
      const finished = new Promise<void>((resolve, reject) => {
        stream.once('finish', resolve);
        stream.once('close', resolve);
        stream.once('error', reject);
      });
      sheet.commit();
      await workbook.commit();
      await finished;
    },
  };
}

/** A whole workbook of `records`, written to `stream`. */
export async function writeXlsx(records: AsyncIterable<TitleRecord> | Iterable<TitleRecord>, stream: Writable): Promise<void> {
  const writer = await createXlsxWriter(stream);
  for await (const record of records) await writer.add(record);
  await writer.end();
}
