/**
 * Run history on disk: one folder per titles run under `<dataDir>/runs/<id>/`, written as the run goes.
 *
 * - `input.txt`: the input exactly as given, written once (fsynced) before the run starts.
 * - `meta.json`: name, settings, counts and state; replaced atomically (temporary file + rename) on every change.
 * - `records.jsonl`: one TitleRecord per line, append-only, written in batches. A later line for the same index wins
 *   (retry, resume). A kill loses nothing that was written; a torn last line (crash mid-write) is ignored on read and
 *   cut off before the journal is appended to again.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rm, stat, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import type { RunSummary } from '../contract.js';
import { errorMessage } from '../errors.js';
import { packageInfo } from '../package-info.js';
import type { TitleRecord } from '../titles/types.js';
import { syncDirectory, writeFileAtomic } from './atomic.js';
import { parseStoredMeta, parseStoredRecord, runIdPattern, STORED_RUN_VERSION, type RunMeta } from './stored-run.js';

export type { RunMeta } from './stored-run.js';

export const META_FILE = 'meta.json';
export const INPUT_FILE = 'input.txt';
export const RECORDS_FILE = 'records.jsonl';

/** meta.json files history reads at once when it lists the runs. */
const META_READS_AT_ONCE = 16;

export function summaryOf(meta: RunMeta, state: RunSummary['state'] = meta.state): RunSummary {
  return {
    id: meta.id,
    name: meta.name,
    createdAt: meta.createdAt,
    total: meta.total,
    done: meta.done,
    failed: meta.failed,
    state,
    settings: meta.settings,
    ...(meta.summary && Number.isFinite(meta.summary.elapsedMs) ? { elapsedMs: meta.summary.elapsedMs } : {}),
    ...(meta.queue ? { queue: meta.queue.url } : {}),
  };
}

export function isRunId(id: string): boolean {
  return runIdPattern.test(id);
}

/** The run folders of one data folder. */
export class RunStore {
  readonly runsDir: string;

  constructor(
    dataDir: string,
    /** Where a failure no caller waits on is told (a journal's periodic fsync). */
    private readonly log: (message: string) => void = () => undefined,
  ) {
    this.runsDir = join(dataDir, 'runs');
  }

  runDir(id: string): string {
    // Ids come from the contract's schema already; this guards every other caller against path tricks.
    if (!isRunId(id)) throw new Error(`Invalid run id: ${id}`);
    return join(this.runsDir, id);
  }

  async ensureRunsDir(): Promise<void> {
    await mkdir(this.runsDir, { recursive: true });
  }

  /** Create a run's folder with its input and first meta, durably, before any record is fetched. */
  async create(meta: RunMeta, input: string): Promise<void> {
    await mkdir(this.runsDir, { recursive: true });
    const dir = this.runDir(meta.id);
    await mkdir(dir); // fails if the id is taken: never write into another run
    const handle = await open(join(dir, INPUT_FILE), 'wx', 0o600);
    try {
      await handle.writeFile(input);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await this.writeMeta(meta, true);
    await syncDirectory(this.runsDir);
  }

  /** Write the meta in the current format (a run read from an older one takes it now), stamped with this version. */
  async writeMeta(meta: RunMeta, durable = false): Promise<void> {
    const stored: RunMeta = { ...meta, version: STORED_RUN_VERSION, writtenBy: packageInfo.version };
    await writeFileAtomic(join(this.runDir(meta.id), META_FILE), `${JSON.stringify(stored, null, 2)}\n`, { durable });
  }

  /**
   * The run's meta in the current format (migrated from an older one, see stored-run.ts), or null when the folder
   * is missing or its meta unreadable (a run that never really started) or written by a newer Titlewave.
   */
  async readMeta(id: string): Promise<RunMeta | null> {
    let text: string;
    try {
      text = await readFile(join(this.runDir(id), META_FILE), 'utf8');
    } catch {
      return null;
    }
    try {
      const meta = parseStoredMeta(JSON.parse(text));
      return meta?.id === id ? meta : null;
    } catch {
      return null;
    }
  }

  /** Every readable run, newest first. */
  async list(): Promise<RunMeta[]> {
    let names: string[];
    try {
      names = await readdir(this.runsDir);
    } catch {
      return [];
    }
    // A few at a time: a data folder of thousands of runs must not open thousands of files at once (EMFILE).
    const limit = pLimit(META_READS_AT_ONCE);
    const metas = await Promise.all(names.filter(isRunId).map((name) => limit(() => this.readMeta(name))));
    return metas
      .filter((meta): meta is RunMeta => meta !== null)
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1));
  }

  readInput(id: string): Promise<string> {
    return readFile(join(this.runDir(id), INPUT_FILE), 'utf8');
  }

  /**
   * The run's records folded by index (last line wins); indices at or past `total`, and lines that are not records
   * (stored-run.ts checks each field) or not complete JSON, are ignored.
   */
  async readRecords(id: string, total: number): Promise<(TitleRecord | undefined)[]> {
    const byIndex = new Array<TitleRecord | undefined>(total);
    await readJsonLines(join(this.runDir(id), RECORDS_FILE), (value) => {
      const record = parseStoredRecord(value);
      if (record && record.index < total) byIndex[record.index] = record;
    });
    return byIndex;
  }

  openRecords(id: string): Promise<RecordJournal> {
    const path = join(this.runDir(id), RECORDS_FILE);
    return RecordJournal.open(path, (error) => this.log(`could not sync ${path} to disk (tried again at the end of the job): ${errorMessage(error)}`));
  }

  async delete(id: string): Promise<void> {
    await rm(this.runDir(id), { recursive: true, force: true });
  }
}

