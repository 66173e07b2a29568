/**
 * The results: a filter box, the virtualised grid (sort by any column, multi-row selection, copy as TSV) and the
 * details of the row in focus. Rows live in a RecordView (store.ts); this component re-renders only when its
 * `version` changes, and then the grid renders just the rows in view.
 */
import { memo, useCallback, useEffect, useMemo, useState, type KeyboardEvent, type ReactNode, type RefObject } from 'react';
import type { TitleRecord } from '../../src/titles/types.js';
import { Button, modKey } from '../components/Button.js';
import { DataGrid, type GridColumn, type SelectMode } from '../components/DataGrid.js';
import { EmptyState } from '../components/EmptyState.js';
import { useToast } from '../components/Toasts.js';
import { commonMessages } from '../i18n/common.js';
import { useFormatters, useT } from '../i18n/index.js';
import { titlesMessages } from '../i18n/titles.js';
import { copyText } from './clipboard.js';
import { DetailsPane, statusTone } from './DetailsPane.js';
import { toTsv, type ColumnId, type RecordView } from './store.js';

export interface ResultsPanelProps {
  view: RecordView;
  version: number;
  /** Changes when another run is shown: selection and details reset. */
  runKey: string | null;
  running: boolean;
  onSortChange: () => void;
  onOpenExternal: (url: string) => void;
  filterRef: RefObject<HTMLInputElement | null>;
}

