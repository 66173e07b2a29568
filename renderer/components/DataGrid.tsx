/**
 * A virtualised data grid (role="grid"): only the rows in view (plus a few) are in the DOM, so 100,000 rows scroll
 * smoothly. The grid owns no data: the parent passes `rowCount`, `getRow` and a `version` that changes whenever rows
 * change, and keeps sorting, filtering and selection itself (so updates never copy the rows).
 *
 * Keyboard (the rows are one tab stop, the active row announced through aria-activedescendant; each sortable
 * header is a button of its own): arrows move, Shift+arrows extend the selection, Home/End/PageUp/PageDown jump,
 * Space toggles, Ctrl/Cmd+A selects all.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useId, useRef, type CSSProperties, type KeyboardEvent, type MouseEvent, type ReactNode } from 'react';

export type SortDirection = 'ascending' | 'descending';
export interface SortState {
  column: string;
  direction: SortDirection;
}

export interface GridColumn<Row> {
  id: string;
  header: string;
  /** CSS grid track, e.g. "80px" or "minmax(240px, 2fr)". */
  width: string;
  /** Smallest width in pixels (for the horizontal scroll extent). */
  minWidth: number;
  render: (row: Row) => ReactNode;
  /** Plain text for the cell's tooltip (shown when the cell is cut off). */
  text?: (row: Row) => string | null;
  sortable?: boolean;
  align?: 'start' | 'end';
}

export type SelectMode = 'replace' | 'toggle' | 'extend';

export interface DataGridProps<Row> {
  label: string;
  columns: readonly GridColumn<Row>[];
  rowCount: number;
  getRow: (viewIndex: number) => Row;
  /** A stable key per row (e.g. its record index). */
  getRowKey: (row: Row) => number;
  /** Changes whenever rows were added, changed or reordered. */
  version: number;
  sort: SortState | null;
  onSort?: (column: string) => void;
  isSelected: (row: Row) => boolean;
  /** The row the keyboard cursor is on (view index), or -1. */
  activeIndex: number;
  onSelect: (viewIndex: number, mode: SelectMode) => void;
  onSelectAll: () => void;
  onRowDoubleClick?: (viewIndex: number) => void;
  rowClassName?: (row: Row) => string | undefined;
  /** Shown instead of rows when rowCount is 0. */
  empty?: ReactNode;
  rowHeight?: number;
  /** Extra keys (e.g. Ctrl+C): called first; call preventDefault to stop the grid's own handling. */
  onKeyDown?: (event: KeyboardEvent<HTMLDivElement>) => void;
  sortLabels: { ascending: string; descending: string };
}

