/**
 * The results of a check, one row per number in input order, on the shared virtualised DataGrid (a million numbers
 * scroll smoothly). Rows can be selected and copied (Ctrl/Cmd+C) as tab-separated text for a spreadsheet.
 */
import { useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { PrimalityMethod, PrimeCheckRecord, PrimesErrorCode } from '../../src/primes/types.js';
import { DataGrid, type GridColumn, type SelectMode } from '../components/DataGrid.js';
import { commonMessages } from '../i18n/common.js';
import { useFormatters, useT, type Translator } from '../i18n/index.js';
import { primesMessages } from '../i18n/primes.js';
import type { CheckRun } from './check-run.js';

type PrimesT = Translator<(typeof primesMessages)['en']>;
interface Row {
  index: number;
  record: PrimeCheckRecord | undefined;
}

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

/** Every engine error code (the compiler checks the list is complete), for its reason in the user's language. */
const errorKeys: Record<PrimesErrorCode, `err${PrimesErrorCode}`> = {
  NOT_AN_INTEGER: 'errNOT_AN_INTEGER',
  NEGATIVE: 'errNEGATIVE',
  TOO_LARGE: 'errTOO_LARGE',
  CANCELLED: 'errCANCELLED',
  WORKER_FAILED: 'errWORKER_FAILED',
};

function errorText(t: PrimesT, error: { code: string; message: string }): string {
  return Object.hasOwn(errorKeys, error.code) ? t(errorKeys[error.code as PrimesErrorCode]) : error.message;
}

function verdict(t: PrimesT, record: PrimeCheckRecord): string {
  if (record.error) return `${t('error')}: ${errorText(t, record.error)}`;
  if (!record.prime) return t('composite');
  return record.proven === false ? t('probable') : t('prime');
}

function ResultCell(props: { record: PrimeCheckRecord | undefined; t: PrimesT }) {
  const { record, t } = props;
  if (!record) return <span className="primes-pending" />;
  if (record.error) {
    return (
      <span className="primes-result">
        <span className="verdict verdict--error">{t('error')}</span>
        <span className="primes-result__error">{errorText(t, record.error)}</span>
      </span>
    );
  }
  const method = methodName(t, record.method);
  const probable = record.prime === true && record.proven === false;
  return (
    <span className="primes-result">
      <span className={`verdict ${record.prime ? (probable ? 'verdict--probable' : 'verdict--prime') : 'verdict--composite'}`}>
        {record.prime ? (probable ? t('probable') : t('prime')) : t('composite')}
      </span>
      <span className="primes-result__how">{method}</span>
    </span>
  );
}

export function CheckResultsTable(props: { run: CheckRun; version: number }) {
  const t = useT(primesMessages);
  const common = useT(commonMessages);
  const format = useFormatters();
  const rows = props.run.rows;
  // A narrow card (small window): no position column, a shorter header for the factor.
  const boxRef = useRef<HTMLDivElement>(null);
  const [compact, setCompact] = useState(false);
  useLayoutEffect(() => {
    const element = boxRef.current;
    if (!element) return;
    const measure = () => setCompact(element.clientWidth < 480);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const [active, setActive] = useState(-1);
  const anchor = useRef(-1);

  const columns = useMemo<GridColumn<Row>[]>(
    () => [
      ...(compact
        ? []
        : [{ id: 'index', header: t('colIndex'), width: '48px', minWidth: 44, align: 'end' as const, render: (row: Row) => <span className="muted">{format.number(row.index + 1)}</span> }]),
      {
        id: 'n',
        header: t('colNumber'),
        width: 'minmax(110px, 1.3fr)',
        minWidth: 110,
        render: (row) => <span className="primes-number">{row.record?.n ?? ''}</span>,
        text: (row) => row.record?.n ?? null,
      },
      {
        id: 'result',
        header: t('colResult'),
        width: 'minmax(150px, 1.2fr)',
        minWidth: 150,
        render: (row) => <ResultCell record={row.record} t={t} />,
        text: (row) => {
          const record = row.record;
          if (!record) return null;
          // The engine's own words (e.g. which token, how many digits) on hover.
          if (record.error) return `${errorText(t, record.error)}: ${record.error.message}`;
          if (record.prime && record.proven === false) return t('probableNote');
          if (record.method === 'miller-rabin-deterministic') return `${verdict(t, record)} · ${t('methodMillerRabinLong')}`;
          return verdict(t, record);
        },
      },
      {
        id: 'factor',
        header: compact ? t('colFactorShort') : t('colFactor'),
        width: 'minmax(120px, 0.9fr)',
        minWidth: 100,
        render: (row) =>
          row.record && !row.record.error && row.record.prime === false ? (
            row.record.factor !== null ? (
              <span className="primes-number">{row.record.factor}</span>
            ) : (
              <span className="muted">{t('noCheapFactor')}</span>
            )
          ) : null,
        text: (row) => row.record?.factor ?? null,
      },
    ],
    [t, format, compact],
  );

  const select = (viewIndex: number, mode: SelectMode) => {
    setActive(viewIndex);
    if (mode === 'replace' || anchor.current < 0) {
      anchor.current = viewIndex;
      setSelected(new Set([viewIndex]));
    } else if (mode === 'toggle') {
      anchor.current = viewIndex;
      setSelected((current) => {
        const next = new Set(current);
        if (next.has(viewIndex)) next.delete(viewIndex);
        else next.add(viewIndex);
        return next;
      });
    } else {
      const [low, high] = anchor.current < viewIndex ? [anchor.current, viewIndex] : [viewIndex, anchor.current];
      const next = new Set<number>();
      for (let i = low; i <= high; i++) next.add(i);
      setSelected(next);
    }
  };

  const copy = (event: KeyboardEvent<HTMLDivElement>) => {
    if (!((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'c') || selected.size === 0) return;
    event.preventDefault();
    const lines = [[t('colNumber'), t('colResult'), t('colFactor')].join('\t')];
    for (const index of [...selected].sort((a, b) => a - b)) {
      const record = rows[index];
      if (record) lines.push([record.n, verdict(t, record), record.factor ?? ''].join('\t'));
    }
    void navigator.clipboard?.writeText(lines.join('\n')).catch(() => undefined);
  };

  return (
    <div className="primes-table" ref={boxRef}>
      <DataGrid<Row>
        label={t('resultsLabel')}
        columns={columns}
        rowCount={rows.length}
        getRow={(index) => ({ index, record: rows[index] })}
        getRowKey={(row) => row.index}
        version={props.version}
        sort={null}
        isSelected={(row) => selected.has(row.index)}
        activeIndex={active}
        onSelect={select}
        onSelectAll={() => setSelected(new Set(rows.keys()))}
        rowClassName={(row) => (row.record ? `primes-row--${row.record.error ? 'error' : row.record.prime ? 'prime' : 'composite'}` : 'primes-row--pending')}
        onKeyDown={copy}
        sortLabels={{ ascending: common('sortAscending'), descending: common('sortDescending') }}
      />
    </div>
  );
}
