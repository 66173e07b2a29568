/**
 * The body signals of render mode's `auto` rule: signs in the first bytes of a page that its static title may not be
 * the one a tab shows, because the page is an app shell its scripts fill in. An empty mount point (`#root`, `#app`,
 * `#__next`: an element with that id and nothing but whitespace or comments inside), or a `<noscript>` whose text
 * asks for JavaScript (create-react-app's "You need to enable JavaScript to run this app.", "请启用 JavaScript").
 *
 * A cheap scan of the raw bytes, not a parse: it runs only on pages whose head holds a script (a page with no script
 * there is no app shell we can tell from its first bytes, and most pages the CPU-bound runs read have none), over at
 * most `bodySignalBytes` from the start of the document, with two linear regular expressions over a latin1 view of
 * the bytes (one byte, one character: indices are byte offsets). Markup inside comments or script strings can count
 * too; what that costs is one render whose title is the static one. Pages in encodings that are not ASCII-compatible
 * (UTF-16) give no signal. Node only.
 */
import { TextDecoder } from '@exodus/bytes/encoding.js';

export type BodySignal = 'mount-point' | 'noscript';

/**
 * Bytes of a page, from its first, in which body signals are looked for: an app shell's mount point and `<noscript>`
 * come early (after a head of links, scripts and maybe inlined CSS); a page that has said nothing of the kind by
 * then is a page with content. It also bounds what a page with a head script costs: one scan of at most this much.
 */
export const bodySignalBytes = 64 * 1024;

/**
 * `=` and the value root, app or __next (quoted, or unquoted and then ended). Searching from the `=` (rare in text)
 * keeps the scan cheap; that the attribute is an id is checked after (a lookbehind here costs ten times as much). No
 * whitespace around the `=`: the templates write `id="root"`.
 */
const mountId = /=(?:"(?:root|app|__next)"|'(?:root|app|__next)'|(?:root|app|__next)(?=[\t\n\f\r />]))/g;
/** From a `<`: a start tag's name and its attributes, up to where they stop (at most 2 KiB, no `<` or `>`). */
const tagStart = /<([a-z][a-z0-9-]*)[\t\n\f\r /][^<>]{0,2048}/iy;
/** The rest of a start tag, to its `>` (at most 2 KiB). */
const tagRest = /[^<>]{0,2048}>/y;
/** What makes the element just opened empty: whitespace and comments, then its end tag. */
const emptyThenEnd = /(?:[\t\n\f\r ]+|<!--[^]{0,2048}?-->)*<\/([a-z][a-z0-9-]*)[\t\n\f\r ]*>/iy;
/** A page has one mount point; one with more would-be ids than this is not looked through further. */
const maxMountIds = 64;
const noscriptTag = /<[nN][oO][sS][cC][rR][iI][pP][tT](?=[\t\n\f\r />])[^<>]{0,2048}>/g;
const noscriptEnd = /<\/noscript/gi;
/** A noscript's text is a sentence or two; more is not read. */
const noscriptTextBytes = 4096;
/** A page asks once; a page of thousands of <noscript> elements is not read through. */
const maxNoscripts = 32;
/** Text that asks for JavaScript, in English, Chinese and most other languages (which name it too). */
const asksForJavaScript = /javascript|\bjs\b|脚本|腳本/i;

function hasEmptyMountPoint(text: string): boolean {
  mountId.lastIndex = 0;
  let seen = 0;
  for (let id = mountId.exec(text); id !== null && seen < maxMountIds; id = mountId.exec(text), seen += 1) {
    // Inside a start tag: from the last '<' before it, a tag name and attributes reach this id.
    if (!/[\t\n\f\r "'/][iI][dD]$/.test(text.slice(Math.max(0, id.index - 3), id.index))) continue;
    const open = text.lastIndexOf('<', id.index);
    if (open === -1) continue;
    tagStart.lastIndex = open;
    const tag = tagStart.exec(text);
    if (tag === null || tagStart.lastIndex < id.index) continue;
    tagRest.lastIndex = mountId.lastIndex;
    if (tagRest.exec(text) === null) continue;
    emptyThenEnd.lastIndex = tagRest.lastIndex;
    const end = emptyThenEnd.exec(text);
    if (end !== null && (end[1] as string).toLowerCase() === (tag[1] as string).toLowerCase()) return true;
  }
  return false;
}

function noscriptAsksForJavaScript(bytes: Uint8Array, text: string, encoding: string): boolean {
  noscriptTag.lastIndex = 0;
  let seen = 0;
  for (let open = noscriptTag.exec(text); open !== null; open = noscriptTag.exec(text)) {
    const start = noscriptTag.lastIndex;
    noscriptEnd.lastIndex = start;
    const close = noscriptEnd.exec(text);
    const end = Math.min(close === null ? text.length : close.index, start + noscriptTextBytes);
    const inner = new TextDecoder(encoding).decode(bytes.subarray(start, end));
    // Its text only: the markup inside (a tracking pixel's <img>, a tag manager's <iframe>) and style sheets are not.
    const words = inner.replace(/<(style|script)\b[^]*?(?:<\/\1[^>]*>|$)/gi, ' ').replace(/<[^>]*>?/g, ' ');
    if (asksForJavaScript.test(words)) return true;
    // No end tag: nor has any later <noscript>; the next one starts after this one's end.
    if (close === null || ++seen === maxNoscripts) return false;
    noscriptTag.lastIndex = close.index;
  }
  return false;
}

/** The first body signal in `bytes` (a page's first bytes, in `encoding`), or null. */
export function findBodySignal(bytes: Uint8Array, encoding: string): BodySignal | null {
  if (encoding === 'UTF-16LE' || encoding === 'UTF-16BE' || encoding === 'replacement' || bytes.length === 0) return null;
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = view.toString('latin1');
  if (hasEmptyMountPoint(text)) return 'mount-point';
  if (noscriptAsksForJavaScript(bytes, text, encoding)) return 'noscript';
  return null;
}
