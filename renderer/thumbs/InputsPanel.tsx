/** Where images come in: drop folders and files (on the whole tab), choose them with a dialog, or type a path; then what was found. */
import { useId, useState } from 'react';
import type { ThumbsScanResult } from '../../src/contract.js';
import { errorMessage, invoke } from '../api.js';
import { Button } from '../components/Button.js';
import { useToast } from '../components/Toasts.js';
import { useFormatters, useT } from '../i18n/index.js';
import { thumbsMessages } from '../i18n/thumbs.js';
import { skipReasonText } from './error-text.js';
import { FolderPicker } from './FolderPicker.js';
import { baseName, dirName, expandHome } from './paths.js';

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
  /** Names of dropped items the host could not give a path for (browser mode), or null. */
  droppedWithoutPaths: string[] | null;
  onDismissNotice: () => void;
  /** The home folder of the machine Titlewave runs on: a typed "~/…" starts there. */
  home: string | null;
}) {
  const t = useT(thumbsMessages);
  const format = useFormatters();
  const toast = useToast();
  const titleId = useId();
  const [draft, setDraft] = useState('');
  const [showSkipped, setShowSkipped] = useState(false);
  const [browsing, setBrowsing] = useState(false);

  /** Typed or pasted lines as paths: quotes around a path dropped, "~" as the home folder. */
  const pathsOf = (text: string) =>
    text
      .split(/\r?\n/)
      .map((line) => expandHome(line.trim().replace(/^(["'])(.*)\1$/, '$2'), props.home))
      .filter((line) => line !== '');

  const addDraft = () => {
    const entered = pathsOf(draft);
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
  // What became of each path, once the scan of exactly these paths is in (the list may have changed since).
  const given = result && result.given.length === props.paths.length ? result.given : null;
  const statusOf = (index: number): { text: string; problem: boolean } | null => {
    const entry = given?.[index];
    if (!entry) return null;
    if (entry.problem !== null) {
      return { text: skipReasonText(t, entry.problem), problem: true };
    }
    if (entry.images === 0) return { text: t('pathNoImages'), problem: true };
    return { text: t('browseImages', { count: format.number(entry.images) }), problem: false };
  };

  return (
    <section className="thumbs-card thumbs-inputs" aria-labelledby={titleId}>
      <h2 className="thumbs-card__title" id={titleId}>
        {t('inputsTitle')}
      </h2>
      {props.nativeDialogs ? (
        <div className="thumbs-drop" data-dragging={props.dragging}>
          <svg className="thumbs-drop__icon" viewBox="0 0 24 24" aria-hidden="true">
            <path d="M4 5.5A1.5 1.5 0 0 1 5.5 4h4l2 2h7A1.5 1.5 0 0 1 20 7.5v11a1.5 1.5 0 0 1-1.5 1.5h-13A1.5 1.5 0 0 1 4 18.5z" />
            <path d="M12 10v6M9 13l3-3 3 3" />
          </svg>
          <p className="thumbs-drop__title">{props.dragging ? t('dropActive') : t('dropTitle')}</p>
          <p className="thumbs-drop__body">{t('dropBody')}</p>
          <div className="thumbs-drop__actions">
            <Button needsHost size="small" onClick={() => void choose(true)} disabled={props.disabled}>
              {t('chooseFolder')}
            </Button>
            <Button needsHost size="small" onClick={() => void choose(false)} disabled={props.disabled}>
              {t('chooseFiles')}
            </Button>
          </div>
        </div>
      ) : (
        // A browser gives the page no paths, not of a chosen folder nor of a dropped file: the folders are browsed
        // through Titlewave instead, and the box says what a drop cannot do here.
        <div className="thumbs-drop thumbs-drop--browser" data-dragging={props.dragging}>
          <svg className="thumbs-drop__icon" viewBox="0 0 24 24" aria-hidden="true">
            <path d="M4 5.5A1.5 1.5 0 0 1 5.5 4h4l2 2h7A1.5 1.5 0 0 1 20 7.5v11a1.5 1.5 0 0 1-1.5 1.5h-13A1.5 1.5 0 0 1 4 18.5z" />
          </svg>
          <p className="thumbs-drop__title">{props.dragging ? t('dropRefusedBrowser') : t('browseBoxTitle')}</p>
          <p className="thumbs-drop__body">{t('browseBoxBody')}</p>
          <div className="thumbs-drop__actions">
            <Button needsHost size="small" onClick={() => setBrowsing(true)} disabled={props.disabled}>
              {t('browseFoldersButton')}
            </Button>
          </div>
        </div>
      )}

      {props.droppedWithoutPaths ? (
        <p className="thumbs-notice" role="alert">
          {t('droppedNoPath', { name: props.droppedWithoutPaths[0] ?? '', more: Math.max(0, props.droppedWithoutPaths.length - 1) })}
        </p>
      ) : null}

      <FolderPicker
        open={browsing}
        onClose={() => setBrowsing(false)}
        onChoose={(path) => {
          setBrowsing(false);
          props.onAdd([path]);
          props.onDismissNotice();
        }}
      />

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
                props.onAdd(pathsOf(text));
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
            {props.paths.map((path, index) => {
              const status = statusOf(index);
              return (
                <li key={path} className="thumbs-inputs__item" data-problem={status?.problem || undefined}>
                  <span className="thumbs-inputs__name" title={path}>
                    <span className="thumbs-inputs__base">{baseName(path)}</span>
                    <span className="thumbs-inputs__dir">{dirName(path)}</span>
                  </span>
                  {status ? (
                    <span className={`thumbs-inputs__status${status.problem ? ' thumbs-inputs__status--problem' : ''}`} data-testid="thumbs-path-status">
                      {status.text}
                    </span>
                  ) : null}
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
              );
            })}
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
