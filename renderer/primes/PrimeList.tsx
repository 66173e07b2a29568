/** Listed primes, virtualised: the window keeps at most `listCap` of them and says so. */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef } from 'react';
import { useFormatters, useT } from '../i18n/index.js';
import { primesMessages } from '../i18n/primes.js';
import type { RangeRun } from './RangePanel.js';

const rowHeight = 28;

export function PrimeList(props: { run: RangeRun }) {
  const t = useT(primesMessages);
  const format = useFormatters();
  const scrollRef = useRef<HTMLDivElement>(null);
  const primes = props.run.primes;
  const total = props.run.result?.count ?? props.run.progress?.count ?? primes.length;
  const virtualizer = useVirtualizer({
    count: primes.length,
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
        <div className="prime-list__body" ref={scrollRef} tabIndex={0} role="list" aria-label={t('listedPrimes')}>
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((item) => (
              <div
                key={item.index}
                role="listitem"
                className="prime-list__row"
                style={{ transform: `translateY(${item.start}px)`, height: rowHeight }}
              >
                <span className="prime-list__index">{format.number(item.index + 1)}</span>
                <span className="prime-list__prime">{primes[item.index]}</span>
              </div>
            ))}
          </div>
        </div>
      )}
    </div>
  );
}
