/**
 * The rows of the run on screen, kept outside React: records by index in a mutable array, and a sorted, filtered
 * view of their indices maintained incrementally. A batch of new records is filtered, sorted on its own and merged
 * into the view in one linear pass, so a 100,000-row run costs O(rows) per update, never a re-sort or a re-render
 * of every row (the grid only renders what is in view).
 */
import type { TitleRecord } from '../../src/titles/types.js';

export type ColumnId = 'index' | 'url' | 'status' | 'title' | 'finalUrl' | 'time' | 'error';
export type Direction = 'ascending' | 'descending';
export interface ViewSort {
  column: ColumnId;
  direction: Direction;
}

/** A sort key: numbers for numeric columns, lower-cased text for text columns; null sorts last. */
type SortKey = number | string | null;

function sortKeyOf(record: TitleRecord, column: ColumnId): SortKey {
  switch (column) {
    case 'index':
      return record.index;
    case 'url':
      return record.url.toLowerCase();
    case 'status':
      return record.status;
    case 'title':
      return record.title === null ? null : record.title.toLowerCase();
    case 'finalUrl':
      return record.finalUrl === null ? null : record.finalUrl.toLowerCase();
    case 'time':
      return record.durationMs;
    case 'error':
      return record.error === null ? null : `${record.error.code} ${record.error.message}`.toLowerCase();
  }
}

export function isFailed(record: TitleRecord): boolean {
  return record.error !== null;
}

/** Text the filter box matches: URL, title and error (code and message), case-insensitively. */
export function matchesFilter(record: TitleRecord, query: string): boolean {
  if (!query) return true;
  if (record.url.toLowerCase().includes(query)) return true;
  if (record.title !== null && record.title.toLowerCase().includes(query)) return true;
  if (record.error !== null && (record.error.code.toLowerCase().includes(query) || record.error.message.toLowerCase().includes(query))) return true;
  return false;
}

export interface BatchChange {
  added: number[];
  replaced: number[];
}

/** All records of one run, by index. */
export class RunRecords {
  private readonly byIndex: (TitleRecord | undefined)[] = [];
  size = 0;
  failed = 0;

  get(index: number): TitleRecord | undefined {
    return this.byIndex[index];
  }

  /** Store records (a later record for the same index replaces the earlier one, as after "Retry failed"). */
  put(records: readonly TitleRecord[]): BatchChange {
    const added: number[] = [];
    const replaced: number[] = [];
    for (const record of records) {
      const previous = this.byIndex[record.index];
      if (previous === undefined) {
        this.size++;
        added.push(record.index);
      } else {
        if (isFailed(previous)) this.failed--;
        replaced.push(record.index);
      }
      if (isFailed(record)) this.failed++;
      this.byIndex[record.index] = record;
    }
    return { added, replaced };
  }

  /** Records in index (input) order. */
  *inOrder(): Generator<TitleRecord> {
    for (const record of this.byIndex) if (record !== undefined) yield record;
  }

  indices(): number[] {
    const out: number[] = [];
    this.byIndex.forEach((record, index) => {
      if (record !== undefined) out.push(index);
    });
    return out;
  }
}

/** The indices of the records that pass the filter, in sort order. */
export class RecordView {
  order: number[] = [];
  private keys = new Map<number, SortKey>();
  private positions: Int32Array | null = null;
  sort: ViewSort | null = null;
  query = '';

  constructor(readonly records: RunRecords) {}

  private keyOf(index: number): SortKey {
    let key = this.keys.get(index);
    if (key === undefined) {
      const record = this.records.get(index);
      key = record ? sortKeyOf(record, this.sort?.column ?? 'index') : null;
      this.keys.set(index, key);
    }
    return key;
  }

  private compare = (a: number, b: number): number => {
    const ka = this.keyOf(a);
    const kb = this.keyOf(b);
    let result = 0;
    if (ka === null || kb === null) {
      // Empty cells go last whichever the direction.
      if (ka !== kb) return ka === null ? 1 : -1;
    } else if (ka < kb) result = -1;
    else if (ka > kb) result = 1;
    if (result === 0) return a - b;
    return this.sort?.direction === 'descending' ? -result : result;
  };

  private passes(index: number): boolean {
    const record = this.records.get(index);
    return record !== undefined && matchesFilter(record, this.query);
  }

  /** Recompute from scratch (after a sort or filter change). */
  rebuild(): void {
    this.keys.clear();
    this.positions = null;
    this.order = this.records.indices().filter((index) => this.passes(index));
    if (this.sort && this.sort.column !== 'index') this.order.sort(this.compare);
    else if (this.sort?.direction === 'descending') this.order.reverse();
  }

  setSort(sort: ViewSort | null): void {
    this.sort = sort;
    this.rebuild();
  }

  setQuery(query: string): void {
    const normalized = query.trim().toLowerCase();
    if (normalized === this.query) return;
    this.query = normalized;
    this.rebuild();
  }

  /** Fold a batch into the view: drop replaced rows, then merge the new and replaced rows that pass the filter. */
  apply(change: BatchChange): void {
    if (change.added.length === 0 && change.replaced.length === 0) return;
    this.positions = null;
    let base = this.order;
    if (change.replaced.length > 0) {
      const replaced = new Set(change.replaced);
      base = base.filter((index) => !replaced.has(index));
      for (const index of change.replaced) this.keys.delete(index);
    }
    const incoming = [...change.added, ...change.replaced].filter((index) => this.passes(index)).sort(this.compare);
    const merged = new Array<number>(base.length + incoming.length);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < base.length && j < incoming.length) {
      merged[k++] = this.compare(base[i]!, incoming[j]!) <= 0 ? base[i++]! : incoming[j++]!;
    }
    while (i < base.length) merged[k++] = base[i++]!;
    while (j < incoming.length) merged[k++] = incoming[j++]!;
    this.order = merged;
  }

  /** Position of a record in the view, or -1 when filtered out or unknown. */
  positionOf(recordIndex: number): number {
    if (!this.positions) {
      let max = -1;
      for (const index of this.order) if (index > max) max = index;
      const positions = new Int32Array(max + 1).fill(-1);
      this.order.forEach((index, position) => {
        positions[index] = position;
      });
      this.positions = positions;
    }
    return recordIndex < this.positions.length ? this.positions[recordIndex]! : -1;
  }

  recordAt(position: number): TitleRecord {
    const record = this.records.get(this.order[position]!);
    if (!record) throw new Error(`No record at view position ${position}`);
    return record;
  }
}

/** Tab-separated rows for a spreadsheet: a header, then one line per record; tabs and line breaks become spaces. */
export function toTsv(records: Iterable<TitleRecord>, header: readonly string[]): string {
  const clean = (value: string | number | null) => {
    if (value === null) return '';
    const text = String(value).replace(/[\t\r\n]+/g, ' ');
    // A cell starting with = + - @ would run as a formula once pasted into a spreadsheet.
    return /^[=+\-@]/.test(text) ? `'${text}` : text;
  };
  const lines = [header.join('\t')];
  for (const record of records) {
    const error = record.error ? `${record.error.code}: ${record.error.message}` : null;
    lines.push([record.url, record.status, record.title, record.finalUrl, Math.round(record.durationMs), error].map(clean).join('\t'));
  }
  return `${lines.join('\n')}\n`;
}
