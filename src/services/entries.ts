/** A run's entries in the engine's index order: distinct non-blank lines (valid URLs and invalid lines alike). */
import { entryKey, parseInputLine } from '../titles/input.js';

/** Entry `i` is the trimmed line that record `i` of a run of `text` reports as its `url`. */
export function distinctEntries(text: string): string[] {
  const seen = new Set<string>();
  const entries: string[] = [];
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const parsed = parseInputLine(text.slice(start, end));
    start = end + 1;
    if (parsed.kind === 'blank') continue;
    const key = entryKey(parsed);
    if (seen.has(key)) continue;
    seen.add(key);
    entries.push(parsed.line);
  }
  return entries;
}
