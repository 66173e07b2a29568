/**
 * Record files the CLI writes, and reading one back to continue it (--resume). Each record goes out in one write,
 * so a process killed with SIGKILL leaves at worst one torn record at the end: it is cut off, the records before it
 * are kept, and the torn one is fetched again. Anything else in the file is refused, never cut. Node only.
 */
import { createReadStream } from 'node:fs';
import { stat, truncate } from 'node:fs/promises';
import { csvColumns, csvHeader, csvRow, jsonArrayEmptyEnd, jsonArrayEnd, jsonArrayItem, jsonArrayStart, jsonlLine } from './format.js';
import type { TitleRecord } from './types.js';

export type RecordFormat = 'jsonl' | 'csv' | 'json';

/** What an earlier run left in an output file. */
export interface ExistingOutput {
  /** `${index}\t${url}` of every complete record. */
  keys: Set<string>;
  records: number;
  /** Failed records among them (error not null). */
  failed: number;
  /** Bytes to keep: everything up to the end of the last complete record (and of the header or opening bracket). */
  keepBytes: number;
  /**
   * Whether the file's start (the CSV header, the JSON array's opening bracket) is whole. False only when a kill tore
   * the start itself: then keepBytes is 0 and the start is written again.
   */
  started: boolean;
}

/** An output file that is not (only) records this command wrote: resuming into it could lose what it holds. */
export class OutputNotResumableError extends Error {
  readonly code = 'NOT_RESUMABLE';
  override readonly name = 'OutputNotResumableError';
}

export function recordKey(index: number, url: string): string {
  return `${index}\t${url}`;
}

/** Split a file into lines with their byte offsets, without holding the whole file (records can be many). */
async function* linesWithOffsets(path: string): AsyncGenerator<{ line: Buffer; start: number; end: number; complete: boolean }> {
  let carry = Buffer.alloc(0);
  let offset = 0;
  for await (const chunk of createReadStream(path)) {
    let data = carry.length > 0 ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    let from = 0;
    for (let newline = data.indexOf(10, from); newline !== -1; newline = data.indexOf(10, from)) {
      yield { line: data.subarray(from, newline), start: offset + from, end: offset + newline + 1, complete: true };
      from = newline + 1;
    }
    offset += from;
    carry = Buffer.from(data.subarray(from));
    data = carry;
  }
  if (carry.length > 0) yield { line: carry, start: offset, end: offset + carry.length, complete: false };
}

function asRecord(value: unknown): TitleRecord | null {
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Partial<TitleRecord>;
  return Number.isInteger(record.index) && typeof record.url === 'string' && 'error' in record ? (record as TitleRecord) : null;
}

function parseJsonRecord(text: string): TitleRecord | null {
  if (!text.startsWith('{"index":')) return null;
  try {
    return asRecord(JSON.parse(text));
  } catch {
    return null;
  }
}

/**
 * The bytes a kill can leave after the last line feed: the beginning of the next record, cut short. A record of
 * JSONL and JSON starts with `{"index":` followed by digits (JSON.stringify of a TitleRecord), a CSV row with the
 * index's digits.
 */
