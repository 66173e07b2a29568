/** A run's entries in the engine's index order: distinct non-blank lines (valid URLs and invalid lines alike). */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { entryKey, parseInputLine } from '../titles/input.js';

/** Lines parsed between two yields to the event loop (a few milliseconds of work). */
const LINES_PER_SLICE = 2000;

/**
 * Entry `i` is the trimmed line that record `i` of a run of `text` reports as its `url`. Parsing 100,000 lines takes
 * a few hundred milliseconds, so it is done in slices that let the event loop breathe in between.
 */
export async function distinctEntries(text: string): Promise<string[]> {
  const seen = new Set<string>();
  const entries: string[] = [];
  let start = 0;
  let sliceLines = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const parsed = parseInputLine(text.slice(start, end));
    start = end + 1;
    if (++sliceLines === LINES_PER_SLICE) {
      sliceLines = 0;
      await nextTurn();
    }
    if (parsed.kind === 'blank') continue;
    const key = entryKey(parsed);
    if (seen.has(key)) continue;
    seen.add(key);
    entries.push(parsed.line);
  }
  return entries;
}

/** Lines of a text, one at a time, without an array of all of them (a run's input, given to an engine lazily). */
export function* linesOf(text: string): Generator<string> {
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    yield text.slice(start, end);
    start = end + 1;
  }
}
