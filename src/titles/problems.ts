/**
 * What counts as a problem in a titles record, for every host the same: the app's counts, filters and "Retry failed",
 * and the services that run the retry. Browser-safe (types only).
 */
import type { TitleRecord } from './types.js';

/** A record's HTTP status class, or 'network' when no HTTP answer came (and 'invalid' for a line that is no URL). */
export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx' | 'network' | 'invalid';

export const statusClasses: readonly StatusClass[] = ['2xx', '3xx', '4xx', '5xx', 'network', 'invalid'];

export function statusClassOf(record: Pick<TitleRecord, 'status' | 'error'>): StatusClass {
  const { status } = record;
  if (status === null) return record.error?.code === 'INVALID_URL' ? 'invalid' : 'network';
  if (status < 300) return '2xx';
  if (status < 400) return '3xx';
  if (status < 500) return '4xx';
  return '5xx';
}

/** A record whose fetch failed (network error, not HTML, too large, invalid line…): it has an error. */
export function isFailedRecord(record: Pick<TitleRecord, 'error'>): boolean {
  return record.error !== null;
}

/** A record that has no error but an HTTP error status (4xx, 5xx): the page answered, with an error page. */
export function isHttpErrorRecord(record: Pick<TitleRecord, 'status' | 'error'>): boolean {
  return record.error === null && record.status !== null && record.status >= 400;
}

/**
 * Statuses that say "not now" rather than "no": the server was overloaded, down for a moment, or asked to slow down
 * (408 Request Timeout, 425 Too Early, 429 Too Many Requests, every 5xx). "Retry failed" fetches them again; a 404,
 * 410 or 403 answers the same way next time, so it is left alone.
 */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * Whether "Retry failed" fetches this record again: a failed fetch (except a line that is not a URL, which fails the
 * same way every time) or a transient HTTP status.
 */
export function isRetryableRecord(record: Pick<TitleRecord, 'status' | 'error'>): boolean {
  if (record.error !== null) return record.error.code !== 'INVALID_URL';
  return record.status !== null && isTransientStatus(record.status);
}
