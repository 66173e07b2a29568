/**
 * The rows of the run on screen, kept outside React: records by index in a mutable array, the counts of each filter,
 * and a sorted, filtered view of their indices maintained incrementally. A batch of new records is filtered, sorted
 * on its own and merged into the view in one linear pass, so a 100,000-row run costs O(rows) per update, never a
 * re-sort or a re-render of every row (the grid only renders what is in view).
 */
import { isFailedRecord, isHttpErrorRecord, isRetryableRecord } from '../../src/titles/problems.js';
import type { TitleRecord } from '../../src/titles/types.js';
import { filterDefinitions, filterIds, passesFilters, titleKey, type FilterId, type RowFacts } from './filters.js';
import { urlDisplay } from './url-display.js';

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

/**
 * Text the filter box matches: URL (as written, and as shown: "a b" finds ".../a%20b"), title and error (its code, the engine's message, and the message as shown when
 * `errorText` gives it), case-insensitively.
 */
export function matchesFilter(record: TitleRecord, query: string, errorText?: (record: TitleRecord) => string | null): boolean {
  if (!query) return true;
  if (record.url.toLowerCase().includes(query)) return true;
  if (record.url.includes('%') && urlDisplay(record.url).toLowerCase().includes(query)) return true;
  if (record.title !== null && record.title.toLowerCase().includes(query)) return true;
  if (record.error !== null) {
    if (record.error.code.toLowerCase().includes(query) || record.error.message.toLowerCase().includes(query)) return true;
    if (errorText?.(record)?.toLowerCase().includes(query)) return true;
  }
  return false;
}

export interface BatchChange {
  added: number[];
  replaced: number[];
  /** Rows outside the batch became, or stopped being, duplicate titles (a title's count crossed 1 and 2). */
  regrouped: boolean;
}

/** All records of one run, by index, with the counts the run bar and the filters show. */
export class RunRecords implements RowFacts {
  private readonly byIndex: (TitleRecord | undefined)[] = [];
  private readonly titles = new Map<string, number>();
  private readonly widths = new Map<number, number>();
  private readonly filterCounts = new Map<FilterId, number>(filterIds.map((id) => [id, 0]));
  size = 0;
  /** Rows whose fetch failed (they have an error). */
  failed = 0;
  /** Rows that answered with an HTTP error status (4xx, 5xx) and no other error. */
  httpErrors = 0;
  /** Rows "Retry failed" fetches again. */
  retryable = 0;

  /** `measure`: a title's width in pixels in the result-title font (filters.ts), when this page can measure text. */
  constructor(private readonly measure: ((title: string) => number) | null = null) {}

  get(index: number): TitleRecord | undefined {
    return this.byIndex[index];
  }

  titleCount = (record: TitleRecord): number => {
    const key = titleKey(record);
    return key === null ? 0 : (this.titles.get(key) ?? 0);
  };

  titleWidth = (record: TitleRecord): number => {
    if (!this.measure || titleKey(record) === null) return Number.NaN;
    let width = this.widths.get(record.index);
    if (width === undefined) {
      width = this.measure(record.title!.trim());
      this.widths.set(record.index, width);
    }
    return width;
  };

  /** How many rows a filter keeps (on its own, over every row of the run). */
  count(filter: FilterId): number {
    if (filter === 'duplicateTitle') {
      let rows = 0;
      for (const count of this.titles.values()) if (count > 1) rows += count;
      return rows;
    }
    return this.filterCounts.get(filter) ?? 0;
  }

