/** A run's entries in the engine's index order: distinct non-blank lines (valid URLs and invalid lines alike). */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { EntryIndexer, linesOf } from '../titles/input.js';

export { linesOf } from '../titles/input.js';

/** Lines parsed between two yields to the event loop (a few milliseconds of work). */
const LINES_PER_SLICE = 2000;

/**
 * Entry `i` is the trimmed line that record `i` of a run of `text` reports as its `url`. Parsing 100,000 lines takes
 * a few hundred milliseconds, so it is done in slices that let the event loop breathe in between.
 */
export async function distinctEntries(text: string): Promise<string[]> {
  const indexer = new EntryIndexer();
  const entries: string[] = [];
  for (const line of linesOf(text)) {
    const item = indexer.next(line);
    if (indexer.lines % LINES_PER_SLICE === 0) await nextTurn();
    if (item.kind === 'entry') entries[item.index] = item.parsed.line;
  }
  return entries;
}
