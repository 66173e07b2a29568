/**
 * Every error code a user can see (titles, primes, thumbnails) is said from the i18n tables in both languages, with
 * no English left in the Chinese text; and every sentence the titles engine writes (each `failure(...)` and each
 * reason an input line is refused, found in src/titles by reading the source) is recognised by
 * renderer/titles/error-text.ts, so none reaches a Chinese window in English.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PrimesErrorCode } from '../../src/primes/types.js';
import type { ThumbsErrorCode } from '../../src/thumbs/types.js';
import { titleErrorCodes, titleWarningCodes, type TitleErrorCode } from '../../src/titles/types.js';
import { languages, translate, type MessageParams } from '../../renderer/i18n/index.js';
import { primesMessages } from '../../renderer/i18n/primes.js';
import { thumbsMessages } from '../../renderer/i18n/thumbs.js';
import { titlesMessages } from '../../renderer/i18n/titles.js';
import { describeThumbError, skipReasonText, thumbsErrorVariants } from '../../renderer/thumbs/error-text.js';
import { describeTitleError, describeTitleWarning, errorLabelKeys, errorVariants, warningLabelKeys, warningVariants } from '../../renderer/titles/error-text.js';
import { skipReasons } from '../../src/thumbs/scan.js';
import { repoRoot } from './helpers.js';

/** Codes of the other engines, as lists the compiler holds complete (a code added there fails to compile here). */
const primesCodes = ['NOT_AN_INTEGER', 'NEGATIVE', 'TOO_LARGE', 'CANCELLED', 'WORKER_FAILED'] as const satisfies readonly PrimesErrorCode[];
const thumbsCodes = [
  'NOT_FOUND',
  'READ_FAILED',
  'UNSUPPORTED',
  'CORRUPT',
  'TOO_LARGE',
  'WRITE_FAILED',
  'WOULD_OVERWRITE_SOURCE',
  'OUTPUT_CONFLICT',
  'CANCELLED',
  'WORKER_FAILED',
] as const satisfies readonly ThumbsErrorCode[];
type Complete<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : false;
const primesComplete: Complete<PrimesErrorCode, (typeof primesCodes)[number]> = true;
const thumbsComplete: Complete<ThumbsErrorCode, (typeof thumbsCodes)[number]> = true;

/** Technical names (and the app's own) that stay as they are in Chinese text. */
const technical = /\b(TLS|HTTP|HTML|DNS|KiB|MiB|Content-Type|Content-Encoding|http\(s\)|https?|CSV|JSON|URL|SVG|PNG|JPEG|WebP|AVIF|GIF|TIFF|UTF|Titlewave|robots\.txt|RFC|CONNECT)\b/g;

/** The Latin words left in a Chinese sentence once its parameters and the technical names are taken out. */
function englishIn(text: string): string[] {
  return text.replace(technical, '').match(/[A-Za-z]{2,}/g) ?? [];
}

/** Parameters with no letters in them (what matters is the text around them). */
const sample: MessageParams = { seconds: '15', count: '10', max: '4', depth: '256', url: '⟨1⟩', type: '⟨2⟩', size: '64', coding: '⟨3⟩', scheme: '⟨4⟩', detail: '⟨5⟩', proxy: '⟨6⟩', host: '⟨7⟩', token: '⟨8⟩', status: '407', line: '3' };

describe('error codes in both languages', () => {
  it('has a short name and every sentence of each titles error and warning code, in Chinese without English words', () => {
    expect(Object.keys(errorLabelKeys).sort()).toEqual([...titleErrorCodes].sort());
    expect(Object.keys(warningLabelKeys).sort()).toEqual([...titleWarningCodes].sort());
    const codes = [
      ...titleErrorCodes.map((code) => [errorLabelKeys[code], errorVariants[code]] as const),
      ...titleWarningCodes.map((code) => [warningLabelKeys[code], warningVariants[code]] as const),
    ];
    expect(codes.length).toBe(titleErrorCodes.length + 3);
    for (const [labelKey, variants] of codes) {
      const keys = [labelKey, ...variants.map((variant) => variant.key)];
      for (const key of keys) {
        for (const language of languages) {
          const text = translate(titlesMessages, language, key, sample);
          expect(text, `${language} ${key}`).not.toBe(key);
          expect(text.length, `${language} ${key}`).toBeGreaterThan(1);
        }
        const zh = translate(titlesMessages, 'zh-CN', key, sample);
        expect(englishIn(zh), `zh-CN ${key}: ${zh}`).toEqual([]);
        expect(zh, `zh-CN ${key}`).not.toBe(translate(titlesMessages, 'en', key, sample));
      }
    }
  });

  it('has each primes and thumbnails code, in Chinese without English words', () => {
    expect(primesComplete && thumbsComplete).toBe(true);
    const tables = [
      [primesMessages, primesCodes.map((code) => `err${code}` as const)],
      [thumbsMessages, thumbsCodes.map((code) => `code${code}` as const)],
    ] as const;
    for (const [dictionary, keys] of tables) {
      for (const key of keys) {
        for (const language of languages) expect(Object.hasOwn(dictionary[language], key), `${language} ${key}`).toBe(true);
        const zh = translate(dictionary as typeof primesMessages, 'zh-CN', key as keyof (typeof primesMessages)['en'] & string);
        expect(englishIn(zh), `zh-CN ${key}: ${zh}`).toEqual([]);
      }
    }
  });
});

