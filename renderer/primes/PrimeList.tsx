/**
 * Listed primes as a table of numbers: as many columns as fit, each row led by the position of its first prime.
 * Virtualised by rows; the window keeps at most `listCap` primes and says so.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useLayoutEffect, useRef, useState } from 'react';
import { useFormatters, useT } from '../i18n/index.js';
import { primesMessages } from '../i18n/primes.js';
import type { RangeRun } from './range-run.js';

const rowHeight = 28;
/** Room for one prime of `digits` digits (the column width follows the range's upper bound). */
const cellWidthFor = (digits: number) => Math.max(64, digits * 8 + 24);
const indexWidth = 64;

export function PrimeList(props: { run: RangeRun }) {
  const t = useT(primesMessages);
  const format = useFormatters();
  const scrollRef = useRef<HTMLDivElement>(null);
  const [columns, setColumns] = useState(4);
  const primes = props.run.primes;
  const total = props.run.result?.count ?? props.run.progress?.count ?? primes.length;
  const cellWidth = cellWidthFor(props.run.to.length);

  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (!element) return;
    const measure = () => setColumns(Math.max(1, Math.min(10, Math.floor((element.clientWidth - indexWidth - 16) / cellWidth))));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [cellWidth]);

  const rows = Math.ceil(primes.length / columns);
  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 20,
  });
  const finished = props.run.state !== 'running' && props.run.state !== 'starting';

  return (
    <div className="prime-list">
      <div className="prime-list__head">
        <span className="prime-list__title">{t('listedPrimes')}</span>
        <span className="prime-list__count">{t('listedShown', { shown: format.number(primes.length), total: format.number(Math.max(total, primes.length)) })}</span>
      </div>
      {finished && primes.length === 0 && !props.run.result?.cancelled ? (
        <p className="prime-list__empty">{t('listEmpty')}</p>
      ) : (
        <div className="virtual-scroll prime-list__body" ref={scrollRef} tabIndex={0} role="list" aria-label={t('listedPrimes')}>
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((row) => {
              const first = row.index * columns;
              return (
                <div
                  key={row.index}
                  className="virtual-row prime-list__row"
                  style={{ transform: `translateY(${row.start}px)`, height: rowHeight, gridTemplateColumns: `${indexWidth}px repeat(${columns}, ${cellWidth}px)` }}
                >
                  <span className="prime-list__index" aria-hidden="true">
                    {format.number(first + 1)}
                  </span>
                  {primes.slice(first, first + columns).map((prime, offset) => (
                    <span key={offset} role="listitem" className="prime-list__prime">
                      {prime}
                    </span>
                  ))}
                </div>
              );
            })}
          </div>
        </div>
      )}
    </div>
  );
}
