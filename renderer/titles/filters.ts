/**
 * The results' filters beyond the text box, in one list: by HTTP status class, and by what is wrong with the title as
 * search-engine tools judge it (missing, used by more than one page, too long in characters or in pixels). No React
 * here: Node tests import it.
 */
import { statusClassOf, statusClasses, type StatusClass } from '../../src/titles/problems.js';
import type { TitleRecord } from '../../src/titles/types.js';

export type TitleCheck = 'missingTitle' | 'duplicateTitle' | 'longTitle' | 'wideTitle';
export type FilterId = StatusClass | TitleCheck;

/** Titles longer than this many characters get cut in search results (the common SEO tools' rule). */
export const TITLE_MAX_CHARS = 60;
/**
 * Titles wider than this get cut in Google's desktop results, measured as SEO tools measure them: the width of the
 * text in Google's result-title font.
 */
export const TITLE_MAX_PX = 580;
/**
 * Google's desktop result titles are 20 px Arial (its own "Google Sans"-like face is not on most machines; Arial and
 * its metric twins, Liberation Sans on Linux, give the same widths SEO tools report).
 */
export const TITLE_FONT = '20px Arial, "Liberation Sans", Helvetica, sans-serif';

/** What a filter needs to know about a row besides the record: computed by the records store. */
export interface RowFacts {
  /** How many rows of the run have this record's title (0 when it has none). */
  titleCount: (record: TitleRecord) => number;
  /** The title's width in pixels in TITLE_FONT, NaN when unknown (no way to measure here). */
  titleWidth: (record: TitleRecord) => number;
}

/** The title as compared for duplicates, or null when missing (none, or only white space). */
export function titleKey(record: TitleRecord): string | null {
  const title = record.title?.trim() ?? '';
  return title === '' ? null : title;
}

/** Characters as a reader counts them (code points, not UTF-16 units). */
export function titleLength(title: string): number {
  let length = 0;
  for (const _ of title) length++;
  return length;
}

export interface FilterDefinition {
  id: FilterId;
  /** Filters of one group add up (any of them); the groups narrow each other (all of them). */
  group: 'status' | 'title';
  test: (record: TitleRecord, facts: RowFacts) => boolean;
}

const titleChecks: readonly FilterDefinition[] = [
  // A page that answered (HTML, any status) without a title; a failed fetch has no page to judge.
  { id: 'missingTitle', group: 'title', test: (record) => titleKey(record) === null && record.status !== null && record.error === null },
  { id: 'duplicateTitle', group: 'title', test: (record, facts) => facts.titleCount(record) > 1 },
  { id: 'longTitle', group: 'title', test: (record) => titleKey(record) !== null && titleLength(titleKey(record)!) > TITLE_MAX_CHARS },
  { id: 'wideTitle', group: 'title', test: (record, facts) => facts.titleWidth(record) > TITLE_MAX_PX },
];

export const filterDefinitions: readonly FilterDefinition[] = [
  ...statusClasses.map((id): FilterDefinition => ({ id, group: 'status', test: (record) => statusClassOf(record) === id })),
  ...titleChecks,
];

export const filterIds: readonly FilterId[] = filterDefinitions.map((filter) => filter.id);

const byId = new Map(filterDefinitions.map((filter) => [filter.id, filter]));

export function filterDefinition(id: FilterId): FilterDefinition {
  return byId.get(id)!;
}

/** Whether a record passes the chosen filters: any of each group's chosen ones, every group with a choice. */
export function passesFilters(record: TitleRecord, chosen: ReadonlySet<FilterId>, facts: RowFacts): boolean {
  if (chosen.size === 0) return true;
  let statusChosen = false;
  let statusPass = false;
  let titleChosen = false;
  let titlePass = false;
  for (const id of chosen) {
    const filter = byId.get(id);
    if (!filter) continue;
    if (filter.group === 'status') {
      statusChosen = true;
      statusPass ||= filter.test(record, facts);
    } else {
      titleChosen = true;
      titlePass ||= filter.test(record, facts);
    }
  }
  return (!statusChosen || statusPass) && (!titleChosen || titlePass);
}
