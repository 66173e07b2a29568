/** Where images come in: drop folders and files (on the whole tab), choose them with a dialog, or type a path; then what was found. */
import { useId, useState } from 'react';
import type { ThumbsScanResult } from '../../src/contract.js';
import { errorMessage, invoke } from '../api.js';
import { Button } from '../components/Button.js';
import { useToast } from '../components/Toasts.js';
import { useFormatters, useT } from '../i18n/index.js';
import { thumbsMessages } from '../i18n/thumbs.js';
import { skipReasonText } from './error-text.js';
import { baseName, dirName } from './paths.js';

/** The engine's skip reasons (stable strings, src/thumbs/scan.ts) in the user's language; others as they are. */
const maxSkippedShown = 500;

export type ScanState = { status: 'idle' } | { status: 'scanning' } | { status: 'done'; result: ThumbsScanResult } | { status: 'failed'; message: string };

export function InputsPanel(props: {
  paths: string[];
  onAdd: (paths: string[]) => void;
  onRemove: (path: string) => void;
  onClear: () => void;
  scan: ScanState;
  nativeDialogs: boolean;
  disabled: boolean;
  /** Files are being dragged over the tab (the drop target is the whole tab). */
  dragging: boolean;
  droppedWithoutPaths: boolean;
  onDismissNotice: () => void;
}) {
  const t = useT(thumbsMessages);
  const format = useFormatters();
  const toast = useToast();
  const titleId = useId();
  const [draft, setDraft] = useState('');
  const [showSkipped, setShowSkipped] = useState(false);

  const addDraft = () => {
    const entered = draft
      .split(/\r?\n/)
      .map((line) => line.trim().replace(/^(["'])(.*)\1$/, '$2'))
      .filter((line) => line !== '');
    if (entered.length === 0) return;
    props.onAdd(entered);
    setDraft('');
    props.onDismissNotice();
  };

  const choose = async (folders: boolean) => {
    try {
      const chosen = await invoke('dialog.choosePaths', { folders });
      if (chosen && chosen.length > 0) props.onAdd(chosen);
    } catch (error) {
      toast.show(t('commandFailed', { what: folders ? t('chooseFolder') : t('chooseFiles'), message: errorMessage(error) }), 'error');
    }
  };

  const result = props.scan.status === 'done' ? props.scan.result : null;

  return (
    <section className="thumbs-card thumbs-inputs" aria-labelledby={titleId}>
      <h2 className="thumbs-card__title" id={titleId}>
        {t('inputsTitle')}
      </h2>
      <div className="thumbs-drop" data-dragging={props.dragging}>
        <svg className="thumbs-drop__icon" viewBox="0 0 24 24" aria-hidden="true">
          <path d="M4 5.5A1.5 1.5 0 0 1 5.5 4h4l2 2h7A1.5 1.5 0 0 1 20 7.5v11a1.5 1.5 0 0 1-1.5 1.5h-13A1.5 1.5 0 0 1 4 18.5z" />
          <path d="M12 10v6M9 13l3-3 3 3" />
        </svg>
        <p className="thumbs-drop__title">{props.dragging ? t('dropActive') : t('dropTitle')}</p>
        <p className="thumbs-drop__body">{props.nativeDialogs ? t('dropBody') : t('dropBodyBrowser')}</p>
        {props.nativeDialogs ? (
          <div className="thumbs-drop__actions">
            <Button needsHost size="small" onClick={() => void choose(true)} disabled={props.disabled}>
              {t('chooseFolder')}
            </Button>
            <Button needsHost size="small" onClick={() => void choose(false)} disabled={props.disabled}>
              {t('chooseFiles')}
            </Button>
          </div>
        ) : null}
      </div>

      {props.droppedWithoutPaths ? (
        <p className="thumbs-notice" role="alert">
          {t('droppedNoPath')}
        </p>
      ) : null}

      <form
        className="thumbs-path"
        onSubmit={(event) => {
          event.preventDefault();
          addDraft();
        }}
      >
        <label className="field__label" htmlFor={`${titleId}-path`}>
          {t('pathLabel')}
        </label>
        <div className="thumbs-path__row">
          <input
            id={`${titleId}-path`}
            className="input"
            value={draft}
            placeholder={t('pathPlaceholder')}
            spellCheck={false}
            autoComplete="off"
            maxLength={4096 * 4}
            disabled={props.disabled}
            onChange={(event) => setDraft(event.target.value)}
            onPaste={(event) => {
              // Several pasted lines are several paths: add them at once.
              const text = event.clipboardData.getData('text');
              if (/\r?\n/.test(text.trim())) {
                event.preventDefault();
                props.onAdd(
                  text
                    .split(/\r?\n/)
                    .map((line) => line.trim())
                    .filter(Boolean),
                );
              }
            }}
          />
          <Button needsHost type="submit" disabled={props.disabled || draft.trim() === ''}>
            {t('add')}
          </Button>
        </div>
      </form>

      {props.paths.length > 0 ? (
        <div className="thumbs-inputs__list-wrap">
          <ul className="boxed-list thumbs-inputs__list" aria-label={t('inputsTitle')}>
            {props.paths.map((path) => (
              <li key={path} className="thumbs-inputs__item">
                <span className="thumbs-inputs__name" title={path}>
                  <span className="thumbs-inputs__base">{baseName(path)}</span>
                  <span className="thumbs-inputs__dir">{dirName(path)}</span>
                </span>
                <button
                  type="button"
                  className="icon-button"
                  aria-label={t('remove', { name: baseName(path) })}
                  disabled={props.disabled}
                  onClick={() => props.onRemove(path)}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
          <div className="thumbs-scan" role="status">
            {props.scan.status === 'scanning' ? <span className="thumbs-scan__busy">{t('scanning')}</span> : null}
            {props.scan.status === 'failed' ? <span className="thumbs-scan__error">{t('scanFailed', { message: props.scan.message })}</span> : null}
            {result ? (
              <>
                <span className="thumbs-scan__found">{t('found', { count: format.number(result.images.length) })}</span>
                {result.skipped.length > 0 ? (
                  <button
                    type="button"
                    className="link-button"
                    aria-expanded={showSkipped}
                    title={showSkipped ? t('hideSkipped') : t('showSkipped')}
                    onClick={() => setShowSkipped((v) => !v)}
                  >
                    {t('skippedCount', { count: format.number(result.skipped.length) })}
                    <span className={`chevron${showSkipped ? ' chevron--open' : ''}`} aria-hidden="true" />
                  </button>
                ) : null}
              </>
            ) : null}
            <button type="button" className="link-button thumbs-scan__clear" onClick={props.onClear} disabled={props.disabled}>
              {t('clearInputs')}
            </button>
          </div>
          {result && showSkipped && result.skipped.length > 0 ? (
            <ul className="thumbs-skipped" aria-label={t('skippedCount', { count: format.number(result.skipped.length) })}>
              {result.skipped.slice(0, maxSkippedShown).map((entry, index) => {
                return (
                  <li key={index} className="thumbs-skipped__item">
                    <span className="thumbs-skipped__name" title={entry.path}>
                      {baseName(entry.path)}
                    </span>
                    <span className="thumbs-skipped__reason">{skipReasonText(t, entry.reason)}</span>
                  </li>
                );
              })}
              {result.skipped.length > maxSkippedShown ? (
                <li className="thumbs-skipped__more">{t('moreSkipped', { count: format.number(result.skipped.length - maxSkippedShown) })}</li>
              ) : null}
            </ul>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
