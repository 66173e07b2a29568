/**
 * Path text helpers for display (the renderer has no node:path). As in src/thumbs/options.ts, a backslash separates
 * only in Windows-style paths: in a POSIX path it is part of a name (as in a name shown with escaped bytes, caf\xe9.jpg).
 */
import { isWindowsPath } from '../../src/thumbs/options.js';

function lastSeparator(path: string): number {
  return isWindowsPath(path) ? Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) : path.lastIndexOf('/');
}

export function baseName(path: string): string {
  const trimmed = path.replace(isWindowsPath(path) ? /[\\/]+$/ : /\/+$/, '');
  const cut = lastSeparator(trimmed);
  return cut >= 0 ? trimmed.slice(cut + 1) || trimmed : trimmed;
}

export function dirName(path: string): string {
  const cut = lastSeparator(path);
  if (cut < 0) return '';
  if (cut === 0) return path.slice(0, 1);
  // Keep a drive root ("C:\") whole.
  if (cut === 2 && /^[A-Za-z]:/.test(path)) return path.slice(0, 3);
  return path.slice(0, cut);
}

function segments(path: string): string[] {
  return path.split(/[\\/]/);
}

/** The deepest folder that holds both folders (null when they share nothing, e.g. different drives). */
export function commonFolder(a: string, b: string): string | null {
  if (a === b) return a;
  const left = segments(a);
  const right = segments(b);
  let shared = 0;
  while (shared < left.length && shared < right.length && left[shared] === right[shared]) shared++;
  if (shared === 0) return null;
  const separator = a.includes('\\') && !a.includes('/') ? '\\' : '/';
  const joined = left.slice(0, shared).join(separator);
  return joined === '' ? separator : joined;
}

/** A typed path with a leading "~" (alone, or before a separator) read from `home`, as a shell would; others as they are. */
export function expandHome(path: string, home: string | null): string {
  if (!home || !/^~(?:$|[\\/])/.test(path)) return path;
  const rest = path.slice(1).replace(/^[\\/]+/, '');
  if (rest === '') return home;
  const separator = isWindowsPath(home) ? '\\' : '/';
  return home.endsWith(separator) ? home + rest : home + separator + rest;
}
