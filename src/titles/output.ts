/**
 * Record files the CLI writes, and reading one back to continue it (--resume). Each record goes out in one write,
 * so a process killed with SIGKILL leaves at worst one torn record at the end: it is cut off, the records before it
 * are kept, and the torn one is fetched again. Node only.
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

/**
 * Read an output file back: which records it holds, and how much of it to keep. Null when there is no file or it is
 * empty. Throws (with a message for the user) when the file is not a record file of this format.
 */
export async function readExistingOutput(path: string, format: RecordFormat): Promise<ExistingOutput | null> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return null;
  }
  if (size === 0) return null;
  const existing: ExistingOutput = { keys: new Set(), records: 0, failed: 0, keepBytes: 0 };
  const add = (index: number, url: string, failed: boolean, keepBytes: number): void => {
    const key = recordKey(index, url);
    if (existing.keys.has(key)) return;
    existing.keys.add(key);
    existing.records += 1;
    if (failed) existing.failed += 1;
    existing.keepBytes = keepBytes;
  };
  // Loaded only when a CSV run is resumed (start-up time counts for every run).
  const parseCsv = format === 'csv' ? (await import('csv-parse/sync')).parse : null;
  let first = true;
  for await (const { line, start, end, complete } of linesWithOffsets(path)) {
    const text = line.toString('utf8');
    if (first) {
      first = false;
      if (format === 'csv') {
        if (!complete || text.replace(/\r$/, '') !== csvHeader().replace(/\r\n$/, '')) throw new Error(`${path} does not start with the CSV header this command writes; not resuming into it`);
        existing.keepBytes = end;
        continue;
      }
      if (format === 'json') {
        if (!complete || text !== '[') throw new Error(`${path} is not a JSON array written by this command; not resuming into it`);
        existing.keepBytes = end;
        continue;
      }
    }
    if (!complete && format !== 'json') break;
    if (format === 'jsonl') {
      try {
        const record = asRecord(JSON.parse(text));
        if (record !== null) add(record.index, record.url, record.error !== null, end);
      } catch {
        // A torn or foreign line: not a record.
      }
    } else if (parseCsv !== null) {
      if (!text.endsWith('\r')) continue;
      try {
        const [cells] = parseCsv(text.slice(0, -1), { relax_quotes: false }) as string[][];
        if (cells !== undefined && cells.length === csvColumns.length && /^\d+$/.test(cells[0] ?? '')) add(Number(cells[0]), unneutralise(cells[1] ?? ''), (cells[16] ?? '') !== '', end);
      } catch {
        // A torn row.
      }
    } else {
      // JSON array, one record per line: "{...}," or the last "{...}", then "]".
      const body = text.endsWith(',') ? text.slice(0, -1) : text;
      try {
        const record = asRecord(JSON.parse(body));
        // Keep the record but not its trailing comma: the next write adds ",\n" itself.
        if (record !== null) add(record.index, record.url, record.error !== null, start + Buffer.byteLength(body));
      } catch {
        // "]" or a torn record.
      }
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
