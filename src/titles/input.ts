/**
 * Input lines -> URLs to fetch. Browser-safe (no node: imports): the renderer uses it for its live count, the engine
 * for the real run, so both agree on what is valid, invalid and duplicate.
 */

export type ParsedLine =
  | { kind: 'url'; line: string; url: string; host: string } // url = normalized absolute http(s) URL, without fragment; host = host[:port]
  | { kind: 'invalid'; line: string; reason: string }
  | { kind: 'blank' };

// A scheme as RFC 3986 spells it, followed by a colon.
const schemePattern = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;
// `host:port` with nothing or a path after it: not a scheme, even though `example.com:` looks like one.
const hostPortPattern = /^[^\s/?#:@]+:\d{1,5}(?:[/?#]|$)/;
// What a bare host looks like: labels of letters (any script), digits and hyphens with at least one dot, `localhost`,
// an IPv4 address or a bracketed IPv6 address, with an optional port and no user info.
const bareHostPattern = /^(?:(?:[\p{L}\p{N}_](?:[\p{L}\p{N}_-]*[\p{L}\p{N}_])?\.)+[\p{L}\p{N}_-]*[\p{L}\p{N}]\.?|localhost|\[[0-9a-fA-F:.]+\])(?::\d{1,5})?$/iu;

/** Parse one input line: a URL to fetch, an invalid entry (with a reason a person can act on), or a blank line. */
export function parseInputLine(rawLine: string): ParsedLine {
  const line = rawLine.trim();
  if (line === '') return { kind: 'blank' };
  const invalid = (reason: string): ParsedLine => ({ kind: 'invalid', line, reason });

  let candidate: string;
  const scheme = schemePattern.exec(line)?.[1]?.toLowerCase();
  if (line.startsWith('//')) {
    candidate = `https:${line}`;
  } else if (scheme !== undefined && !hostPortPattern.test(line)) {
    if (scheme !== 'http' && scheme !== 'https') {
      // "Note: ..." is prose, not a URL with a "note:" scheme.
      if (/^[^:]+:\s/.test(line)) return invalid('not a URL (free text)');
      return invalid(`unsupported scheme "${scheme}:" (only http and https are fetched)`);
    }
    candidate = line;
  } else {
    // No scheme: it must look like a host (optionally with a port and a path); then it means https.
    const hostPart = line.split(/[/?#]/, 1)[0] ?? '';
    if (/\s/.test(hostPart)) return invalid('not a URL (free text)');
    if (!bareHostPattern.test(hostPart)) return invalid(hostPart.includes('@') ? 'not a URL (user info without a scheme)' : 'not a URL (no scheme, and it does not look like a host name)');
    candidate = `https://${line}`;
  }

  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return invalid(/^https?:\/*$/i.test(candidate) ? 'no host after the scheme' : 'malformed URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return invalid(`unsupported scheme "${url.protocol}"`);
  if (url.hostname === '') return invalid('no host after the scheme');
  url.hash = '';
  return { kind: 'url', line, url: url.href, host: url.host };
}

/** The key two lines share when they mean the same entry: the normalized URL, or the line itself when it is invalid. */
export function entryKey(parsed: Exclude<ParsedLine, { kind: 'blank' }>): string {
  return parsed.kind === 'url' ? parsed.url : `\u0000invalid\u0000${parsed.line}`;
}

/** A distinct line: valid or invalid, either way one record (a duplicate of it gets none). */
export type EntryLine = Exclude<ParsedLine, { kind: 'blank' }>;

/** What one input line is to a run, as `EntryIndexer.next` tells it. */
export type IndexedLine =
  /** The first time this entry is seen: record `index` of the run (0-based, in input order). */
  | { kind: 'entry'; lineNumber: number; index: number; parsed: EntryLine }
  /** The same normalized URL, or the same invalid line, as an earlier entry: no record. */
  | { kind: 'duplicate'; lineNumber: number; parsed: EntryLine }
  | { kind: 'blank'; lineNumber: number };

/** The keys an EntryIndexer has seen: `add` returns false when the key was already there. */
export interface EntryKeySet {
  add(key: string): boolean;
}

function setOfKeys(): EntryKeySet {
  const keys = new Set<string>();
  return { add: (key) => keys.size !== keys.add(key).size };
}

/**
 * Dedupe and index: the one rule that turns input lines into a run's entries. Everything that counts entries or
 * maps a record's index back to its line (the engine, the scale-out producer, the UI's live count, a resume's skip
 * list and the CLI's entry fingerprint) feeds its lines through one of these, so they cannot disagree. Push-based (one
 * line at a time) so that sync loops, async iterators and loops sliced between event-loop turns can all use it.
 */
export class EntryIndexer {
  readonly #seen: EntryKeySet;
  #lineNumber = 0;
  #entries = 0;
  #duplicates = 0;

  /** `seen`: where entry keys are kept (default a Set; the scale-out producer keeps 64-bit fingerprints instead). */
  constructor(seen?: EntryKeySet) {
    this.#seen = seen ?? setOfKeys();
  }

  /** Distinct entries so far (the next entry's index). */
  get entries(): number {
    return this.#entries;
  }

  /** Non-blank lines so far that repeated an earlier entry. */
  get duplicates(): number {
    return this.#duplicates;
  }

  /** Lines taken so far (the last one's 1-based line number). */
  get lines(): number {
    return this.#lineNumber;
  }

  /** Take the next raw input line (untrimmed, without its line break). */
  next(rawLine: string): IndexedLine {
    const lineNumber = ++this.#lineNumber;
    const parsed = parseInputLine(rawLine);
    if (parsed.kind === 'blank') return { kind: 'blank', lineNumber };
    if (!this.#seen.add(entryKey(parsed))) {
      this.#duplicates += 1;
      return { kind: 'duplicate', lineNumber, parsed };
    }
    return { kind: 'entry', lineNumber, index: this.#entries++, parsed };
  }
}

/** Lines of a text split at "\n" (a "\r" before it is trimmed away with the line), one at a time, without an array. */
export function* linesOf(text: string): Generator<string> {
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    yield text.slice(start, end);
    start = end + 1;
  }
}

/** Every line of `lines` through one EntryIndexer. */
export function* indexLines(lines: Iterable<string>): Generator<IndexedLine> {
  const indexer = new EntryIndexer();
  for (const line of lines) yield indexer.next(line);
}

export interface InputAnalysis {
  /** Distinct valid URLs (each gets fetched once and gets one record). */
  valid: number;
  /** Non-blank lines repeating an earlier entry (same normalized URL, or the same invalid line); they get no record. */
  duplicates: number;
  /** Distinct invalid lines, each at its first line number (1-based); each gets one record with INVALID_URL. */
  invalid: { lineNumber: number; line: string; reason: string }[];
}

/**
 * Live count for the UI. `valid + invalid.length` is the number of records a run of this text produces, and the
 * engine's `total`; entries are counted by the engine's own EntryIndexer.
 */
export function analyzeInput(text: string): InputAnalysis {
  const result: InputAnalysis = { valid: 0, duplicates: 0, invalid: [] };
  for (const item of indexLines(linesOf(text))) {
    if (item.kind === 'duplicate') result.duplicates += 1;
    else if (item.kind === 'entry' && item.parsed.kind === 'url') result.valid += 1;
    else if (item.kind === 'entry' && item.parsed.kind === 'invalid') result.invalid.push({ lineNumber: item.lineNumber, line: item.parsed.line, reason: item.parsed.reason });
  }
  return result;
}
