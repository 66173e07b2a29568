/** URL lists from files the user dropped or opened: .txt as is, .csv by its URL column. */
import { parse } from 'csv-parse/sync';

export function isUrlListFile(name: string, type: string): boolean {
  return /\.(txt|csv|tsv|list)$/i.test(name) || type === 'text/plain' || type === 'text/csv';
}

/** A CSV file that csv-parse cannot read (an unclosed quote, say), with the line it stopped at. */
export class CsvUnreadableError extends Error {
  constructor(readonly line: number | null, cause: unknown) {
    super(`not a readable CSV file${line === null ? '' : ` (line ${line})`}`, { cause });
  }
}

const urlHeader = /^(url|urls|link|href|address|网址|链接)$/;

/**
 * The URL lines of a CSV file: the column headed url/link/href/address (any case), else the first column. A header
 * row naming such a column is dropped. Read by csv-parse (RFC 4180: quoted cells may hold separators, quotes and
 * line breaks); the separator is the first line's (comma, else semicolon or tab, as spreadsheets export them).
 */
export function urlsFromCsv(text: string): string {
  const body = text.replace(/^\uFEFF/, '');
  const first = body.split(/\r?\n/).find((line) => line.trim() !== '') ?? '';
  const delimiter = first.includes('\t') && !first.includes(',') ? '\t' : first.includes(';') && !first.includes(',') ? ';' : ',';
  let rows: string[][];
  try {
    rows = parse(body, { delimiter, relax_column_count: true, skip_empty_lines: true, trim: true });
  } catch (error) {
    const line = (error as { lines?: unknown }).lines;
    throw new CsvUnreadableError(typeof line === 'number' ? line : null, error);
  }
  const header = (rows[0] ?? []).map((cell) => cell.toLowerCase());
  let column = header.findIndex((cell) => urlHeader.test(cell));
  let start = 0;
  if (column >= 0) start = 1;
  else column = 0;
  const out: string[] = [];
  for (let i = start; i < rows.length; i++) {
    const cell = rows[i]![column] ?? '';
    // A line break inside a quoted cell would split one entry in two: it is one line of the list.
    const line = cell.replace(/\s*[\r\n]+\s*/g, ' ');
    if (line !== '') out.push(line);
  }
  return out.join('\n');
}

/** The URL lines in a file's text, by its kind. */
export function urlLinesOf(name: string, text: string): string {
  const body = /\.(csv|tsv)$/i.test(name) ? urlsFromCsv(text) : text.replace(/^\uFEFF/, '');
  return body.replace(/\r\n?/g, '\n').replace(/\n+$/, '');
}

/** Append lines to the existing text, on a line of their own. */
export function appendLines(existing: string, added: string): string {
  if (!added) return existing;
  if (!existing.trim()) return added;
  return `${existing.replace(/\n*$/, '')}\n${added}`;
}