/** Sentences written in the source: `call(CODE, '…' or `…`)`, their `${…}` parts made "1". */
function sentencesIn(dir: string, pattern: (literal: string) => RegExp): { code: string; message: string; where: string }[] {
  const literal = String.raw`(\x60(?:[^\x60\\]|\\.)*\x60|'(?:[^'\\]|\\.)*')`;
  const found: { code: string; message: string; where: string }[] = [];
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.ts'))) {
    const source = readFileSync(join(dir, file), 'utf8');
    for (const match of source.matchAll(pattern(literal))) found.push({ code: match[1]!, message: match[2]!.slice(1, -1).replace(/\$\{[^}]*\}/g, '1'), where: file });
  }
  return found;
}

describe('the thumbnails engine’s sentences', () => {
  const t = (key: keyof (typeof thumbsMessages)['en'] & string, params?: MessageParams) => translate(thumbsMessages, 'zh-CN', key, params);

  it('are all recognised, so each is said in the user’s language', () => {
    const dir = join(repoRoot, 'src', 'thumbs');
    const sentences = [
      ...sentencesIn(dir, (literal) => new RegExp(String.raw`new ThumbError\(\s*'([A-Z_]+)',\s*${literal}`, 'g')),
      ...sentencesIn(dir, (literal) => new RegExp(String.raw`code: '([A-Z_]+)', message: ${literal}`, 'g')),
    ];
    expect(sentences.length).toBeGreaterThanOrEqual(12);
    for (const { code, message, where } of sentences) {
      const said = describeThumbError(t, { code, message });
      expect(Object.keys(thumbsErrorVariants), `${where}: ${code}`).toContain(code);
      expect(said.text, `${where}: ${code} "${message}" is not recognised`).not.toBe(said.label);
      expect(englishIn(said.text.replace(/\b1\b/g, '')), `${where}: "${message}" → "${said.text}"`).toEqual([]);
    }
  });

  it('says every reason a scan skips a path', () => {
    for (const reason of [...Object.values(skipReasons), 'unreadable (EIO)']) {
      const text = skipReasonText(t, reason);
      expect(text, reason).not.toBe(reason);
      expect(englishIn(text.replace('EIO', '')), `${reason} → ${text}`).toEqual([]);
    }
  });
});

describe('the titles engine’s sentences', () => {
  /** Every error sentence in src/titles: `failure('CODE', '…' or `…`)` and the reasons of `invalid('…')`. */
  function engineSentences(): { code: TitleErrorCode; message: string; where: string }[] {
    const dir = join(repoRoot, 'src', 'titles');
    const found: { code: TitleErrorCode; message: string; where: string }[] = [];
    const literal = String.raw`(\x60(?:[^\x60\\]|\\.)*\x60|'(?:[^'\\]|\\.)*')`;
    const asText = (quoted: string) => quoted.slice(1, -1).replace(/\$\{[^}]*\}/g, '1');
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.ts'))) {
      const source = readFileSync(join(dir, file), 'utf8');
      for (const match of source.matchAll(new RegExp(String.raw`failure\('([A-Z_]+)',\s*${literal}`, 'g'))) {
        found.push({ code: match[1] as TitleErrorCode, message: asText(match[2]!), where: file });
      }
      for (const match of source.matchAll(new RegExp(String.raw`\binvalid\(${literal}`, 'g'))) found.push({ code: 'INVALID_URL', message: asText(match[1]!), where: file });
    }
    return found;
  }

  it('are all recognised, so each is said in the user’s language', () => {
    const sentences = engineSentences();
    // The source has 24 today; far fewer means the scan stopped finding them.
    expect(sentences.length).toBeGreaterThanOrEqual(20);
    const t = (key: keyof (typeof titlesMessages)['en'] & string, params?: MessageParams) => translate(titlesMessages, 'zh-CN', key, params);
    for (const { code, message, where } of sentences) {
      expect(titleErrorCodes, `${where}: ${code}`).toContain(code);
      const label = translate(titlesMessages, 'zh-CN', errorLabelKeys[code]);
      const said = describeTitleError(t, { code, message });
      // Only a code without sentences of its own (NETWORK: the system's words) falls back to its name.
      if (errorVariants[code].length > 0) expect(said.text, `${where}: ${code} "${message}" is not recognised`).not.toBe(label);
      expect(englishIn(said.text), `${where}: "${message}" → "${said.text}"`).toEqual([]);
    }
  });

  it('say every render warning in the user’s language', () => {
    // `code: 'RENDER_…', message: '…' or `…``, as src/titles/engine.ts writes each warning.
    const warnings = sentencesIn(join(repoRoot, 'src', 'titles'), (literal) => new RegExp(String.raw`code: '(RENDER_[A-Z_]+)', message: ${literal}`, 'g'));
    expect(warnings.map(({ code }) => code).sort()).toEqual([...titleWarningCodes].sort());
    const t = (key: keyof (typeof titlesMessages)['en'] & string, params?: MessageParams) => translate(titlesMessages, 'zh-CN', key, params);
    for (const { code, message, where } of warnings) {
      const said = describeTitleWarning(t, { code, message });
      expect(said.text, `${where}: ${code} "${message}" is not recognised`).not.toBe(said.label);
      expect(englishIn(said.text), `${where}: "${message}" → "${said.text}"`).toEqual([]);
    }
    // The failure's own words are the technical detail, not part of the sentence.
    expect(describeTitleWarning(t, { code: 'RENDER_FAILED', message: 'the page could not be rendered (Target crashed); this is its static title' }).detail).toBe('Target crashed');
    expect(describeTitleWarning(t, { code: 'RENDER_UNSETTLED', message: 'the title was still changing, or requests still going, after 2.5 s; this is the title at that moment' }).text).toContain('2.5');
  });
});
