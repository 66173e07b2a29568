/**
 * "From sitemap…": a sitemap URL or file is read by the services (titles.expandSitemap, through the run settings'
 * proxy), and the dialog shows how many URLs it gave, from how many sitemaps, and what could not be read, before
 * anything is added to the list or started.
 */
import { useEffect, useId, useRef, useState } from 'react';
import type { SitemapExpansion, TitlesSettings } from '../../src/contract.js';
import { errorMessage, invoke } from '../api.js';
import { Button } from '../components/Button.js';
import { TextField } from '../components/Fields.js';
import { useFormatters, useLanguage, useT } from '../i18n/index.js';
import { titlesMessages } from '../i18n/titles.js';
import { sitemapProblemText } from './sitemap-text.js';

type Source = { url: string } | { file: { name: string; base64: string } };

type Phase = { kind: 'idle' } | { kind: 'reading' } | { kind: 'read'; result: SitemapExpansion } | { kind: 'failed'; message: string };

/** Problems shown in the dialog; the rest are counted. */
const SHOWN_PROBLEMS = 5;

export function SitemapDialog(props: {
  open: boolean;
  settings: TitlesSettings;
  /** The settings have a proxy URL to fix: nothing is read (it would not go through the proxy the user means). */
  blocked: boolean;
  onAdd: (result: SitemapExpansion) => void;
  onClose: () => void;
}) {
  const t = useT(titlesMessages);
  const format = useFormatters();
  const { language } = useLanguage();
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [url, setUrl] = useState('');
  const [file, setFile] = useState<{ name: string; base64: string } | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  /** Which reading is current: a result that comes after the dialog was closed or started again is dropped. */
  const reading = useRef(0);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    else if (!props.open && dialog.open) dialog.close();
    if (!props.open) {
      reading.current += 1;
      setPhase({ kind: 'idle' });
    }
  }, [props.open]);

  const urlProblem = url.trim() !== '' && !/^https?:\/\/\S+$/i.test(url.trim()) ? t('sitemapUrlError') : null;
  const source: Source | null = file !== null ? { file } : url.trim() !== '' && urlProblem === null ? { url: url.trim() } : null;

  const read = async (): Promise<void> => {
    if (source === null || phase.kind === 'reading' || props.blocked) return;
    const mine = ++reading.current;
    setPhase({ kind: 'reading' });
    try {
      const result = await invoke('titles.expandSitemap', { ...source, settings: props.settings });
      if (reading.current === mine) setPhase({ kind: 'read', result });
    } catch (error) {
      if (reading.current === mine) setPhase({ kind: 'failed', message: errorMessage(error) });
    }
  };

  const chooseFile = (): void => {
    // Straight from the click: browser mode needs the user activation to show its file picker.
    invoke('dialog.openSitemapFile').then(
      (picked) => {
        if (picked === null) return;
        setFile(picked);
        setUrl('');
        setPhase({ kind: 'idle' });
      },
      (error: unknown) => setPhase({ kind: 'failed', message: errorMessage(error) }),
    );
  };

  const result = phase.kind === 'read' ? phase.result : null;
  const problems = result?.problems ?? [];
  const hiddenProblems = problems.length - Math.min(problems.length, SHOWN_PROBLEMS) + (result?.moreProblems ?? 0);

  return (
    <dialog
      ref={ref}
      className="dialog sitemap-dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        props.onClose();
      }}
    >
      <h2 id={titleId} className="dialog__title">
        {t('sitemapTitle')}
      </h2>
      <p className="dialog__message">{t('sitemapIntro')}</p>
      <form
        className="sitemap-dialog__source"
        onSubmit={(event) => {
          event.preventDefault();
          void read();
        }}
      >
        <TextField
          label={t('sitemapUrl')}
          value={url}
          placeholder={t('sitemapUrlPlaceholder')}
          error={urlProblem}
          maxLength={8192}
          onChange={(value) => {
            setUrl(value);
            if (value !== '') setFile(null);
            if (phase.kind !== 'reading') setPhase({ kind: 'idle' });
          }}
        />
        <div className="sitemap-dialog__file">
          <span className="sitemap-dialog__or">{t('sitemapOr')}</span>
          <Button type="button" onClick={chooseFile} disabled={phase.kind === 'reading'}>
            {t('sitemapChooseFile')}
          </Button>
          {file !== null ? (
            <span className="sitemap-dialog__filename" title={file.name}>
              {t('sitemapFile', { name: file.name })}
            </span>
          ) : null}
        </div>
        <div className="sitemap-dialog__status" role="status" aria-live="polite">
          {props.blocked && phase.kind !== 'read' ? <span className="sitemap-dialog__error">{t('sitemapProxyInvalid')}</span> : null}
          {phase.kind === 'reading' ? <span className="count count--muted">{t('sitemapReading')}</span> : null}
          {phase.kind === 'failed' ? <span className="sitemap-dialog__error">{phase.message}</span> : null}
          {result !== null ? (
            <strong className="sitemap-dialog__found" data-testid="sitemap-found">
              {t('sitemapFound', { count: result.urls, formatted: format.number(result.urls), sitemaps: format.number(result.sitemaps), sitemapCount: result.sitemaps })}
            </strong>
          ) : null}
        </div>
        {problems.length > 0 ? (
          <div className="invalid-list sitemap-dialog__problems">
            <div className="invalid-list__heading">{t('sitemapProblems')}</div>
            <ul className="invalid-list__items">
              {problems.slice(0, SHOWN_PROBLEMS).map((problem, i) => (
                <li key={i} className="sitemap-dialog__problem">
                  <span className="invalid-list__text">{problem.sitemap}</span>
                  <span className="invalid-list__reason">{sitemapProblemText(problem.message, language)}</span>
                </li>
              ))}
              {hiddenProblems > 0 ? <li className="invalid-list__more">{t('sitemapMoreProblems', { count: hiddenProblems, formatted: format.number(hiddenProblems) })}</li> : null}
            </ul>
          </div>
        ) : null}
        <div className="dialog__actions">
          <Button type="button" onClick={props.onClose}>
            {result !== null ? t('sitemapClose') : t('sitemapCancel')}
          </Button>
          {result !== null && result.urls > 0 ? (
            <Button type="button" variant="primary" onClick={() => props.onAdd(result)}>
              {t('sitemapAdd', { count: result.urls, formatted: format.number(result.urls) })}
            </Button>
          ) : (
            <Button needsHost type="submit" variant="primary" disabled={source === null || phase.kind === 'reading' || props.blocked}>
              {phase.kind === 'reading' ? t('sitemapReading') : t('sitemapRead')}
            </Button>
          )}
        </div>
      </form>
    </dialog>
  );
}
