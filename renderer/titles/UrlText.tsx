/**
 * A URL as the results show it (url-display.ts), and when too long for its cell cut in the middle: the host stays,
 * the end of the path (what tells rows apart) stays, and the part between them gives way first:
 * "example.com/…/item-42?color=red".
 */

import { urlDisplay, urlParts } from './url-display.js';

export function UrlText(props: { url: string; className?: string }) {
  const display = urlDisplay(props.url);
  const { host, middle, tail } = urlParts(display);
  // Nothing after the host ("example.com"): nothing to cut in the middle.
  if (!tail) return <span className={props.className}>{display}</span>;
  return (
    <span className={`mid-ellipsis${props.className ? ` ${props.className}` : ''}`}>
      <span className="mid-ellipsis__host">{host}</span>
      {middle ? <span className="mid-ellipsis__middle">{middle}</span> : null}
      {tail ? <span className="mid-ellipsis__tail">{tail}</span> : null}
    </span>
  );
}