  /** Add (+1) or take away (-1) a record's part in the counts; true when a title's count crossed 1 and 2. */
  private tally(record: TitleRecord, sign: 1 | -1): boolean {
    if (isFailedRecord(record)) this.failed += sign;
    if (isHttpErrorRecord(record)) this.httpErrors += sign;
    if (isRetryableRecord(record)) this.retryable += sign;
    let crossed = false;
    const key = titleKey(record);
    if (key !== null) {
      const before = this.titles.get(key) ?? 0;
      const after = before + sign;
      if (after === 0) this.titles.delete(key);
      else this.titles.set(key, after);
      crossed = (before > 1) !== (after > 1);
    }
    for (const filter of filterDefinitions) {
      // Duplicates depend on the other rows: counted from the titles when asked.
      if (filter.id !== 'duplicateTitle' && filter.test(record, this)) this.filterCounts.set(filter.id, this.filterCounts.get(filter.id)! + sign);
    }
    if (sign === -1) this.widths.delete(record.index);
    return crossed;
  }

  /** Store records (a later record for the same index replaces the earlier one, as after "Retry failed"). */
  put(records: readonly TitleRecord[]): BatchChange {
    const added: number[] = [];
    const replaced: number[] = [];
    let regrouped = false;
    for (const record of records) {
      const previous = this.byIndex[record.index];
      if (previous === undefined) {
        this.size++;
        added.push(record.index);
      } else {
        regrouped = this.tally(previous, -1) || regrouped;
        replaced.push(record.index);
      }
      this.byIndex[record.index] = record;
      regrouped = this.tally(record, 1) || regrouped;
    }
    return { added, replaced, regrouped };
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

/** The indices of the records that pass the filters, in sort order. */
export class RecordView {
  order: number[] = [];
  private keys = new Map<number, SortKey>();
  private positions: Int32Array | null = null;
  sort: ViewSort | null = null;
  query = '';
  filters: ReadonlySet<FilterId> = new Set();
  /** A record's error as shown (in the user's language), for the filter box. */
  private errorText: ((record: TitleRecord) => string | null) | undefined;

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
    return record !== undefined && passesFilters(record, this.filters, this.records) && matchesFilter(record, this.query, this.errorText);
  }

  /** Whether a filter or a text query narrows the view. */
  get narrowed(): boolean {
    return this.filters.size > 0 || this.query !== '';
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

  setErrorText(errorText: (record: TitleRecord) => string | null): void {
    if (errorText === this.errorText) return;
    this.errorText = errorText;
    if (this.query) this.rebuild();
  }

  setFilters(filters: ReadonlySet<FilterId>): void {
    if (filters.size === this.filters.size && [...filters].every((filter) => this.filters.has(filter))) return;
    this.filters = new Set(filters);
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
    if (change.regrouped && this.filters.has('duplicateTitle')) {
      // Rows outside the batch gained or lost a duplicate: one pass over all of them.
      this.rebuild();
      return;
    }
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

  /** The records in view, in view order. */
  *inViewOrder(): Generator<TitleRecord> {
    for (const index of this.order) yield this.records.get(index)!;
  }

  recordAt(position: number): TitleRecord {
    const record = this.records.get(this.order[position]!);
    if (!record) throw new Error(`No record at view position ${position}`);
    return record;
  }
}

/**
 * Tab-separated rows for a spreadsheet: a header, then one line per record; tabs and line breaks become spaces. An
 * error is its code and its message (as `errorText` shows it, or as the engine wrote it).
 */
export function toTsv(records: Iterable<TitleRecord>, header: readonly string[], errorText?: (record: TitleRecord) => string | null): string {
  const clean = (value: string | number | null) => {
    if (value === null) return '';
    const text = String(value).replace(/[\t\r\n]+/g, ' ');
    // A cell starting with = + - @ would run as a formula once pasted into a spreadsheet.
    return /^[=+\-@]/.test(text) ? `'${text}` : text;
  };
  const lines = [header.join('\t')];
  for (const record of records) {
    const error = record.error ? `${record.error.code}: ${errorText?.(record) ?? record.error.message}` : null;
    lines.push([record.url, record.status, record.title, record.finalUrl, Math.round(record.durationMs), error].map(clean).join('\t'));
  }
  return `${lines.join('\n')}\n`;
}
