/**
 * A thumbnail's error, and a skipped path's reason, in the user's language: the thumbnails engine writes English
 * sentences with details in them (src/thumbs/engine.ts, index.ts, scan.ts); each is recognised by its pattern and
 * said again from the i18n tables with those details as parameters. What the system or libvips said is kept,
 * verbatim, as a technical detail. tests/e2e/i18n-errors.test.ts checks every sentence the engine can write.
 */
import type { RecordError } from '../../src/titles/types.js';
import type { ThumbsErrorCode } from '../../src/thumbs/types.js';
import type { Translator } from '../i18n/index.js';
import type { thumbsMessages } from '../i18n/thumbs.js';

type Key = keyof (typeof thumbsMessages)['en'] & string;
type T = Translator<(typeof thumbsMessages)['en']>;

interface Variant {
  /** Named groups are parameters; a group named `detail` is the technical detail. */
  pattern: RegExp;
  key: Key;
}

/** Each code's short name (and its sentence when no variant matches). */
export const thumbsCodeKeys: Record<ThumbsErrorCode, `code${ThumbsErrorCode}`> = {
  NOT_FOUND: 'codeNOT_FOUND',
  READ_FAILED: 'codeREAD_FAILED',
  UNSUPPORTED: 'codeUNSUPPORTED',
  CORRUPT: 'codeCORRUPT',
  TOO_LARGE: 'codeTOO_LARGE',
  WRITE_FAILED: 'codeWRITE_FAILED',
  WOULD_OVERWRITE_SOURCE: 'codeWOULD_OVERWRITE_SOURCE',
  OUTPUT_CONFLICT: 'codeOUTPUT_CONFLICT',
  CANCELLED: 'codeCANCELLED',
  WORKER_FAILED: 'codeWORKER_FAILED',
};

export const thumbsErrorVariants: Record<ThumbsErrorCode, readonly Variant[]> = {
  NOT_FOUND: [{ pattern: /^the file does not exist \(any more\)$/, key: 'errFileGone' }],
  READ_FAILED: [{ pattern: /^the file cannot be read: (?<detail>.*)$/s, key: 'errUnreadable' }],
  UNSUPPORTED: [
    { pattern: /^not a regular file$/, key: 'errNotRegular' },
    { pattern: /^not an image$/, key: 'errNotImage' },
    { pattern: /^(?<kind>\S+) images are not supported$/, key: 'errKindUnsupported' },
  ],
  CORRUPT: [
    { pattern: /^the image cannot be decoded: (?<detail>.*)$/s, key: 'errUndecodable' },
    { pattern: /^the file is named like a (?<kind>\S+) image but its content is not an image$/, key: 'errNamedLike' },
    { pattern: /^the image has no size$/, key: 'errNoSize' },
  ],
  TOO_LARGE: [
    { pattern: /^(?<width>\d+) x (?<height>\d+) pixels is more than the (?<limit>\d+) megapixels allowed$/, key: 'errTooManyPixels' },
    { pattern: /^(?<width>\d+) x (?<height>\d+) pixels in (?<kind>.+) is decoded whole: about (?<size>\d+) MiB, more than the (?<limit>\d+) MiB allowed$/, key: 'errDecodedWhole' },
    { pattern: /^SVG files over (?<limit>[\d.]+) MiB are refused$/, key: 'errSvgTooLarge' },
  ],
  WRITE_FAILED: [
    { pattern: /^(?<path>.+) is a folder$/s, key: 'errTargetFolder' },
    { pattern: /^a folder stands where the output (?<path>.+) goes$/s, key: 'errTargetFolder' },
  ],
  WOULD_OVERWRITE_SOURCE: [
    { pattern: /^the output (?<path>.+) would replace a source image$/s, key: 'errReplacesSource' },
    { pattern: /^(?:the output )?(?<path>.+) is the source image$/s, key: 'errIsSource' },
  ],
  OUTPUT_CONFLICT: [
    { pattern: /^its output (?<path>.+) is also the output of (?<other>.+)$/s, key: 'errSharedOutput' },
    { pattern: /^a file Titlewave did not make is already at (?<path>.+): it is left as it is \(choose another output folder, or overwrite\)$/s, key: 'errForeignOutput' },
    { pattern: /^(?<path>.+) is already the thumbnail of another image, (?<other>.+): choose another output folder or name pattern$/s, key: 'errOtherImagesOutput' },
  ],
  CANCELLED: [{ pattern: /^the job was cancelled before this image was done$/, key: 'errCancelledBefore' }],
  WORKER_FAILED: [],
};

export interface ThumbErrorText {
  label: string;
  text: string;
  detail: string | null;
}

function isKnownCode(code: string): code is ThumbsErrorCode {
  return Object.hasOwn(thumbsCodeKeys, code);
}

/** A record's error in the user's language (an unknown code, from a newer engine, as the engine wrote it). */
export function describeThumbError(t: T, error: RecordError): ThumbErrorText {
  if (!isKnownCode(error.code)) return { label: error.code, text: error.message, detail: null };
  const label = t(thumbsCodeKeys[error.code]);
  for (const variant of thumbsErrorVariants[error.code]) {
    const match = variant.pattern.exec(error.message);
    if (!match) continue;
    const { detail, ...params } = match.groups ?? {};
    return { label, text: t(variant.key, params), detail: detail ?? null };
  }
  return { label, text: label, detail: error.message === '' ? null : error.message };
}

/** The reasons src/thumbs/scan.ts gives for a path it skips. */
const skipKeys: Record<string, Key> = {
  'not found': 'reasonNotFound',
  'not an image': 'reasonNotAnImage',
  'not a regular file or folder': 'reasonNotRegular',
  'permission denied': 'reasonPermission',
  'already included': 'reasonAlreadyIncluded',
  'folder already walked (symlink loop)': 'reasonSymlinkLoop',
  'file name is not valid UTF-8': 'reasonNotUtf8',
  'the output folder of these thumbnails': 'reasonOutputFolder',
  'a thumbnail Titlewave made': 'reasonOwnThumbnail',
};

/** Why a path was skipped, in the user's language ("unreadable (EIO)" keeps the system's code as its detail). */
export function skipReasonText(t: T, reason: string): string {
  const key = Object.hasOwn(skipKeys, reason) ? skipKeys[reason] : undefined;
  if (key) return t(key);
  const unreadable = /^unreadable \((?<code>.*)\)$/s.exec(reason);
  if (unreadable) return t('reasonUnreadable', { code: unreadable.groups!.code! });
  return reason;
}