export function DataGrid<Row>(props: DataGridProps<Row>) {
  const { columns, rowCount, getRow, activeIndex, onSelect } = props;
  const rowHeight = props.rowHeight ?? 34;
  const gridId = useId();
  const scrollRef = useRef<HTMLDivElement>(null);
  const template = columns.map((column) => column.width).join(' ');
  const minWidth = columns.reduce((sum, column) => sum + column.minWidth, 0);

  const virtualizer = useVirtualizer({
    count: rowCount,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 12,
    // The sticky header sits above the first row inside the same scroller.
    scrollPaddingStart: rowHeight,
  });

  useEffect(() => {
    if (activeIndex >= 0 && activeIndex < rowCount) virtualizer.scrollToIndex(activeIndex, { align: 'auto' });
    // Only when the cursor moves: new rows arriving must not yank the view.
  }, [activeIndex]);

  const keyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    // Keys pressed on a header's sort button belong to the button.
    if (event.target !== event.currentTarget) return;
    props.onKeyDown?.(event);
    if (event.defaultPrevented || rowCount === 0) return;
    const mod = event.ctrlKey || event.metaKey;
    if (mod && event.key.toLowerCase() === 'a') {
      event.preventDefault();
      props.onSelectAll();
      return;
    }
    // Read here, not while rendering: a layout read in render forces a layout on every update.
    const pageRows = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? rowHeight * 10) / rowHeight) - 1);
    let next = activeIndex;
    switch (event.key) {
      case 'ArrowDown':
        next = activeIndex < 0 ? 0 : activeIndex + 1;
        break;
      case 'ArrowUp':
        next = activeIndex < 0 ? 0 : activeIndex - 1;
        break;
      case 'PageDown':
        next = Math.max(0, activeIndex) + pageRows;
        break;
      case 'PageUp':
        next = Math.max(0, activeIndex) - pageRows;
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = rowCount - 1;
        break;
      case ' ':
        if (activeIndex >= 0) {
          event.preventDefault();
          onSelect(activeIndex, 'toggle');
        }
        return;
      default:
        return;
    }
    event.preventDefault();
    next = Math.min(rowCount - 1, Math.max(0, next));
    onSelect(next, event.shiftKey ? 'extend' : 'replace');
  };

  const rowMouseDown = (viewIndex: number, event: MouseEvent) => {
    if (event.button !== 0) return;
    if (event.shiftKey) event.preventDefault(); // no text selection while extending
    onSelect(viewIndex, event.shiftKey ? 'extend' : event.ctrlKey || event.metaKey ? 'toggle' : 'replace');
  };

  const rowStyle = (start: number): CSSProperties => ({ gridTemplateColumns: template, height: rowHeight, transform: `translateY(${start}px)` });
  const items = virtualizer.getVirtualItems();

  return (
    <div
      ref={scrollRef}
      className="grid virtual-scroll"
      role="grid"
      aria-label={props.label}
      aria-rowcount={rowCount + 1}
      aria-colcount={columns.length}
      aria-multiselectable="true"
      aria-activedescendant={activeIndex >= 0 && activeIndex < rowCount ? `${gridId}-row-${activeIndex}` : undefined}
      tabIndex={0}
      onKeyDown={keyDown}
      data-version={props.version}
    >
      <div className="grid__inner" style={{ minWidth }}>
        <div className="grid__header" role="row" aria-rowindex={1} style={{ gridTemplateColumns: template, height: rowHeight }}>
          {columns.map((column) => {
            const sorted = props.sort?.column === column.id ? props.sort.direction : undefined;
            return (
              <div
                key={column.id}
                role="columnheader"
                aria-sort={sorted ?? (column.sortable ? 'none' : undefined)}
                className={`grid__headcell${column.align === 'end' ? ' grid__cell--end' : ''}`}
              >
                {column.sortable && props.onSort ? (
                  <button type="button" className="grid__sort" onClick={() => props.onSort?.(column.id)}>
                    <span className="grid__headtext">{column.header}</span>
                    <span className={`grid__sorticon${sorted ? ` grid__sorticon--${sorted}` : ''}`} aria-hidden="true" />
                    {sorted ? <span className="visually-hidden">{sorted === 'ascending' ? props.sortLabels.ascending : props.sortLabels.descending}</span> : null}
                  </button>
                ) : (
                  <span className="grid__headtext">{column.header}</span>
                )}
              </div>
            );
          })}
        </div>
        {rowCount === 0 ? (
          <div className="grid__empty">{props.empty}</div>
        ) : (
          <div className="grid__body" role="rowgroup" style={{ height: virtualizer.getTotalSize() }}>
            {items.map((item) => {
              const row = getRow(item.index);
              const selected = props.isSelected(row);
              const extra = props.rowClassName?.(row);
              return (
                <div
                  key={props.getRowKey(row)}
                  id={`${gridId}-row-${item.index}`}
                  role="row"
                  aria-rowindex={item.index + 2}
                  aria-selected={selected}
                  className={`virtual-row grid__row${item.index % 2 ? ' grid__row--odd' : ''}${selected ? ' grid__row--selected' : ''}${item.index === activeIndex ? ' grid__row--active' : ''}${extra ? ` ${extra}` : ''}`}
                  style={rowStyle(item.start)}
                  onMouseDown={(event) => rowMouseDown(item.index, event)}
                  onDoubleClick={() => props.onRowDoubleClick?.(item.index)}
                >
                  {columns.map((column) => (
                    <div key={column.id} role="gridcell" className={`grid__cell${column.align === 'end' ? ' grid__cell--end' : ''}`} title={column.text?.(row) ?? undefined}>
                      {column.render(row)}
                    </div>
                  ))}
                </div>
              );
            })}
          </div>
        )}
      </div>
    </div>
  );
}
