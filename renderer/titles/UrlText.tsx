/**
 * A URL as the results show it: without its scheme, and when too long for its cell, cut in the middle so that both
 * the host and the end of the path (what tells rows apart) stay in view: "example.com/shop/…/item-42?color=red".
 */

/** The URL without "http://" or "https://" (the grid shows the scheme nowhere: every row has one of the two). */
export function urlDisplay(url: string): string {
  return url.replace(/^https?:\/\//i, '');
}

/** The part kept at the end: the last path segment and what follows, 12 to 40 characters. */
export function urlTail(display: string): string {
  const cut = display.lastIndexOf('/', display.length - 2);
  const natural = cut <= 0 ? 12 : display.length - cut;
  const length = Math.min(display.length, Math.max(12, Math.min(40, natural)));
  return display.slice(display.length - length);
}

export function UrlText(props: { url: string; className?: string }) {
  const display = urlDisplay(props.url);
  // Short enough to show whole in any cell: no split (and nothing to elide).
  if (display.length <= 24) return <span className={props.className}>{display}</span>;
  const tail = urlTail(display);
  return (
    <span className={`mid-ellipsis${props.className ? ` ${props.className}` : ''}`}>
      <span className="mid-ellipsis__head">{display.slice(0, display.length - tail.length)}</span>
      <span className="mid-ellipsis__tail">{tail}</span>
    </span>
  );
}
