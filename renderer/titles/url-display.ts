/**
 * How the results show a URL (browser-safe, no React): without its scheme, percent-escapes read back, and split in
 * three so a cell can cut it in the middle (UrlText.tsx). The filter box matches this text too.
 */

/** Characters never shown decoded: controls, invisible format characters (bidi overrides), line separators. */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/**
 * The URL without "http://" or "https://" (the grid shows the scheme nowhere: every row has one of the two), its
 * percent-escapes decoded as an address bar does ("title=The same title", not "title=The%20same%20title"), except
 * for characters that would hide or reorder what is shown.
 */
export function urlDisplay(url: string): string {
  const bare = url.replace(/^https?:\/\//i, '');
  let decoded: string;
  try {
    decoded = decodeURI(bare);
  } catch {
    return bare; // a malformed escape: shown as it is
  }
  return decoded.replace(HIDDEN, (character) => encodeURIComponent(character));
}

/**
 * A shown URL in three: its host (port included), the middle of its path, and its tail: the last path segment with
 * the query and fragment ("/item-42?color=red"), what most often tells rows apart. A cell narrows the middle first.
 */
export function urlParts(display: string): { host: string; middle: string; tail: string } {
  const hostEnd = display.search(/[/?#]/);
  const host = hostEnd === -1 ? display : display.slice(0, hostEnd);
  const rest = display.slice(host.length);
  const pathEnd = rest.search(/[?#]/);
  const path = pathEnd === -1 ? rest : rest.slice(0, pathEnd);
  // The last segment, a trailing slash kept with it ("/b/" of "/a/b/").
  const cut = Math.max(0, path.lastIndexOf('/', path.length - 2));
  return { host, middle: rest.slice(0, cut), tail: rest.slice(cut) };
}
