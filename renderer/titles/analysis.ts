/**
 * The live count of valid, invalid and duplicate lines under the URL box. It uses the engine's own line parser
 * (src/titles/input.ts, browser-safe), so the count agrees with what a run will fetch, and it works through big
 * pastes in slices of a few thousand lines between frames, so 100,000 lines never freeze the window. (No React
 * here: Node tests import it; the hook is useInputAnalysis.ts.)
 */
import { entryKey, parseInputLine } from '../../src/titles/input.js';

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
  const seen = new Set<string>();
  const invalid: InvalidLine[] = [];
  let valid = 0;
  let duplicates = 0;
  let invalidCount = 0;
  let position = 0;
  let lineNumber = 0;

  const step = () => {
    if (signal.aborted) return;
    for (let n = 0; n < sliceLines && position <= text.length; n++) {
      let end = text.indexOf('\n', position);
      if (end === -1) end = text.length;
      const raw = text.slice(position, end);
      position = end + 1;
      lineNumber++;
      const parsed = parseInputLine(raw);
      if (parsed.kind === 'blank') continue;
      // The same rule as analyzeInput and the engine: a repeated URL or a repeated invalid line is a duplicate.
      const key = entryKey(parsed);
      if (seen.has(key)) duplicates++;
      else {
        seen.add(key);
        if (parsed.kind === 'url') valid++;
        else {
          invalidCount++;
          if (invalid.length < maxInvalidShown) invalid.push({ lineNumber, line: parsed.line, reason: parsed.reason });
        }
      }
    }
    if (position <= text.length) setTimeout(step, 0);
    else onDone({ valid, duplicates, invalidCount, invalid, pending: false });
  };
  step();
}
