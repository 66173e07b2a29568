/** Path text helpers for display, for both / and \ separators (the renderer has no node:path). */

export function baseName(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  const cut = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  return cut >= 0 ? trimmed.slice(cut + 1) || trimmed : trimmed;
}

export function dirName(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
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
