/**
 * How Titlewave recognises the thumbnails it wrote, and which image each was made from.
 *
 * Every folder Titlewave writes thumbnails into gets a hidden list, `.titlewave-thumbnails`: one JSON line per file
 * written, `{"name":"a_32.png","size":1834,"source":{"path":"/home/me/photos/a.jpg","size":2481632,"mtimeMs":…}}`,
 * appended by the worker just before the file is moved into place (so a crash cannot leave a thumbnail that is not
 * listed). A file is one of ours when its folder's list has its name with its exact size in bytes: a file the user put
 * in its place (a different size) is theirs again, and a thumbnail copied elsewhere is the user's copy. Ours, it is
 * never taken as a source (a run whose output folder is inside, or is, one of its input folders would otherwise
 * thumbnail its own thumbnails, run after run). And its `source` (the image's real path, size and modification time
 * when it was made) says whether "skip existing" may skip it: only when it was made from the same image, unchanged
 * (engine.ts). Lines written before sources were recorded have none.
 *
 * Nothing is written into the images themselves: a marker in the pixels or the metadata would change every format's
 * bytes (and "strip metadata" would no longer mean it), and reading it back would mean opening every file of every
 * folder scanned; the list costs one small read per folder that has one.
 *
 * Rewriting an output (overwrite) appends its name again; the list is compacted (one line per name, the latest) when
 * it has grown to twice its distinct names. Lines are appended with one write each (O_APPEND), so processes writing
 * into one folder at once do not tear each other's lines; a torn line (a crash mid-write) is ignored.
 */
