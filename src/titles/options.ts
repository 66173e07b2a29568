/**
 * A titles run's options and the records that need no request: what a producer on a Redis queue and a worker share
 * with the local engine without loading the HTTP client or the page parsers (a producer pays every module it loads at
 * the start of its run; issue 9's figures).
 */
import { defaultTitlesOptions } from './defaults.js';
import { proxySettingProblem } from './list-settings.js';
import { rateWindow } from './rate.js';
import type { RecordError, TitleErrorCode, TitleRecord, TitlesOptions } from './types.js';

function checkOptions(options: TitlesOptions): void {
  const positive = ['concurrency', 'perHost', 'timeoutMs', 'maxBodyBytes', 'renderers', 'renderTimeoutMs'] as const;
  for (const key of positive) {
    if (!Number.isFinite(options[key]) || options[key] < 1) throw new RangeError(`titles option ${key} must be at least 1 (got ${options[key]})`);
  }
  const nonNegative = ['retries', 'maxRedirects', 'retryBaseMs', 'maxRetryDelayMs'] as const;
  for (const key of nonNegative) {
    if (!Number.isFinite(options[key]) || options[key] < 0) throw new RangeError(`titles option ${key} must be 0 or more (got ${options[key]})`);
  }
  if (!['auto', 'never', 'always'].includes(options.render)) throw new RangeError(`titles option render must be auto, never or always (got ${String(options.render)})`);
  if (options.rate !== null) rateWindow(options.rate);
  if (options.robots !== 'respect' && options.robots !== 'ignore') throw new RangeError(`titles option robots must be respect or ignore (got ${String(options.robots)})`);
  const proxyProblem = proxySettingProblem(options.proxy);
  if (proxyProblem !== null) throw new RangeError(`titles option proxy: ${proxyProblem}`);
}

/** A record with every page field empty: the start of every record, and the whole of one that made no request. */
export function emptyRecord(entry: { index: number; line: string }, error: RecordError<TitleErrorCode> | null): TitleRecord {
  return {
    index: entry.index,
    url: entry.line,
    finalUrl: null,
    status: null,
    title: null,
    ogTitle: null,
    description: null,
    canonical: null,
    lang: null,
    contentType: null,
    encoding: null,
    encodingSource: null,
    redirects: [],
    bytes: 0,
    durationMs: 0,
    attempts: 0,
    error,
    staticTitle: null,
    rendered: false,
    renderMs: null,
    warning: null,
  };
}

/** The run's options: defaults under the given ones, checked (RangeError for a bad value). */
export function resolveTitlesOptions(partial?: Partial<TitlesOptions>): TitlesOptions {
  const options: TitlesOptions = { ...defaultTitlesOptions, ...partial, headers: { ...defaultTitlesOptions.headers, ...partial?.headers } };
  checkOptions(options);
  return options;
}

/** The record of an entry that is not an http(s) URL: nothing is requested. */
export function invalidEntryRecord(index: number, line: string, reason: string): TitleRecord {
  return emptyRecord({ index, line }, { code: 'INVALID_URL', message: reason });
}
