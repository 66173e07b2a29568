/**
 * The live count of valid, invalid and duplicate lines under the URL box. It uses the engine's own line parser
 * (src/titles/input.ts, browser-safe), so the count agrees with what a run will fetch, and it works through big
 * pastes in slices of a few thousand lines between frames, so 100,000 lines never freeze the window. (No React
 * here: Node tests import it; the hook is useInputAnalysis.ts.)
 */
import { EntryIndexer } from '../../src/titles/input.js';

export interface InvalidLine {
  lineNumber: number;
  line: string;
  reason: string;
}

export interface InputAnalysis {
  valid: number;
  duplicates: number;
  invalidCount: number;
  /** The first invalid lines (capped, for display). */
  invalid: InvalidLine[];
  /** True while a newer text is still being analysed. */
  pending: boolean;
}

export const emptyAnalysis: InputAnalysis = { valid: 0, duplicates: 0, invalidCount: 0, invalid: [], pending: false };

const sliceLines = 5000;
const maxInvalidShown = 200;

/** Analyse `text` in slices; `onDone` gets the result unless `signal` aborted first. */
export function analyzeInChunks(text: string, signal: AbortSignal, onDone: (analysis: InputAnalysis) => void): void {
  const indexer = new EntryIndexer();
  const invalid: InvalidLine[] = [];
  let valid = 0;
  let invalidCount = 0;
  let position = 0;

  const step = () => {
    if (signal.aborted) return;
    for (let n = 0; n < sliceLines && position <= text.length; n++) {
      let end = text.indexOf('\n', position);
      if (end === -1) end = text.length;
      const item = indexer.next(text.slice(position, end));
      position = end + 1;
      // The engine's own rule (EntryIndexer): a repeated URL or a repeated invalid line is a duplicate.
      if (item.kind !== 'entry') continue;
      if (item.parsed.kind === 'url') valid++;
      else {
        invalidCount++;
        if (invalid.length < maxInvalidShown) invalid.push({ lineNumber: item.lineNumber, line: item.parsed.line, reason: item.parsed.reason });
      }
    }
    if (position <= text.length) setTimeout(step, 0);
    else onDone({ valid, duplicates: indexer.duplicates, invalidCount, invalid, pending: false });
  };
  step();
}
