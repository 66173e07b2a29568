/** Everything known about one row: redirect chain, encoding and where it came from, head metadata, bytes, attempts. */
import type { ReactNode } from 'react';
import type { TitleRecord } from '../../src/titles/types.js';
import { isWebUrl } from '../api.js';
import { Button } from '../components/Button.js';
import { useFormatters, useT } from '../i18n/index.js';
import { titlesMessages } from '../i18n/titles.js';
import { describeTitleError, describeTitleWarning } from './error-text.js';
import { TITLE_MAX_CHARS, TITLE_MAX_PX, titleKey, titleLength } from './filters.js';

const sourceKey = { bom: 'sourceBom', http: 'sourceHttp', meta: 'sourceMeta', default: 'sourceDefault' } as const;

export function statusTone(status: number | null): string {
  if (status === null) return 'none';
  if (status < 300) return 'ok';
  if (status < 400) return 'redirect';
  if (status < 500) return 'client';
  return 'server';
}

export function DetailsPane(props: {
  record: TitleRecord;
  /** The title's width in the result-title font, NaN when not measured. */
  titleWidth: number;
  onClose: () => void;
  onOpenExternal: (url: string) => void;
}) {
  const t = useT(titlesMessages);
  const format = useFormatters();
  const { record } = props;
  const error = record.error ? describeTitleError(t, record.error) : null;
  const warning = record.warning ? describeTitleWarning(t, record.warning) : null;
  const title = titleKey(record);
  const length = title === null ? 0 : titleLength(title);
  const target = isWebUrl(record.finalUrl) ? record.finalUrl : isWebUrl(record.url) ? record.url : null;
  const text = (value: string | null) => (value === null || value === '' ? <span className="muted">{t('none')}</span> : value);
  const row = (label: string, value: ReactNode, className?: string) => (
    <div className={`details__row${className ? ` ${className}` : ''}`}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );

  return (
    <aside className="details" aria-label={t('detailsLabel')}>
      <div className="details__header">
        <h3 className="details__heading">{t('detailsLabel')}</h3>
        <button type="button" className="icon-button" aria-label={t('closeDetails')} onClick={props.onClose}>
          ×
        </button>
      </div>
      <div className="details__body">
        <p className="details__title">{record.title ?? <span className="muted">{t('noTitle')}</span>}</p>
        {title !== null ? (
          <p className="details__measure">
            <span className={length > TITLE_MAX_CHARS ? 'details__over' : undefined}>{t('titleChars', { count: length, formatted: format.number(length) })}</span>
            {Number.isFinite(props.titleWidth) ? (
              <span className={props.titleWidth > TITLE_MAX_PX ? 'details__over' : undefined}>{t('titlePixels', { value: format.number(Math.round(props.titleWidth)) })}</span>
            ) : null}
          </p>
        ) : null}
        <p className="details__url">{record.url}</p>
        {target ? (
          <Button size="small" onClick={() => props.onOpenExternal(target)}>
            {t('openInBrowser')} ↗
          </Button>
        ) : null}
        <dl className="details__list">
          {record.error && error ? (
            <>
              {row(
                t('detailError'),
                <span className="details__error">
                  {error.text} <code className="details__code">{record.error.code}</code>
                </span>,
              )}
              {error.detail !== null ? row(t('detailErrorDetail'), <span className="details__detail">{error.detail}</span>, 'details__row--break') : null}
            </>
          ) : null}
          {record.warning && warning ? (
            <>
              {row(
                t('detailWarning'),
                <span className="details__warning">
                  {warning.text} <code className="details__code">{record.warning.code}</code>
                </span>,
              )}
              {warning.detail !== null ? row(t('detailErrorDetail'), <span className="details__detail">{warning.detail}</span>, 'details__row--break') : null}
            </>
          ) : null}
          {record.rendered ? row(t('detailRendered'), record.renderMs === null ? t('renderedIn', { duration: '—' }) : t('renderedIn', { duration: format.duration(record.renderMs) })) : null}
          {record.rendered ? row(t('detailStaticTitle'), text(record.staticTitle)) : null}
          {row(t('detailStatus'), record.status === null ? text(null) : <span className={`status status--${statusTone(record.status)}`}>{record.status}</span>)}
          {row(t('detailFinalUrl'), text(record.finalUrl), 'details__row--break')}
          {row(
            t('detailRedirects'),
            record.redirects.length === 0 ? (
              <span className="muted">{t('detailNoRedirects')}</span>
            ) : (
              <ol className="details__redirects">
                {record.redirects.map((hop, i) => (
                  <li key={i}>
                    <span className="status status--redirect">{hop.status}</span> <span className="details__hop">{hop.url}</span>
                  </li>
                ))}
              </ol>
            ),
            'details__row--break',
          )}
          {row(
            t('detailEncoding'),
            record.encoding === null ? text(null) : record.encodingSource ? t('encodingFrom', { encoding: record.encoding, source: t(sourceKey[record.encodingSource]) }) : record.encoding,
          )}
          {row(t('detailOgTitle'), text(record.ogTitle))}
          {row(t('detailDescription'), text(record.description))}
          {row(t('detailCanonical'), text(record.canonical), 'details__row--break')}
          {row(t('detailLang'), text(record.lang))}
          {row(t('detailContentType'), text(record.contentType))}
          {row(t('detailBytes'), format.bytes(record.bytes))}
          {row(t('detailTime'), format.duration(record.durationMs))}
          {row(t('detailAttempts'), format.number(record.attempts))}
        </dl>
      </div>
    </aside>
  );
}
