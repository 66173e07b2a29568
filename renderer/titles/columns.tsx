/**
 * The results grid's columns, in one list (add a column here): header, default and smallest width, how a cell
 * shows, and its tooltip text. Widths are the user's once they resize (remembered per column id).
 */
import type { ReactNode } from 'react';
import type { RecordError, TitleRecord, TitleWarningCode } from '../../src/titles/types.js';
import type { GridColumn } from '../components/DataGrid.js';
import type { Formatters, Translator } from '../i18n/index.js';
import type { titlesMessages } from '../i18n/titles.js';
import { statusTone } from './DetailsPane.js';
import { describeTitleWarning } from './error-text.js';
import type { ColumnId } from './store.js';
import { urlDisplay } from './url-display.js';
import { UrlText } from './UrlText.js';

type T = Translator<(typeof titlesMessages)['en']>;

export interface ColumnContext {
  t: T;
  format: Formatters;
  /** A record's error in the user's language. */
  errorText: (record: TitleRecord) => string | null;
}

export type TitleColumn = GridColumn<TitleRecord> & { id: ColumnId };

/** The words of a render warning's marker in the grid: a title column is narrow. */
const warningMarkerKeys: Record<TitleWarningCode, 'warnMarkerRENDER_UNSETTLED' | 'warnMarkerRENDER_FAILED' | 'warnMarkerRENDER_UNAVAILABLE'> = {
  RENDER_UNSETTLED: 'warnMarkerRENDER_UNSETTLED',
  RENDER_FAILED: 'warnMarkerRENDER_FAILED',
  RENDER_UNAVAILABLE: 'warnMarkerRENDER_UNAVAILABLE',
};

export function titleColumns({ t, format, errorText }: ColumnContext): TitleColumn[] {
  /** A render warning's marker beside the title; its sentence on hover (and in the details). */
  const warningMarker = (warning: RecordError): ReactNode => {
    const text = describeTitleWarning(t, warning);
    const key = Object.hasOwn(warningMarkerKeys, warning.code) ? warningMarkerKeys[warning.code as TitleWarningCode] : null;
    return (
      <span className="rendered-marker rendered-marker--warning" title={text.text}>
        {key === null ? text.label : t(key)}
      </span>
    );
  };
  return [
    {
      id: 'url',
      header: t('colUrl'),
      width: 260,
      minWidth: 120,
      sortable: true,
      render: (r) => <UrlText className="cell-url" url={r.url} />,
      text: (r) => r.url,
    },
    {
      id: 'status',
      header: t('colStatus'),
      width: 96,
      minWidth: 84,
      sortable: true,
      align: 'end',
      render: (r) => (r.status === null ? <span className="muted">{t('none')}</span> : <span className={`status status--${statusTone(r.status)}`}>{r.status}</span>),
    },
    {
      id: 'title',
      header: t('colTitle'),
      width: 320,
      minWidth: 140,
      sortable: true,
      // The title gives way (cut with an ellipsis) before its markers do.
      render: (r) => (
        <span className="title-cell">
          {r.title === null ? <span className="muted">{t('noTitle')}</span> : <span className="cell-title">{r.title}</span>}
          {r.rendered ? (
            <span className="rendered-marker" title={t('renderedMarkerHint')}>
              {t('renderedMarker')}
            </span>
          ) : null}
          {r.warning !== null ? warningMarker(r.warning) : null}
        </span>
      ),
      text: (r) => r.title,
    },
    {
      id: 'finalUrl',
      header: t('colFinalUrl'),
      width: 200,
      minWidth: 100,
      sortable: true,
      render: (r) => (r.finalUrl === null ? null : <UrlText className="cell-url" url={r.finalUrl} />),
      text: (r) => (r.finalUrl === null ? null : urlDisplay(r.finalUrl)),
    },
    { id: 'time', header: t('colTime'), width: 84, minWidth: 78, sortable: true, align: 'end', render: (r) => <span className="cell-num">{format.duration(r.durationMs)}</span> },
    {
      id: 'error',
      header: t('colError'),
      width: 180,
      minWidth: 100,
      sortable: true,
      render: (r) => (r.error ? <span className="cell-error">{errorText(r)}</span> : null),
      text: (r) => errorText(r),
    },
  ];
}
