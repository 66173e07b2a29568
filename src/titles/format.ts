/**
 * Record serialisation shared by the CLI (writes files and stdout) and the renderer (exports): the same bytes in both.
 * Browser-safe: csv-stringify's sync API has no Node dependencies.
 */
import { stringify } from 'csv-stringify/sync';
import type { TitleRecord } from './types.js';

export const csvColumns: readonly string[] = Object.freeze([
  'index',
  'url',
  'finalUrl',
  'status',
  'title',
  'ogTitle',
  'description',
  'canonical',
  'lang',
  'contentType',
  'encoding',
  'encodingSource',
  'redirects',
  'bytes',
  'durationMs',
  'attempts',
  'errorCode',
  'errorMessage',
  'staticTitle',
  'rendered',
  'renderMs',
  'warningCode',
  'warningMessage',
]);

const byteOrderMark = '\uFEFF';
const csvOptions = { record_delimiter: '\r\n' } as const;

/**
 * Spreadsheets run a cell that starts with one of these as a formula (CSV injection); a leading apostrophe makes the
 * cell plain text in Excel, LibreOffice and Google Sheets. A leading tab is on OWASP's list as well.
 */
function neutralise(cell: string): string {
  // One row per line: a line break inside a cell (a server's odd header, say) becomes a space.
  const line = cell.replace(/[\r\n]+/g, ' ');
  return /^[=+\-@\t]/.test(line) ? `'${line}` : line;
}

/** Redirect chain in one cell: "301 http://a/ -> 302 http://b/". */
function redirectsCell(record: TitleRecord): string {
  return record.redirects.map((hop) => `${hop.status} ${hop.url}`).join(' -> ');
}

/**
 * A record's cells in csvColumns order, each made by the writer's own text, number and boolean cell (CSV here, the
 * .xlsx workbook in xlsx.ts). Records written before render mode have none of its fields: their cells are empty.
 */
export function recordCells<T>(record: TitleRecord, text: (value: string | null) => T, number: (value: number | null) => T, boolean: (value: boolean) => T): T[] {
  return [
    number(record.index),
    text(record.url),
    text(record.finalUrl),
    number(record.status),
    text(record.title),
    text(record.ogTitle),
    text(record.description),
    text(record.canonical),
    text(record.lang),
    text(record.contentType),
    text(record.encoding),
    text(record.encodingSource),
    text(redirectsCell(record)),
    number(record.bytes),
    number(record.durationMs),
    number(record.attempts),
    text(record.error?.code ?? null),
    text(record.error?.message ?? null),
    text(record.staticTitle ?? null),
    boolean(record.rendered ?? false),
    number(record.renderMs ?? null),
    text(record.warning?.code ?? null),
    text(record.warning?.message ?? null),
  ];
}

function csvCells(record: TitleRecord): string[] {
  return recordCells(
    record,
    (value) => (value === null ? '' : neutralise(value)),
    (value) => (value === null ? '' : String(value)),
    (value) => (value ? 'true' : 'false'),
  );
}

/** The header line, starting with a UTF-8 byte order mark so Excel reads the file as UTF-8 (Chinese titles show right). */
export function csvHeader(): string {
  return byteOrderMark + stringify([csvColumns as string[]], csvOptions);
}

/** One CSV line, "\r\n" included. */
export function csvRow(record: TitleRecord): string {
  return stringify([csvCells(record)], csvOptions);
}

export function toCsv(records: Iterable<TitleRecord>): string {
  let out = csvHeader();
  for (const record of records) out += csvRow(record);
  return out;
}

/** One JSON object per line. */
export function jsonlLine(record: TitleRecord): string {
  return `${JSON.stringify(record)}\n`;
}

export function toJsonl(records: Iterable<TitleRecord>): string {
  let out = '';
  for (const record of records) out += jsonlLine(record);
  return out;
}

/**
 * A JSON array with one record per line, so a file written record by record (the CLI) can be checked and continued
 * line by line after a crash, and is byte for byte what `toJson` gives for the same records.
 */
export const jsonArrayStart = '[\n';
export const jsonArrayEnd = '\n]\n';
export const jsonArrayEmptyEnd = ']\n';
export function jsonArrayItem(record: TitleRecord, first: boolean): string {
  return `${first ? '' : ',\n'}${JSON.stringify(record)}`;
}

export function toJson(records: Iterable<TitleRecord>): string {
  let out = jsonArrayStart;
  let first = true;
  for (const record of records) {
    out += jsonArrayItem(record, first);
    first = false;
  }
  return out + (first ? jsonArrayEmptyEnd : jsonArrayEnd);
}
