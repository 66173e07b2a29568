/**
 * How Titlewave recognises the thumbnails it wrote, so that it never takes one as a source (a run whose output folder
 * is inside, or is, one of its input folders would otherwise thumbnail its own thumbnails, run after run).
 *
 * Every folder Titlewave writes thumbnails into gets a hidden list, `.titlewave-thumbnails`: one JSON line per file
 * written, `{"name":"a_32.png","size":1834}`, appended by the worker just before the file is moved into place (so a
 * crash cannot leave a thumbnail that is not listed). A file is one of ours when its folder's list has its name with
 * its exact size in bytes: a file the user put in its place (a different size) is theirs again, and a thumbnail copied
 * elsewhere is the user's copy. Nothing is written into the images themselves: a marker in the pixels or the metadata
 * would change every format's bytes (and "strip metadata" would no longer mean it), and reading it back would mean
 * opening every file of every folder scanned; the list costs one small read per folder that has one.
 *
 * Rewriting an output (overwrite) appends its name again; the list is compacted (one line per name, the latest) when
 * it has grown to twice its distinct names. Lines are appended with one write each (O_APPEND), so processes writing
 * into one folder at once do not tear each other's lines; a torn line (a crash mid-write) is ignored.
 */
import { appendFileSync } from 'node:fs';
import { appendFile, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The list's name in each output folder (hidden: scans leave it out like any hidden file). */
export const OWN_OUTPUTS_FILE = '.titlewave-thumbnails';
/** A list being compacted is renamed to this prefix plus a unique tail; a scan reads such leftovers too. */
const COMPACTING_PREFIX = `${OWN_OUTPUTS_FILE}.compacting-`;
/** Lists smaller than this are never worth compacting. */
const COMPACT_MIN_BYTES = 256 * 1024;

/** Names of a folder's own thumbnails, each with the sizes in bytes it was written with. */
export type OwnOutputs = Map<string, Set<number>>;

/** Whether a folder entry is one of the lists (the current one, or one left by a compaction that was cut short). */
export function isOwnOutputsList(name: string): boolean {
  return name === OWN_OUTPUTS_FILE || name.startsWith(COMPACTING_PREFIX);
}

/** Records, in its folder's list, that Titlewave writes `path` with `size` bytes. Throws when it cannot. */
export function noteOwnOutput(path: string, size: number): void {
  appendFileSync(join(dirname(path), OWN_OUTPUTS_FILE), `${JSON.stringify({ name: basename(path), size })}\n`);
}

/** Adds the entries of a list's text to `into` (with `latestOnly`, each name keeps only its last size); returns its lines. */
function parseLines(text: string, into: OwnOutputs, latestOnly = false): number {
  let lines = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    lines++;
    try {
      const entry = JSON.parse(line) as { name?: unknown; size?: unknown };
      if (typeof entry.name !== 'string' || !Number.isSafeInteger(entry.size)) continue;
      const size = entry.size as number;
      const sizes = latestOnly ? undefined : into.get(entry.name);
      if (sizes) sizes.add(size);
      else into.set(entry.name, new Set([size]));
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
    const names = new Map<string, Set<number>>();
    if (parseLines(text, names) < 2 * names.size) return;
    const aside = `${join(folder, COMPACTING_PREFIX)}${process.pid}-${Date.now()}`;
    await rename(path, aside);
    const latest: OwnOutputs = new Map();
    parseLines(await readFile(aside, 'utf8'), latest, true);
    let compacted = '';
    for (const [name, sizes] of latest) for (const size of sizes) compacted += `${JSON.stringify({ name, size })}\n`;
    await appendFile(path, compacted);
    await rm(aside, { force: true });
  } catch {
    // Missing, or not ours to rewrite: a longer list costs a little reading, nothing else.
  }
}