import { appendFileSync, closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { appendFile, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The list's name in each output folder (hidden: scans leave it out like any hidden file). */
export const OWN_OUTPUTS_FILE = '.titlewave-thumbnails';
/** A list being compacted is renamed to this prefix plus a unique tail; a scan reads such leftovers too. */
const COMPACTING_PREFIX = `${OWN_OUTPUTS_FILE}.compacting-`;
/** Lists smaller than this are never worth compacting. */
const COMPACT_MIN_BYTES = 256 * 1024;

/** Which image a thumbnail was made from: its real path, and its size and modification time then. */
export interface SourceIdentity {
  path: string;
  size: number;
  mtimeMs: number;
}

/** Names of a folder's own thumbnails: each size in bytes it was written with, and the image it was made from then. */
export type OwnOutputs = Map<string, Map<number, SourceIdentity | null>>;

/** Whether a folder entry is one of the lists (the current one, or one left by a compaction that was cut short). */
export function isOwnOutputsList(name: string): boolean {
  return name === OWN_OUTPUTS_FILE || name.startsWith(COMPACTING_PREFIX);
}

/** Records, in its folder's list, that Titlewave writes `path` with `size` bytes, made from `source`. Throws when it cannot. */
export function noteOwnOutput(path: string, size: number, source: SourceIdentity): void {
  appendFileSync(join(dirname(path), OWN_OUTPUTS_FILE), `${JSON.stringify({ name: basename(path), size, source })}\n`);
}

function sourceOf(value: unknown): SourceIdentity | null {
  if (typeof value !== 'object' || value === null) return null;
  const { path, size, mtimeMs } = value as Record<string, unknown>;
  if (typeof path !== 'string' || !Number.isSafeInteger(size) || typeof mtimeMs !== 'number') return null;
  return { path, size: size as number, mtimeMs };
}

/** Adds the entries of a list's text to `into` (with `latestOnly`, each name keeps only its last size); returns its lines. */
function parseLines(text: string, into: OwnOutputs, latestOnly = false): number {
  let lines = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    lines++;
    try {
      const entry = JSON.parse(line) as { name?: unknown; size?: unknown; source?: unknown };
      if (typeof entry.name !== 'string' || !Number.isSafeInteger(entry.size)) continue;
      const size = entry.size as number;
      const sizes = latestOnly ? undefined : into.get(entry.name);
      // A size written again (overwrite) keeps the source of its latest line.
      if (sizes) sizes.set(size, sourceOf(entry.source));
      else into.set(entry.name, new Map([[size, sourceOf(entry.source)]]));
    } catch {
      // A line torn by a crash mid-write: nothing to learn from it.
    }
  }
  return lines;
}

/** The thumbnails `folder`'s lists name (empty when it has none). `names`: the folder's entries, when already read. */
export async function readOwnOutputs(folder: string, names?: readonly string[]): Promise<OwnOutputs> {
  const outputs: OwnOutputs = new Map();
  let lists: string[];
  if (names) lists = names.filter(isOwnOutputsList);
  else {
    try {
      lists = (await readdir(folder)).filter(isOwnOutputsList);
    } catch {
      return outputs;
    }
  }
  for (const list of lists) {
    try {
      parseLines(await readFile(join(folder, list), 'utf8'), outputs);
    } catch {
      // Gone meanwhile (compacted), or unreadable: its files are taken as anyone's.
    }
  }
  return outputs;
}

/** Whether the file `name` of `size` bytes is a thumbnail Titlewave wrote, by its folder's lists. */
export function isOwnOutput(outputs: OwnOutputs, name: string, size: number): boolean {
  return outputs.get(name)?.has(size) === true;
}

/** What a folder's lists say of the file `name` of `size` bytes: not ours, or ours and made from `source` (null: not recorded). */
export type OwnOutputStatus = { own: false } | { own: true; source: SourceIdentity | null };

/**
 * A folder's lists as a worker reads them, again and again while a job writes into the folder: the main list is read
 * once and then only what was appended since (it only grows, until a compaction replaces it, which is read anew).
 */
interface ListReading {
  outputs: OwnOutputs;
  dev: number;
  ino: number;
  /** Bytes of the main list read so far (up to its last complete line). */
  read: number;
}

const readings = new Map<string, ListReading>();
/** Folders whose lists a worker keeps (a job writes into a few; the oldest are forgotten beyond this). */
const MAX_READINGS = 64;

/** The main list's file identity and size, or null when there is none. */
function listIdentity(folder: string): { dev: number; ino: number; size: number } | null {
  let fd: number;
  try {
    fd = openSync(join(folder, OWN_OUTPUTS_FILE), 'r');
  } catch {
    return null;
  }
  try {
    const info = fstatSync(fd);
    return { dev: info.dev, ino: info.ino, size: info.size };
  } finally {
    closeSync(fd);
  }
}

/** Reads the main list's bytes from `from` to its last complete line; returns how far it got. */
function readAppended(folder: string, from: number, into: OwnOutputs): number {
  let fd: number;
  try {
    fd = openSync(join(folder, OWN_OUTPUTS_FILE), 'r');
  } catch {
    return from;
  }
  try {
    const size = fstatSync(fd).size;
    if (size <= from) return from;
    const buffer = Buffer.alloc(size - from);
    const got = readSync(fd, buffer, 0, buffer.length, from);
    const end = buffer.lastIndexOf(0x0a, got - 1);
    if (end < 0) return from;
    parseLines(buffer.toString('utf8', 0, end + 1), into);
    return from + end + 1;
  } finally {
    closeSync(fd);
  }
}

/** Reads every list of `folder` from the start (the main one, and what a cut-short compaction left). */
function readAllSync(folder: string): ListReading | null {
  const identity = listIdentity(folder);
  const outputs: OwnOutputs = new Map();
  try {
    for (const name of readdirSync(folder)) {
      if (name.startsWith(COMPACTING_PREFIX)) {
        try {
          parseLines(readFileSync(join(folder, name), 'utf8'), outputs);
        } catch {
          // Gone meanwhile.
        }
      }
    }
  } catch {
    return null;
  }
  if (!identity) return { outputs, dev: -1, ino: -1, read: 0 };
  return { outputs, dev: identity.dev, ino: identity.ino, read: readAppended(folder, 0, outputs) };
}

/**
 * What `folder`'s lists say of the file `name` of `size` bytes, for a worker deciding about an output that exists.
 * Synchronous, like the rest of a worker's small file work (engine.ts), and incremental (see ListReading).
 */
export function ownOutputStatusSync(folder: string, name: string, size: number): OwnOutputStatus {
  const identity = listIdentity(folder);
  let reading = readings.get(folder);
  if (!reading || !identity || identity.dev !== reading.dev || identity.ino !== reading.ino || identity.size < reading.read) {
    reading = readAllSync(folder) ?? undefined;
    if (!reading) return { own: false };
    readings.delete(folder);
    if (readings.size >= MAX_READINGS) readings.delete(readings.keys().next().value as string);
    readings.set(folder, reading);
  } else if (identity.size > reading.read) {
    reading.read = readAppended(folder, reading.read, reading.outputs);
  }
  const sizes = reading.outputs.get(name);
  return sizes?.has(size) ? { own: true, source: sizes.get(size) ?? null } : { own: false };
}

/**
 * Shortens `folder`'s list to one line per name (its latest size) once it holds at least twice as many lines as names
 * (after runs with overwrite). The list is first renamed away, so writers appending meanwhile start a new one, and
 * the compacted lines are appended to whichever list is there; a scan meanwhile reads the renamed list too.
 */
export async function compactOwnOutputs(folder: string): Promise<void> {
  const path = join(folder, OWN_OUTPUTS_FILE);
  try {
    if ((await stat(path)).size < COMPACT_MIN_BYTES) return;
    const text = await readFile(path, 'utf8');
    const names: OwnOutputs = new Map();
    if (parseLines(text, names) < 2 * names.size) return;
    const aside = `${join(folder, COMPACTING_PREFIX)}${process.pid}-${Date.now()}`;
    await rename(path, aside);
    const latest: OwnOutputs = new Map();
    parseLines(await readFile(aside, 'utf8'), latest, true);
    let compacted = '';
    for (const [name, sizes] of latest) {
      for (const [size, source] of sizes) compacted += `${JSON.stringify(source ? { name, size, source } : { name, size })}\n`;
    }
    await appendFile(path, compacted);
    await rm(aside, { force: true });
  } catch {
    // Missing, or not ours to rewrite: a longer list costs a little reading, nothing else.
  }
}
