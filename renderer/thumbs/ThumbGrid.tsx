/**
 * The live grid of thumbnails as they are made, virtualised by rows (tens of thousands of images stay smooth).
 * While it is scrolled to the end it follows new thumbnails; once the user scrolls up it stays put.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { ThumbRecord } from '../../src/thumbs/types.js';
import { useT } from '../i18n/index.js';
import { thumbsMessages } from '../i18n/thumbs.js';
import { baseName } from './paths.js';

const tileWidth = 132;
const tileHeight = 148;
const gap = 12;

function Tile(props: { record: ThumbRecord; alreadyThere: string }) {
  const { record } = props;
  const name = baseName(record.input);
  const largest = record.outputs.at(-1);
  const sizes = record.outputs.map((output) => `${output.width}×${output.height}`).join(' · ');
  const skipped = record.outputs.length > 0 && record.outputs.every((o) => o.skipped);
  return (
    <figure className="thumb-tile" title={`${record.input}\n${sizes}${skipped ? `\n${props.alreadyThere}` : ''}`} data-skipped={skipped}>
      <div className="thumb-tile__frame">
        {record.previewUrl ? <img className="thumb-tile__img" src={record.previewUrl} alt={name} decoding="async" draggable={false} /> : null}
        {/* Made by an earlier run from this same image, and shown as it is. */}
        {skipped ? <span className="thumb-tile__badge">{props.alreadyThere}</span> : null}
      </div>
      <figcaption className="thumb-tile__caption">
        <span className="thumb-tile__name">{name}</span>
        {largest ? <span className="thumb-tile__dims">{`${largest.width}×${largest.height}`}</span> : null}
      </figcaption>
    </figure>
  );
}

export function ThumbGrid(props: { records: ThumbRecord[]; version: number }) {
  const t = useT(thumbsMessages);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [columns, setColumns] = useState(4);
  const following = useRef(true);
  const lastTop = useRef(0);
  const { records } = props;
  const rows = Math.ceil(records.length / columns);

  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (!element) return;
    const measure = () => setColumns(Math.max(1, Math.floor((element.clientWidth + gap) / (tileWidth + gap))));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => tileHeight + gap,
    overscan: 3,
  });

  useEffect(() => {
    if (following.current && rows > 0) virtualizer.scrollToIndex(rows - 1, { align: 'end' });
  }, [rows, props.version, virtualizer]);

  return (
    <div
      className="thumb-grid virtual-scroll"
      ref={scrollRef}
      role="list"
      aria-label={t('gridLabel')}
      tabIndex={0}
      onScroll={(event) => {
        // The grid only grows, so moving up is the user's doing: stop following. Back at the end: follow again.
        // (Judging by the distance to the end alone would misread our own scroll once the next batch has landed.)
        const element = event.currentTarget;
        if (element.scrollTop < lastTop.current - 2) following.current = false;
        else if (element.scrollHeight - element.scrollTop - element.clientHeight < tileHeight / 2) following.current = true;
        lastTop.current = element.scrollTop;
      }}
    >
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((row) => (
          <div
            key={row.index}
            className="virtual-row thumb-grid__row"
            style={{ transform: `translateY(${row.start}px)`, gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`, columnGap: gap }}
          >
            {records.slice(row.index * columns, row.index * columns + columns).map((record) => (
              <div role="listitem" key={record.index}>
                <Tile record={record} alreadyThere={t('statSkipped')} />
              </div>
            ))}
          </div>
        ))}
      </div>
    </div>
  );
}
