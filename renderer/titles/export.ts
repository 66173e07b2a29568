/**
 * Export text for a run, built with the CLI's own serialisers (src/titles/format.ts) so the bytes are the same, but
 * in slices of a few milliseconds with the event loop free in between: 100,000 rows of CSV take a couple of seconds
 * of work, which must not be one frozen block.
 */
import { csvHeader, csvRow, jsonArrayEmptyEnd, jsonArrayEnd, jsonArrayItem, jsonArrayStart, jsonlLine } from '../../src/titles/format.js';
import type { TitleRecord } from '../../src/titles/types.js';

export type ExportKind = 'csv' | 'json' | 'jsonl';

const sliceMs = 12;

const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** The whole export as text (the same as toCsv / toJson / toJsonl of the same records). */
export async function buildExport(records: readonly TitleRecord[], kind: ExportKind): Promise<string> {
  // Each slice is joined into one string as it ends, so the final join copies a few hundred strings, not 100,000.
  const slices: string[] = [];
  let slice: string[] = [kind === 'csv' ? csvHeader() : kind === 'json' ? jsonArrayStart : ''];
  let sliceStart = performance.now();
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    slice.push(kind === 'csv' ? csvRow(record) : kind === 'json' ? jsonArrayItem(record, i === 0) : jsonlLine(record));
    if ((i & 127) === 127 && performance.now() - sliceStart > sliceMs) {
      slices.push(slice.join(''));
      slice = [];
      await nextTurn();
      sliceStart = performance.now();
    }
  }
  if (kind === 'json') slice.push(records.length === 0 ? jsonArrayEmptyEnd : jsonArrayEnd);
  slices.push(slice.join(''));
  return slices.join('');
}