export const ResultsPanel = memo(function ResultsPanel(props: ResultsPanelProps) {
  const { view, version } = props;
  const t = useT(titlesMessages);
  const tc = useT(commonMessages);
  const format = useFormatters();
  const toast = useToast();

  const [query, setQuery] = useState('');
  const [selection, setSelection] = useState<ReadonlySet<number>>(() => new Set());
  const [active, setActive] = useState<number | null>(null);
  const [anchor, setAnchor] = useState<number | null>(null);
  const [detailsOpen, setDetailsOpen] = useState(false);
  const [, setViewChange] = useState(0);

  useEffect(() => {
    setSelection(new Set());
    setActive(null);
    setAnchor(null);
    setDetailsOpen(false);
  }, [props.runKey]);

  // The filter runs a moment after typing stops: one pass over 100,000 rows per pause, not per key.
  useEffect(() => {
    const timer = setTimeout(() => {
      view.setQuery(query);
      setViewChange((n) => n + 1);
    }, 120);
    return () => clearTimeout(timer);
  }, [query, view]);

  const sortBy = useCallback(
    (column: string) => {
      const id = column as ColumnId;
      const current = view.sort;
      // Ascending, then descending, then back to input order.
      const next = current?.column !== id ? { column: id, direction: 'ascending' as const } : current.direction === 'ascending' ? { column: id, direction: 'descending' as const } : null;
      view.setSort(next);
      setViewChange((n) => n + 1);
      props.onSortChange();
    },
    [view, props],
  );

  const columns = useMemo<GridColumn<TitleRecord>[]>(
    () => [
      { id: 'url', header: t('colUrl'), width: 'minmax(200px, 1.3fr)', minWidth: 200, sortable: true, render: (r) => <span className="cell-url">{r.url}</span>, text: (r) => r.url },
      {
        id: 'status',
        header: t('colStatus'),
        width: '92px',
        minWidth: 92,
        sortable: true,
        align: 'end',
        render: (r) => (r.status === null ? <span className="muted">{t('none')}</span> : <span className={`status status--${statusTone(r.status)}`}>{r.status}</span>),
      },
      {
        id: 'title',
        header: t('colTitle'),
        width: 'minmax(220px, 2fr)',
        minWidth: 220,
        sortable: true,
        render: (r) => (r.title === null ? <span className="muted">{t('noTitle')}</span> : <span className="cell-title">{r.title}</span>),
        text: (r) => r.title,
      },
      { id: 'finalUrl', header: t('colFinalUrl'), width: 'minmax(160px, 1fr)', minWidth: 160, sortable: true, render: (r) => <span className="cell-url">{r.finalUrl ?? ''}</span>, text: (r) => r.finalUrl },
      { id: 'time', header: t('colTime'), width: '84px', minWidth: 84, sortable: true, align: 'end', render: (r) => <span className="cell-num">{format.duration(r.durationMs)}</span> },
      {
        id: 'error',
        header: t('colError'),
        width: 'minmax(140px, 0.9fr)',
        minWidth: 140,
        sortable: true,
        render: (r) => (r.error ? <span className="cell-error"><code>{r.error.code}</code> {r.error.message}</span> : null),
        text: (r) => (r.error ? `${r.error.code}: ${r.error.message}` : null),
      },
    ],
    [t, format],
  );

  const rowCount = view.order.length;
  const total = view.records.size;
  const activeIndex = active === null ? -1 : view.positionOf(active);
  const activeRecord = active === null ? undefined : view.records.get(active);

  const onSelect = useCallback(
    (viewIndex: number, mode: SelectMode) => {
      const recordIndex = view.order[viewIndex];
      if (recordIndex === undefined) return;
      setActive(recordIndex);
      setDetailsOpen(true);
      if (mode === 'replace') {
        setSelection(new Set([recordIndex]));
        setAnchor(recordIndex);
      } else if (mode === 'toggle') {
        setSelection((current) => {
          const next = new Set(current);
          if (next.has(recordIndex)) next.delete(recordIndex);
          else next.add(recordIndex);
          return next;
        });
        setAnchor(recordIndex);
      } else {
        const anchorPosition = anchor === null ? -1 : view.positionOf(anchor);
        const from = anchorPosition < 0 ? viewIndex : Math.min(anchorPosition, viewIndex);
        const to = anchorPosition < 0 ? viewIndex : Math.max(anchorPosition, viewIndex);
        setSelection(new Set(view.order.slice(from, to + 1)));
        if (anchorPosition < 0) setAnchor(recordIndex);
      }
    },
    [view, anchor],
  );

  const onSelectAll = useCallback(() => setSelection(new Set(view.order)), [view]);

  const copySelected = useCallback(async () => {
    const rows = view.order.filter((index) => selection.has(index)).map((index) => view.records.get(index)!);
    if (rows.length === 0) return;
    const header = [t('colUrl'), t('colStatus'), t('colTitle'), t('colFinalUrl'), `${t('colTime')} (ms)`, t('colError')];
    try {
      await copyText(toTsv(rows, header));
      toast.show(t('copied', { count: rows.length, formatted: format.number(rows.length) }), 'success');
    } catch {
      toast.show(t('copyFailed'), 'error');
    }
  }, [view, selection, t, toast, format]);

  const gridKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'c') {
      event.preventDefault();
      void copySelected();
    } else if (event.key === 'Enter' && activeIndex >= 0) {
      event.preventDefault();
      setDetailsOpen(true);
    }
  };

  // Selected rows the filter still shows: the ones Copy takes.
  let selectedVisible = 0;
  for (const index of selection) if (view.positionOf(index) >= 0) selectedVisible++;
  let empty: ReactNode;
  if (total === 0) {
    empty = props.running ? (
      <EmptyState title={t('waitingFirst')} />
    ) : (
      <EmptyState title={t('emptyResultsTitle')} icon={<WaveIcon />}>
        {t('emptyResultsBody', { shortcut: `${modKey}+Enter` })}
      </EmptyState>
    );
  } else {
    empty = (
      <EmptyState title={t('emptyFilterTitle', { query })}>
        <p>{t('emptyFilterBody')}</p>
        <Button size="small" onClick={() => setQuery('')}>
          {t('clearFilter')}
        </Button>
      </EmptyState>
    );
  }

  return (
    <div className="results">
      <div className="results__toolbar">
        <div className="search">
          <span className="search__icon" aria-hidden="true" />
          <input
            ref={props.filterRef}
            type="search"
            role="searchbox"
            className="input search__input"
            aria-label={t('filterLabel')}
            placeholder={t('filterPlaceholder')}
            value={query}
            onChange={(event) => setQuery(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Escape' && query) {
                event.stopPropagation();
                setQuery('');
              }
            }}
          />
        </div>
        {total > 0 ? (
          <span className="results__count" aria-live="polite">
            {t('shownOf', { shown: format.number(rowCount), total: format.number(total) })}
          </span>
        ) : null}
        <span className="results__spacer" />
        {selectedVisible > 0 ? <span className="results__selected">{t('selectedCount', { count: selectedVisible, formatted: format.number(selectedVisible) })}</span> : null}
        <Button size="small" shortcut={`${modKey}+C`} disabled={selectedVisible === 0} onClick={() => void copySelected()}>
          {t('copy')}
        </Button>
      </div>
      <div className={`results__body${detailsOpen && activeRecord ? ' results__body--details' : ''}`}>
        <DataGrid<TitleRecord>
          label={t('resultsLabel')}
          columns={columns}
          rowCount={rowCount}
          getRow={(i) => view.recordAt(i)}
          getRowKey={(r) => r.index}
          version={version}
          sort={view.sort ? { column: view.sort.column, direction: view.sort.direction } : null}
          onSort={sortBy}
          isSelected={(r) => selection.has(r.index)}
          activeIndex={activeIndex}
          onSelect={onSelect}
          onSelectAll={onSelectAll}
          onRowDoubleClick={() => setDetailsOpen(true)}
          rowClassName={(r) => (r.error ? 'grid__row--failed' : undefined)}
          onKeyDown={gridKeyDown}
          empty={empty}
          sortLabels={{ ascending: tc('sortAscending'), descending: tc('sortDescending') }}
        />
        {detailsOpen && activeRecord ? <DetailsPane record={activeRecord} onClose={() => setDetailsOpen(false)} onOpenExternal={props.onOpenExternal} /> : null}
      </div>
    </div>
  );
});


function WaveIcon() {
  return (
    <svg width="22" height="22" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
      <path d="M2 12c2.5-4 5-4 7.5 0s5 4 7.5 0 3.5-3 5-2" />
      <path d="M2 18c2.5-3 5-3 7.5 0s5 3 7.5 0 3.5-2 5-1.5" opacity="0.5" />
      <path d="M6 4h12" opacity="0.5" />
    </svg>
  );
}
