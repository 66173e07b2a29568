/** The results of a check, one row per number in input order, virtualised so a million numbers scroll smoothly. */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef } from 'react';
import type { PrimalityMethod, PrimeCheckRecord } from '../../src/primes/types.js';
import { useFormatters, useT, type Translator } from '../i18n/index.js';
import { primesMessages } from '../i18n/primes.js';
import type { CheckRun } from './CheckPanel.js';

const rowHeight = 34;

type PrimesT = Translator<(typeof primesMessages)['en']>;

function methodName(t: PrimesT, method: PrimalityMethod | null): string {
  switch (method) {
    case 'trivial':
      return t('methodTrivial');
    case 'trial-division':
      return t('methodTrialDivision');
    case 'miller-rabin-deterministic':
      return t('methodMillerRabin');
    case 'baillie-psw':
      return t('methodBailliePsw');
    default:
      return '';
  }
}

function ResultCell(props: { record: PrimeCheckRecord | undefined; t: PrimesT }) {
  const { record, t } = props;
  if (!record) return <span className="primes-pending" aria-label="…" />;
  if (record.error) {
    return (
      <span className="primes-result">
        <span className="badge badge--error">{t('error')}</span>
        <span className="primes-result__error">{record.error.message}</span>
      </span>
    );
  }
  const method = methodName(t, record.method);
  const probable = record.prime === true && record.proven === false;
  return (
    <span className="primes-result" title={probable ? t('probableNote') : method}>
      <span className={`badge ${record.prime ? 'badge--prime' : 'badge--composite'}`}>{record.prime ? t('prime') : t('composite')}</span>
      <span className={`primes-result__how${probable ? ' primes-result__how--probable' : ''}`}>
        {probable ? `${t('probable')} · ${method}` : method}
      </span>
    </span>
  );
}

export function CheckResultsTable(props: { run: CheckRun; version: number }) {
  const t = useT(primesMessages);
  const format = useFormatters();
  const scrollRef = useRef<HTMLDivElement>(null);
  const rows = props.run.rows;
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 12,
  });

  return (
    <div className="primes-table" role="table" aria-label={t('resultsLabel')} aria-rowcount={rows.length + 1}>
      <div className="primes-table__head" role="rowgroup">
        <div className="primes-table__row primes-table__row--head" role="row" aria-rowindex={1}>
          <span role="columnheader" className="primes-table__index">
            {t('colIndex')}
          </span>
          <span role="columnheader">{t('colNumber')}</span>
          <span role="columnheader">{t('colResult')}</span>
          <span role="columnheader">{t('colFactor')}</span>
        </div>
      </div>
      <div className="primes-table__body" role="rowgroup" ref={scrollRef} tabIndex={0} aria-label={t('resultsLabel')}>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const record = rows[item.index];
            return (
              <div
                key={item.index}
                role="row"
                aria-rowindex={item.index + 2}
                data-state={record ? (record.error ? 'error' : record.prime ? 'prime' : 'composite') : 'pending'}
                className="primes-table__row"
                style={{ transform: `translateY(${item.start}px)`, height: rowHeight }}
              >
                <span role="cell" className="primes-table__index">
                  {format.number(item.index + 1)}
                </span>
                <span role="cell" className="primes-table__number" title={record?.n}>
                  {record?.n ?? ''}
                </span>
                <span role="cell">
                  <ResultCell record={record} t={t} />
                </span>
                <span role="cell" className="primes-table__factor" title={record?.factor ?? undefined}>
                  {record && !record.error && record.prime === false ? (record.factor ?? <span className="muted">{t('noCheapFactor')}</span>) : ''}
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