function isTornRecord(text: string, format: RecordFormat): boolean {
  if (format === 'csv') return /^\d+(?:,|$)/.test(text);
  const head = '{"index":';
  return head.startsWith(text) || /^\{"index":\d/.test(text);
}

/**
 * Read an output file back before continuing it: which records it holds, and how much of it to keep. Null when there
 * is no file or it is empty. Every line must be a record this command writes in this format (after the CSV header or
 * the JSON array's opening bracket); the only thing allowed after the last record is the start of one more, torn by
 * a kill, which is cut off (and fetched again). Anything else (a line the user added, another file's content) throws
 * OutputNotResumableError, with a message for the user, and nothing is cut.
 */
export async function readExistingOutput(path: string, format: RecordFormat): Promise<ExistingOutput | null> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return null;
  }
  if (size === 0) return null;
  const existing: ExistingOutput = { keys: new Set(), records: 0, failed: 0, keepBytes: 0, started: format === 'jsonl' };
  const notResumable = (why: string): OutputNotResumableError =>
    new OutputNotResumableError(`${path} ${why}: it is not a ${format.toUpperCase()} file of titles records as this command writes them, so it is not resumed (nothing in it was changed)`);
  const add = (index: number, url: string, failed: boolean, keepBytes: number): void => {
    existing.keepBytes = keepBytes;
    const key = recordKey(index, url);
    if (existing.keys.has(key)) return;
    existing.keys.add(key);
    existing.records += 1;
    if (failed) existing.failed += 1;
  };
  // Loaded only when a CSV run is resumed (start-up time counts for every run).
  const parseCsv = format === 'csv' ? (await import('csv-parse/sync')).parse : null;
  const start = format === 'csv' ? csvHeader() : format === 'json' ? jsonArrayStart : '';
  let lineNumber = 0;
  // JSON: the array was closed ("]"), and whether the last record line ended with its comma.
  let closed = false;
  let recordLines = 0;
  let lastRecordOpen = false;
  for await (const { line, start: lineStart, end, complete } of linesWithOffsets(path)) {
    lineNumber += 1;
    const text = line.toString('utf8');
    if (lineNumber === 1 && start !== '') {
      if (complete && `${text}\n` === start) {
        existing.started = true;
        existing.keepBytes = end;
        continue;
      }
      // A kill while the start itself was written: begin again.
      if (!complete && start.startsWith(text)) break;
      throw notResumable(format === 'csv' ? 'does not start with the CSV header this command writes' : 'does not start a JSON array on its first line');
    }
    if (closed) throw notResumable(`goes on after the closing bracket (line ${lineNumber})`);
    if (format === 'jsonl') {
      const record = complete ? parseJsonRecord(text) : null;
      if (record !== null) add(record.index, record.url, record.error !== null, end);
      else if (complete || !isTornRecord(text, format)) throw notResumable(complete ? `has a line that is not a record (line ${lineNumber})` : `ends with something that is not a record (after line ${lineNumber - 1})`);
    } else if (parseCsv !== null) {
      if (!complete) {
        if (!isTornRecord(text, format)) throw notResumable(`ends with something that is not a record (after line ${lineNumber - 1})`);
        break;
      }
      let cells: string[] | undefined;
      try {
        [cells] = text.endsWith('\r') ? (parseCsv(text.slice(0, -1), { relax_quotes: false }) as string[][]) : [];
      } catch {
        cells = undefined;
      }
      if (cells === undefined || cells.length !== csvColumns.length || !/^\d+$/.test(cells[0] ?? '')) throw notResumable(`has a line that is not a record (line ${lineNumber})`);
      add(Number(cells[0]), unneutralise(cells[1] ?? ''), (cells[16] ?? '') !== '', end);
    } else {
      // JSON array, one record per line: "{...}," for every record but the last, then "]".
      if (text === ']') {
        if (lastRecordOpen) throw notResumable(`has a closing bracket right after a comma (line ${lineNumber})`);
        // The end torn after its bracket is still the end.
        closed = true;
        continue;
      }
      const body = text.endsWith(',') ? text.slice(0, -1) : text;
      const record = parseJsonRecord(body);
      if (record === null) {
        if (complete || !isTornRecord(text, format)) throw notResumable(complete ? `has a line that is not a record (line ${lineNumber})` : `ends with something that is not a record (after line ${lineNumber - 1})`);
        break;
      }
      // A record line without its comma is the last one: only the closing bracket may follow it.
      if (recordLines > 0 && !lastRecordOpen) throw notResumable(`has two records without a comma between them (line ${lineNumber})`);
      // Keep the record but not its trailing comma: the next write adds ",\n" itself.
      add(record.index, record.url, record.error !== null, lineStart + Buffer.byteLength(body));
      recordLines += 1;
      lastRecordOpen = text.endsWith(',');
    }
  }
  return existing;
}

/** csvRow puts an apostrophe before cells starting with = + - @ or a tab; the URL cell reads back without it. */
function unneutralise(cell: string): string {
  return /^'[=+\-@\t]/.test(cell) ? cell.slice(1) : cell;
}

/** Cut an output file back to its complete records before appending to it. */
export async function keepOnly(path: string, bytes: number): Promise<void> {
  await truncate(path, bytes);
}

/** Turns records into the bytes of one format, in the order they are written. */
export class RecordEncoder {
  #first: boolean;

  /** `continuing`: the file already holds the header (csv), the opening bracket (json) and `records` records. */
  constructor(
    readonly format: RecordFormat,
    private readonly continuing: { records: number } | null,
  ) {
    this.#first = (continuing?.records ?? 0) === 0;
  }

  start(): string {
    if (this.continuing !== null) return '';
    if (this.format === 'csv') return csvHeader();
    if (this.format === 'json') return jsonArrayStart;
    return '';
  }

  record(record: TitleRecord): string {
    if (this.format === 'csv') return csvRow(record);
    if (this.format === 'jsonl') return jsonlLine(record);
    const item = jsonArrayItem(record, this.#first);
    this.#first = false;
    return item;
  }

  end(): string {
    if (this.format !== 'json') return '';
    return this.#first ? jsonArrayEmptyEnd : jsonArrayEnd;
  }
}
