/**
 * The run record of a `titlewave titles --output FILE` run: a small hidden file beside the output,
 * `.FILE.titlewave.json`, that says which run wrote FILE — its input files (names, sizes and SHA-256 of their bytes),
 * the SHA-256 of its deduplicated entry list once read to the end, its format and when it started. `--resume` reads it
 * to prove that FILE is Titlewave's and belongs to this input before it appends a byte (records of another list would
 * reuse its indices); CSV and JSON outputs stay plain records. The record is written before the first record and
 * replaced atomically, so a kill never leaves half of one. Node only.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errorMessage } from '../errors.js';
import { writeFileAtomic } from '../services/atomic.js';
import type { RecordFormat } from '../titles/output.js';

export interface InputFingerprint {
  /** The file as given (absolute), or "standard input". */
  name: string;
  /** Size and SHA-256 of its bytes; null while unknown (a stream not yet read to its end). */
  bytes: number | null;
  sha256: string | null;
}

/** The deduplicated entries, in order: what decides each record's index. */
export interface EntriesFingerprint {
  count: number;
  sha256: string;
}

/** The sitemaps a run read (`--sitemap`), and whether it had read them to their end. */
export interface SitemapsRecord {
  /** As given: each URL, or the file's absolute path. */
  names: string[];
  /** Every URL of them has been read (and is in the list beside the output). */
  complete: boolean;
}

export interface TitlesRunRecord {
  titlewave: 'titles output';
  version: 1;
  /** xlsx: the records are kept in a journal beside the output, and the workbook is written from it. */
  format: RecordFormat | 'xlsx';
  /** When the run that began the output started (ISO 8601); a resumed run keeps it. */
  startedAt: string;
  updatedAt: string;
  inputs: InputFingerprint[];
  /** Null until the input has been read to its end once. */
  entries: EntriesFingerprint | null;
  /** --sitemap: their URLs are kept, in the order read, in the list beside the output (sitemapListPathFor). */
  sitemaps?: SitemapsRecord;
}

/** `.NAME.titlewave.json` beside the output. */
export function runRecordPathFor(output: string): string {
  return join(dirname(output), `.${basename(output)}.titlewave.json`);
}

/** `.NAME.titlewave-sitemap.txt`: the URLs read from the run's sitemaps, one per line, in the order read. */
export function sitemapListPathFor(output: string): string {
  return join(dirname(output), `.${basename(output)}.titlewave-sitemap.txt`);
}

/** `.NAME.titlewave-records.jsonl`: an .xlsx output's records, from which the workbook is written (and resumed). */
export function recordsJournalPathFor(output: string): string {
  return join(dirname(output), `.${basename(output)}.titlewave-records.jsonl`);
}

/** A run record that exists but cannot be read as one. */
export class RunRecordError extends Error {
  override readonly name = 'RunRecordError';
}

function isFingerprint(value: unknown): value is InputFingerprint {
  const input = value as Partial<InputFingerprint> | null;
  return typeof input === 'object' && input !== null && typeof input.name === 'string' && (input.sha256 === null || typeof input.sha256 === 'string') && (input.bytes === null || typeof input.bytes === 'number');
}

/** The run record of `output`, or null when there is none. Throws RunRecordError when it is not one. */
export async function readRunRecord(output: string): Promise<TitlesRunRecord | null> {
  const path = runRecordPathFor(output);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new RunRecordError(`cannot read ${path}: ${errorMessage(error)}`);
  }
  let record: Partial<TitlesRunRecord>;
  try {
    record = JSON.parse(text) as Partial<TitlesRunRecord>;
  } catch {
    throw new RunRecordError(`${path} is damaged`);
  }
  const entries = record.entries as Partial<EntriesFingerprint> | null | undefined;
  if (
    record.titlewave !== 'titles output' ||
    record.version !== 1 ||
    !['jsonl', 'csv', 'json', 'xlsx'].includes(String(record.format)) ||
    typeof record.startedAt !== 'string' ||
    !Array.isArray(record.inputs) ||
    !record.inputs.every(isFingerprint) ||
    !(entries === null || (typeof entries === 'object' && typeof entries.count === 'number' && typeof entries.sha256 === 'string')) ||
    !(record.sitemaps === undefined || (Array.isArray(record.sitemaps.names) && record.sitemaps.names.every((name) => typeof name === 'string') && typeof record.sitemaps.complete === 'boolean'))
  ) {
    throw new RunRecordError(`${path} is not a run record this version of Titlewave reads`);
  }
  return record as TitlesRunRecord;
}

export async function writeRunRecord(output: string, record: TitlesRunRecord): Promise<void> {
  await writeFileAtomic(runRecordPathFor(output), `${JSON.stringify({ ...record, updatedAt: new Date().toISOString() }, null, 2)}\n`);
}

/** Size and SHA-256 of a file's bytes, streamed. */
export async function hashFile(path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** The entry list's fingerprint, built entry by entry (the trimmed line of each entry's first occurrence). */
export class EntryDigest {
  #hash = createHash('sha256');
  #count = 0;

  add(line: string): void {
    this.#hash.update(`${line}\n`);
    this.#count += 1;
  }

  /** The fingerprint; the digest is finished by this call. */
  finish(): EntriesFingerprint {
    return { count: this.#count, sha256: this.#hash.digest('hex') };
  }
}

/**
 * Whether the inputs are those of the recorded run by their bytes: 'same', 'different', or 'unknown' when the
 * recorded run did not read one of them to its end (standard input stopped early).
 */
export function compareInputBytes(recorded: readonly InputFingerprint[], current: readonly InputFingerprint[]): 'same' | 'different' | 'unknown' {
  if (recorded.some((input) => input.sha256 === null)) return 'unknown';
  if (recorded.length !== current.length) return 'different';
  return recorded.every((input, i) => input.sha256 === current[i]?.sha256 && input.bytes === current[i]?.bytes) ? 'same' : 'different';
}

/** "urls.txt and more.txt, started 2025-01-01 10:00:00" */
export function describeRun(record: TitlesRunRecord): string {
  const names = record.inputs.map((input) => (input.name === 'standard input' ? input.name : basename(input.name)));
  for (const sitemap of record.sitemaps?.names ?? []) names.push(`sitemap ${/^https?:\/\//i.test(sitemap) ? sitemap : basename(sitemap)}`);
  const list = names.length <= 1 ? (names[0] ?? 'no input') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  return `the run of ${list} started ${record.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}`;
}
