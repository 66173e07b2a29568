/**
 * Browsing the folders of the machine the services run on, for a page that cannot see them (browser mode: a browser
 * never tells a page where a file lives, so the Thumbnails tab picks folders through this). One folder at a time:
 * its subfolders, each with the images directly in it and its own subfolders counted, so the user can tell where the
 * photos are. Only folders inside the home folder are listed, judged by their real paths (a symlink that leads out
 * is neither listed nor followed), and hidden entries are left out as the scan leaves them out.
 */
import type { Dir } from 'node:fs';
import { opendir, realpath, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { browseError, type FolderListing } from '../contract.js';
import { kindFromName } from './sniff.js';

/** At most this many subfolders are listed (in name order); `truncated` says when there were more. */
export const MAX_LISTED_FOLDERS = 1000;
/** Entries read to count one folder's images and subfolders; past it the counts say "at least". */
const MAX_ENTRIES_COUNTED = 5000;
/** Entries read to count all the subfolders of one listing; the subfolders past it are listed uncounted. */
const MAX_ENTRIES_PER_LISTING = 100_000;


/** Whether `path` is `home` or inside it (both real paths). */
function isInside(path: string, home: string): boolean {
  return path === home || path.startsWith(home.endsWith(sep) ? home : home + sep);
}

interface ErrnoLike {
  code?: string;
}

/** Images directly in a folder (by their names, as the scan's first look) and its subfolders, reading at most `budget` entries. */
async function countIn(folder: string, budget: number): Promise<{ images: number; folders: number; read: number; more: boolean }> {
  let dir: Dir;
  try {
    dir = await opendir(folder);
  } catch {
    return { images: 0, folders: 0, read: 0, more: false };
  }
  let images = 0;
  let folders = 0;
  let read = 0;
  let more = false;
  try {
    for await (const entry of dir) {
      if (read >= budget) {
        more = true;
        break;
      }
      read++;
      if (entry.name.startsWith('.')) continue;
      if (entry.isDirectory()) folders++;
      else if ((entry.isFile() || entry.isSymbolicLink()) && kindFromName(entry.name)) images++;
    }
  } catch {
    // Unreadable midway: what was counted stands.
  } finally {
    // Breaking out of the loop closed it already; closing twice throws.
    await dir.close().catch(() => undefined);
  }
  return { images, folders, read, more };
}

/**
 * The folder `path` (null: the home folder) with its subfolders, each counted. Refuses, with a browseError saying why,
 * a path that does not exist, is not a folder, cannot be read, or lies outside `home` once symlinks are resolved.
 */
export async function listFolder(path: string | null, options: { home: string }): Promise<FolderListing> {
  const home = await realpath(options.home);
  let real: string;
  try {
    real = await realpath(resolve(home, path ?? home));
  } catch (error) {
    const code = (error as ErrnoLike).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw browseError('NOT_FOUND', `${path} was not found`);
    if (code === 'EACCES' || code === 'EPERM') throw browseError('NOT_READABLE', `${path} cannot be read (permission denied)`);
    throw browseError('NOT_READABLE', `${path} cannot be opened: ${(error as Error).message}`);
  }
  if (!isInside(real, home)) throw browseError('OUTSIDE_HOME', `${path} is outside your home folder (${home}): only folders inside it can be browsed`);
  if (!(await stat(real)).isDirectory()) throw browseError('NOT_A_FOLDER', `${path} is not a folder`);

  let dir: Dir;
  try {
    dir = await opendir(real);
  } catch (error) {
    const code = (error as ErrnoLike).code;
    throw browseError('NOT_READABLE', code === 'EACCES' || code === 'EPERM' ? `${real} cannot be read (permission denied)` : `${real} cannot be read: ${(error as Error).message}`);
  }
  const candidates: string[] = [];
  let images = 0;
  try {
    for await (const entry of dir) {
      if (entry.name.startsWith('.')) continue;
      if (entry.isDirectory() || entry.isSymbolicLink()) candidates.push(entry.name);
      if ((entry.isFile() || entry.isSymbolicLink()) && kindFromName(entry.name)) images++;
    }
  } finally {
    await dir.close().catch(() => undefined);
  }
  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
  candidates.sort(collator.compare);

  const folders: FolderListing['folders'] = [];
  let truncated = false;
  let budget = MAX_ENTRIES_PER_LISTING;
  for (const name of candidates) {
    const child = join(real, name);
    let childReal: string;
    try {
      childReal = await realpath(child);
      if (!(await stat(childReal)).isDirectory()) continue;
    } catch {
      continue; // a broken link, or gone meanwhile
    }
    // A link to a folder elsewhere in the home folder is listed under its own name; one that leads out is not.
    if (!isInside(childReal, home)) continue;
    if (folders.length >= MAX_LISTED_FOLDERS) {
      truncated = true;
      break;
    }
    if (budget <= 0) {
      folders.push({ name, path: child, images: null, folders: null, more: false });
      continue;
    }
    const counted = await countIn(child, Math.min(MAX_ENTRIES_COUNTED, budget));
    budget -= counted.read;
    folders.push({ name, path: child, images: counted.images, folders: counted.folders, more: counted.more });
  }
  return { path: real, home, parent: real === home ? null : dirname(real), images, folders, truncated };
}
