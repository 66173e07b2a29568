/**
 * A virtualised data grid (role="grid"): only the rows in view (plus a few) are in the DOM, so 100,000 rows scroll
 * smoothly. The grid owns no data: the parent passes `rowCount`, `getRow` and a `version` that changes whenever rows
 * change, and keeps sorting, filtering and selection itself (so updates never copy the rows).
 *
 * Keyboard (the rows are one tab stop, the active row announced through aria-activedescendant; each sortable
 * header is a button of its own, filling its cell): arrows move, Shift+arrows extend the selection,
 * Home/End/PageUp/PageDown jump, Space toggles, Ctrl/Cmd+A selects all.
 *
 * Resizable columns (`columnWidths` + `onColumnWidths`): each column gets its share of the grid's width in proportion
 * to its width, never less than its minWidth, so the grid always fits its box (opening a pane beside it narrows the
 * columns rather than pushing some out of view). Dragging the edge between two columns (or the arrow keys on it)
 * moves width from one to the other; a double click gives every column its default width again.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useId, useRef, type CSSProperties, type KeyboardEvent, type MouseEvent, type PointerEvent, type ReactNode } from 'react';

export type SortDirection = 'ascending' | 'descending';
export interface SortState {
  column: string;
  direction: SortDirection;
}

export interface GridColumn<Row> {
  id: string;
  header: string;
  /**
   * CSS grid track, e.g. "80px" or "minmax(240px, 2fr)"; with resizable columns, the default width in pixels (the
   * column's share of the grid is in proportion to it).
   */
  width: string | number;
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
  /**
   * Rows grow to fit their cells, which wrap instead of cutting their text (each row is measured once shown);
   * `rowHeight` is then the smallest height, and `estimateRowHeight` guesses a row's height before it is measured.
   */
  wrap?: boolean;
  estimateRowHeight?: (viewIndex: number) => number;
  /** Extra keys (e.g. Ctrl+C): called first; call preventDefault to stop the grid's own handling. */
  onKeyDown?: (event: KeyboardEvent<HTMLDivElement>) => void;
  sortLabels: { ascending: string; descending: string };
  /** Resizable columns: the widths the user gave (by column id; a missing one has its default). */
  columnWidths?: Readonly<Record<string, number>>;
  /** A new width for every column, or null to give every column its default width again. */
  onColumnWidths?: (widths: Record<string, number> | null) => void;
  /** The accessible name of a column's resize handle, e.g. "Resize URL". */
  resizeLabel?: (header: string) => string;
}

/** Keyboard steps on a resize handle, in pixels. */
const resizeStep = 16;

/**
 * Widths after moving the edge between column `index` and the next one by `delta` pixels: what one gains the other
 * loses, neither below its minimum.
 */
export function resizePair(widths: readonly number[], minimums: readonly number[], index: number, delta: number): number[] {
  const next = [...widths];
  const right = index + 1;
  if (right >= widths.length) return next;
  const clamped = Math.max(minimums[index]! - widths[index]!, Math.min(delta, widths[right]! - minimums[right]!));
  next[index] = widths[index]! + clamped;
  next[right] = widths[right]! - clamped;
  return next;
}

