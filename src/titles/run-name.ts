/**
 * The name a titles run gets in History, and the rule for a name the user gives it. Browser-safe: the app names a
 * run as it starts it, the services when the app gave none, and both check a rename the same way.
 */
import { parseInputLine } from './input.js';

export const RUN_NAME_MAX = 200;

const grouping = new Intl.NumberFormat('en-US');

/**
 * "example.com (20,000)": the first URL's host and how many URLs the run has, so runs of one site with different
 * lists can be told apart ("127.0.0.1 (20,000)" and "127.0.0.1 (2)"). Digits are grouped with commas, which both
 * English and Chinese readers use; one URL is just its host.
 */
export function runName(firstHost: string, urlCount: number): string {
  const name = urlCount > 1 ? `${firstHost} (${grouping.format(urlCount)})` : firstHost;
  return name.length > RUN_NAME_MAX ? `${name.slice(0, RUN_NAME_MAX - 1)}…` : name;
}

/** The host of the first URL of an input (without "www."), reading no further than it must; null when there is none. */
export function firstHostOf(text: string, maxLines = 5000): string | null {
  let position = 0;
  for (let scanned = 0; position < text.length && scanned < maxLines; scanned++) {
    let end = text.indexOf('\n', position);
    if (end === -1) end = text.length;
    const parsed = parseInputLine(text.slice(position, end));
    position = end + 1;
    if (parsed.kind === 'url') return new URL(parsed.url).hostname.replace(/^www\./, '');
  }
  return null;
}

/** What is wrong with a name the user gives a run, or null (it is used trimmed). */
export function runNameProblem(name: string): 'empty' | 'tooLong' | 'control' | null {
  const trimmed = name.trim();
  if (trimmed === '') return 'empty';
  if (trimmed.length > RUN_NAME_MAX) return 'tooLong';
  // Line breaks and other control characters (C0, DEL, C1), and the bidi controls that could reorder a shown name.
  if (/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(trimmed)) return 'control';
  return null;
}
