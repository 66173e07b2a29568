/**
 * The results: a filter box and the filters by status and title, the virtualised grid (sort by any column, resizable
 * columns, multi-row selection, copy as TSV, retry the selected rows) and the details of the row in focus. Rows live
 * in a RecordView (store.ts); this component re-renders only when its `version` changes, and then the grid renders
 * just the rows in view.
 */
import { memo, useCallback, useEffect, useMemo, useState, type KeyboardEvent, type ReactNode, type RefObject } from 'react';
import type { TitleRecord } from '../../src/titles/types.js';
import { Button, modKey } from '../components/Button.js';
import { DataGrid, type SelectMode } from '../components/DataGrid.js';
import { EmptyState } from '../components/EmptyState.js';
import { useToast } from '../components/Toasts.js';
import { useColumnWidths } from '../components/use-column-widths.js';
import { commonMessages } from '../i18n/common.js';
import { useFormatters, useT } from '../i18n/index.js';
import { titlesMessages } from '../i18n/titles.js';
import { copyText } from './clipboard.js';
import { titleColumns } from './columns.js';
import { DetailsPane } from './DetailsPane.js';
import { describeTitleError } from './error-text.js';
import { FilterBar } from './FilterBar.js';
import type { FilterId } from './filters.js';
import { toTsv, type ColumnId, type RecordView } from './store.js';

export interface ResultsPanelProps {
  view: RecordView;
  version: number;
  /** Changes when another run is shown: selection and details reset. */
  runKey: string | null;
  running: boolean;
  /** The rows can be fetched again now (the run is not going, and this window owns it). */
  canRetry: boolean;
  onRetryRows: (indices: number[]) => void;
  onViewChange: () => void;
  onOpenExternal: (url: string) => void;
  filterRef: RefObject<HTMLInputElement | null>;
}

export const ResultsPanel = memo(function ResultsPanel(props: ResultsPanelProps) {
  const { view, version, onViewChange } = props;
  const t = useT(titlesMessages);
  const tc = useT(commonMessages);
  const format = useFormatters();
  const toast = useToast();

  const [query, setQuery] = useState(view.query);
  const [filters, setFilters] = useState<ReadonlySet<FilterId>>(view.filters);
  const [selection, setSelection] = useState<ReadonlySet<number>>(() => new Set());
  const [active, setActive] = useState<number | null>(null);
  const [anchor, setAnchor] = useState<number | null>(null);
  const [detailsOpen, setDetailsOpen] = useState(false);
  const [widths, setWidths] = useColumnWidths('titlewave.titles.columns');

  useEffect(() => {
    setSelection(new Set());
    setActive(null);
    setAnchor(null);
    setDetailsOpen(false);
  }, [props.runKey]);

  // Errors are matched by the filter box in the language they are shown in (and by their code).
  const errorText = useCallback((record: TitleRecord) => (record.error ? describeTitleError(t, record.error).text : null), [t]);
  useEffect(() => {
    view.setErrorText(errorText);
    onViewChange();
  }, [view, errorText, onViewChange]);

  // The filter runs a moment after typing stops: one pass over 100,000 rows per pause, not per key.
  useEffect(() => {
    const timer = setTimeout(() => {
      view.setQuery(query);
      onViewChange();
    }, 120);
    return () => clearTimeout(timer);
  }, [query, view, onViewChange]);

  useEffect(() => {
    view.setFilters(filters);
    onViewChange();
  }, [filters, view, onViewChange]);

  const toggleFilter = useCallback((filter: FilterId) => {
    setFilters((current) => {
      const next = new Set(current);
      if (next.has(filter)) next.delete(filter);
      else next.add(filter);
      return next;
    });
  }, []);
  const clearFilters = useCallback(() => setFilters(new Set()), []);

  const sortBy = useCallback(
    (column: string) => {
      const id = column as ColumnId;
      const current = view.sort;
      // Ascending, then descending, then back to input order.
      const next = current?.column !== id ? { column: id, direction: 'ascending' as const } : current.direction === 'ascending' ? { column: id, direction: 'descending' as const } : null;
      view.setSort(next);
      onViewChange();
    },
    [view, onViewChange],
  );

  const columns = useMemo(() => titleColumns({ t, format, errorText }), [t, format, errorText]);

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

  /** The selected rows the view still shows, in view order: what Copy and Retry take. */
  const selectedInView = useCallback(() => view.order.filter((index) => selection.has(index)), [view, selection]);

  const copySelected = useCallback(async () => {
    const rows = selectedInView().map((index) => view.records.get(index)!);
    if (rows.length === 0) return;
    const header = [t('colUrl'), t('colStatus'), t('colTitle'), t('colFinalUrl'), `${t('colTime')} (ms)`, t('colError')];
    try {
      await copyText(toTsv(rows, header, errorText));
      toast.show(t('copied', { count: rows.length, formatted: format.number(rows.length) }), 'success');
    } catch {
      toast.show(t('copyFailed'), 'error');
    }
  }, [view, selectedInView, t, toast, format, errorText]);

  const gridKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'c') {
      event.preventDefault();
      void copySelected();
    } else if (event.key === 'Enter' && activeIndex >= 0) {
      event.preventDefault();
      setDetailsOpen(true);
    }
  };

  // Selected rows the filters still show: the ones Copy and Retry take.
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
      <EmptyState title={query.trim() ? t('emptyFilterTitle', { query }) : t('emptyFiltersTitle')}>
        <p>{t('emptyFilterBody')}</p>
        <Button
          size="small"
          onClick={() => {
            setQuery('');
            clearFilters();
          }}
        >
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
        <div className="results__actions">
          {selectedVisible > 0 ? <span className="results__selected">{t('selectedCount', { count: selectedVisible, formatted: format.number(selectedVisible) })}</span> : null}
          {props.canRetry && selectedVisible > 0 ? (
            <Button size="small" needsHost onClick={() => props.onRetryRows(selectedInView())}>
              {t('retrySelected')}
            </Button>
          ) : null}
          <Button size="small" shortcut={`${modKey}+C`} disabled={selectedVisible === 0} onClick={() => void copySelected()}>
            {t('copy')}
          </Button>
        </div>
      </div>
      {total > 0 ? <FilterBar chosen={filters} count={(filter) => view.records.count(filter)} onToggle={toggleFilter} onClear={clearFilters} version={version} /> : null}
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
          columnWidths={widths}
          onColumnWidths={setWidths}
          resizeLabel={(header) => tc('resizeColumn', { column: header })}
        />
        {detailsOpen && activeRecord ? (
          <DetailsPane record={activeRecord} titleWidth={view.records.titleWidth(activeRecord)} onClose={() => setDetailsOpen(false)} onOpenExternal={props.onOpenExternal} />
        ) : null}
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