export function DataGrid<Row>(props: DataGridProps<Row>) {
  const { columns, rowCount, getRow, activeIndex, onSelect } = props;
  const rowHeight = props.rowHeight ?? 34;
  const gridId = useId();
  const scrollRef = useRef<HTMLDivElement>(null);
  const headerRef = useRef<HTMLDivElement>(null);
  const resizable = props.onColumnWidths !== undefined;
  const widthOf = (column: GridColumn<Row>): number => {
    const given = props.columnWidths?.[column.id];
    return given !== undefined && Number.isFinite(given) && given > 0 ? given : typeof column.width === 'number' ? column.width : column.minWidth;
  };
  const template = columns
    .map((column) => (resizable || typeof column.width === 'number' ? `minmax(${column.minWidth}px, ${widthOf(column).toFixed(1)}fr)` : column.width))
    .join(' ');
  const minWidth = columns.reduce((sum, column) => sum + column.minWidth, 0);

  /** The columns' widths as laid out now, by the header cells. */
  const measured = (): number[] => {
    const cells = headerRef.current ? [...headerRef.current.children] : [];
    return columns.map((column, i) => cells[i]?.getBoundingClientRect().width ?? widthOf(column));
  };
  const widthsRecord = (widths: readonly number[]): Record<string, number> => Object.fromEntries(columns.map((column, i) => [column.id, Math.round(widths[i]! * 10) / 10]));
  const minimums = columns.map((column) => column.minWidth);

  const startResize = (index: number, event: PointerEvent<HTMLDivElement>) => {
    if (event.button !== 0 || !props.onColumnWidths) return;
    event.preventDefault();
    event.stopPropagation();
    const handle = event.currentTarget;
    const start = measured();
    const startX = event.clientX;
    handle.setPointerCapture(event.pointerId);
    const move = (moveEvent: globalThis.PointerEvent) => props.onColumnWidths?.(widthsRecord(resizePair(start, minimums, index, moveEvent.clientX - startX)));
    const end = () => {
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', end);
      handle.removeEventListener('pointercancel', end);
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', end);
    handle.addEventListener('pointercancel', end);
  };

  const resizeKey = (index: number, event: KeyboardEvent<HTMLDivElement>) => {
    const delta = event.key === 'ArrowLeft' ? -resizeStep : event.key === 'ArrowRight' ? resizeStep : 0;
    if (delta === 0 || !props.onColumnWidths) return;
    event.preventDefault();
    event.stopPropagation();
    props.onColumnWidths(widthsRecord(resizePair(measured(), minimums, index, delta)));
  };

  const wrap = props.wrap === true;
  const estimateRowHeight = props.estimateRowHeight;
  const virtualizer = useVirtualizer({
    count: rowCount,
    getScrollElement: () => scrollRef.current,
    estimateSize: (index) => (wrap && estimateRowHeight ? Math.max(rowHeight, estimateRowHeight(index)) : rowHeight),
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

  const rowStyle = (start: number): CSSProperties =>
    wrap ? { gridTemplateColumns: template, minHeight: rowHeight, transform: `translateY(${start}px)` } : { gridTemplateColumns: template, height: rowHeight, transform: `translateY(${start}px)` };
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
        <div className="grid__header" role="row" aria-rowindex={1} style={{ gridTemplateColumns: template, height: rowHeight }} ref={headerRef}>
          {columns.map((column, index) => {
            const sorted = props.sort?.column === column.id ? props.sort.direction : undefined;
            const sortable = column.sortable && props.onSort;
            return (
              <div
                key={column.id}
                role="columnheader"
                aria-sort={sorted ?? (column.sortable ? 'none' : undefined)}
                className={`grid__headcell${sortable ? ' grid__headcell--sortable' : ''}${column.align === 'end' ? ' grid__cell--end' : ''}`}
              >
                {sortable ? (
                  <button type="button" className="grid__sort" onClick={() => props.onSort?.(column.id)}>
                    <span className="grid__headtext">{column.header}</span>
                    <span className={`grid__sorticon${sorted ? ` grid__sorticon--${sorted}` : ''}`} aria-hidden="true" />
                    {sorted ? <span className="visually-hidden">{sorted === 'ascending' ? props.sortLabels.ascending : props.sortLabels.descending}</span> : null}
                  </button>
                ) : (
                  <span className="grid__headtext">{column.header}</span>
                )}
                {resizable && index < columns.length - 1 ? (
                  <div
                    className="grid__resize"
                    role="separator"
                    aria-orientation="vertical"
                    aria-label={props.resizeLabel ? props.resizeLabel(column.header) : column.header}
                    aria-valuemin={column.minWidth}
                    aria-valuenow={Math.round(widthOf(column))}
                    tabIndex={0}
                    onPointerDown={(event) => startResize(index, event)}
                    onKeyDown={(event) => resizeKey(index, event)}
                    onDoubleClick={() => props.onColumnWidths?.(null)}
                    onClick={(event) => event.stopPropagation()}
                  />
                ) : null}
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
                  ref={wrap ? virtualizer.measureElement : undefined}
                  data-index={item.index}
                  id={`${gridId}-row-${item.index}`}
                  role="row"
                  aria-rowindex={item.index + 2}
                  aria-selected={selected}
                  className={`virtual-row grid__row${wrap ? ' grid__row--wrap' : ''}${item.index % 2 ? ' grid__row--odd' : ''}${selected ? ' grid__row--selected' : ''}${item.index === activeIndex ? ' grid__row--active' : ''}${extra ? ` ${extra}` : ''}`}
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