/** Call `onValue` for each line of a JSON-lines file that parses; a missing file has no lines. */
export async function readJsonLines(path: string, onValue: (value: unknown) => void): Promise<void> {
  let stream;
  try {
    await stat(path);
    stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  } catch {
    return;
  }
  let carry = '';
  for await (const chunk of stream as AsyncIterable<string>) {
    const text = carry + chunk;
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      parseLine(text.slice(start, end), onValue);
      start = end + 1;
    }
    carry = text.slice(start);
  }
  // A last line without its newline is a torn write from a crash: ignored.
}

function parseLine(line: string, onValue: (value: unknown) => void): void {
  if (!line) return;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return; // torn or damaged line
  }
  onValue(value);
}

/** How often appended records are forced to the disk (a kill loses nothing written; power loss at most this much). */
const SYNC_INTERVAL_MS = 1000;

/** The append side of a run's records.jsonl. Writes are serialized; `append` resolves once the kernel has the batch. */
export class RecordJournal {
  private chain: Promise<unknown> = Promise.resolve();
  private syncTimer: NodeJS.Timeout | null = null;
  private dirty = false;
  private closed = false;

  private constructor(
    private readonly handle: FileHandle,
    private readonly onSyncError: (error: unknown) => void,
  ) {}

  /** `onSyncError`: told when a periodic fsync fails (nobody waits on it; the next sync tries again). */
  static async open(path: string, onSyncError: (error: unknown) => void = () => undefined): Promise<RecordJournal> {
    await cutTornTail(path);
    return new RecordJournal(await open(path, 'a', 0o600), onSyncError);
  }

  append(records: readonly TitleRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('The run journal is closed'));
    if (records.length === 0) return Promise.resolve();
    let text = '';
    for (const record of records) text += `${JSON.stringify(record)}\n`;
    const write = this.enqueue(async () => {
      await this.handle.write(text);
      this.dirty = true;
    });
    if (!this.syncTimer) {
      this.syncTimer = setTimeout(() => {
        this.syncTimer = null;
        this.sync().catch(this.onSyncError);
      }, SYNC_INTERVAL_MS);
    }
    return write;
  }

  sync(): Promise<void> {
    return this.enqueue(async () => {
      if (!this.dirty) return;
      await this.handle.sync();
      // Only once it worked: a failed sync leaves the journal to sync again.
      this.dirty = false;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = null;
    try {
      await this.sync();
    } finally {
      await this.enqueue(() => this.handle.close());
    }
  }

  private enqueue<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.chain.then(operation);
    this.chain = result.catch(() => undefined);
    return result;
  }
}

/** Cut a torn last line (no trailing newline) so the next append starts on a line of its own. */
async function cutTornTail(path: string): Promise<void> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return;
  }
  if (size === 0) return;
  const handle = await open(path, 'r');
  let keep = 0;
  try {
    const chunk = Buffer.alloc(64 * 1024);
    let end = size;
    search: while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const { bytesRead } = await handle.read(chunk, 0, end - start, start);
      for (let i = bytesRead - 1; i >= 0; i--) {
        if (chunk[i] === 0x0a) {
          keep = start + i + 1;
          break search;
        }
      }
      end = start;
    }
  } finally {
    await handle.close();
  }
  if (keep < size) await truncate(path, keep);
}
