/**
 * The results of a check, one row per number in input order, on the shared virtualised DataGrid (a million numbers
 * scroll smoothly). Rows can be selected and copied (Ctrl/Cmd+C) as tab-separated text for a spreadsheet.
 */
import { useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { FACTOR_SEARCH_MS, MAX_CHECK_DIGITS } from '../../src/primes/limits.js';
import { isNeitherPrimeNorComposite, type PrimalityMethod, type PrimeCheckRecord, type PrimesErrorCode } from '../../src/primes/types.js';
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

/** The reason in a sentence, for the tooltip: the token for the codes that are about it, else the engine's words. */
function errorDetail(t: PrimesT, record: PrimeCheckRecord, digits: string): string {
  const error = record.error;
  if (!error) return '';
  switch (error.code) {
    case 'NOT_AN_INTEGER':
      return t('errNOT_AN_INTEGER_detail', { token: shortToken(record.n) });
    case 'NEGATIVE':
      return t('errNEGATIVE_detail', { token: shortToken(record.n) });
    case 'TOO_LARGE':
      return t('errTOO_LARGE_detail', { digits });
    default:
      return `${errorText(t, error)}: ${error.message}`;
  }
}

/** A token as typed, cut for a tooltip (it may be 100,000 characters of garbage). */
function shortToken(token: string): string {
  return token.length > 60 ? `${token.slice(0, 60)}…` : token;
}

function verdict(t: PrimesT, record: PrimeCheckRecord): string {
  if (record.error) return `${t('error')}: ${errorText(t, record.error)}`;
  if (isNeitherPrimeNorComposite(record)) return t('neither');
  if (!record.prime) return t('composite');
  return record.proven === false ? t('probable') : t('prime');
}

/** Numbers longer than this are shown as their start and end until the user asks for all their digits. */
const longNumberChars = 240;
const shownHead = 120;
const shownTail = 24;

/** A rough row height before it is measured: long numbers wrap onto several lines. */
function estimateHeight(record: PrimeCheckRecord | undefined, expanded: boolean): number {
  const shown = (text: string) => (text.length > longNumberChars && !expanded ? shownHead + shownTail + 24 : text.length);
  const length = Math.max(shown(record?.n ?? ''), record?.factor?.length ?? 0);
  return 34 + Math.max(0, Math.ceil(length / 22) - 1) * 19;
}

/** A number, wrapped over as many lines as it takes; a very long one shortened to its start and end until asked. */
function NumberText(props: { text: string; expanded: boolean; onExpand: () => void; showAllLabel: string }) {
  const { text } = props;
  if (text.length <= longNumberChars || props.expanded) return <span className="primes-number">{text}</span>;
  return (
    <span className="primes-number">
      {`${text.slice(0, shownHead)}…${text.slice(-shownTail)} `}
      <button
        type="button"
        className="link-button primes-number__all"
        onMouseDown={(event) => event.stopPropagation()}
        onClick={props.onExpand}
      >
        {props.showAllLabel}
      </button>
    </span>
  );
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
  if (isNeitherPrimeNorComposite(record)) {
    return (
      <span className="primes-result">
        <span className="verdict verdict--neither">{t('neither')}</span>
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
  const searchTime = format.duration(FACTOR_SEARCH_MS);
  const maxDigits = format.number(MAX_CHECK_DIGITS);
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
  // Rows whose long number the user asked to see whole.
  const [expanded, setExpanded] = useState<ReadonlySet<number>>(new Set());
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
        render: (row) =>
          row.record ? (
            <NumberText
              text={row.record.n}
              expanded={expanded.has(row.index)}
              onExpand={() => setExpanded((current) => new Set(current).add(row.index))}
              showAllLabel={t(row.record.error ? 'showAllCharacters' : 'showAllDigits', { count: format.number(row.record.n.length) })}
            />
          ) : null,
        text: (row) => {
          const n = row.record?.n ?? null;
          // A tooltip of thousands of digits helps nobody: the cell shows them (all of them when asked).
          return n !== null && n.length > longNumberChars ? null : n;
        },
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
          if (record.error) return errorDetail(t, record, maxDigits);
          if (isNeitherPrimeNorComposite(record)) return t('neitherNote');
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
          row.record && !row.record.error && row.record.prime === false && !isNeitherPrimeNorComposite(row.record) ? (
            row.record.factor !== null ? (
              <span className="primes-number">{row.record.factor}</span>
            ) : (
              <span className="muted">{t('noFactorFound', { time: searchTime })}</span>
            )
          ) : null,
        text: (row) => {
          const record = row.record;
          if (!record || record.error || record.prime !== false || isNeitherPrimeNorComposite(record)) return null;
          return record.factor ?? t('noFactorNote', { time: searchTime });
        },
      },
    ],
    [t, format, compact, searchTime, maxDigits, expanded],
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
        rowClassName={(row) => (row.record ? `primes-row--${row.record.error ? 'error' : row.record.prime ? 'prime' : isNeitherPrimeNorComposite(row.record) ? 'neither' : 'composite'}` : 'primes-row--pending')}
        wrap
        estimateRowHeight={(index) => estimateHeight(rows[index], expanded.has(index))}
        onKeyDown={copy}
        sortLabels={{ ascending: common('sortAscending'), descending: common('sortDescending') }}
      />
    </div>
  );
}
