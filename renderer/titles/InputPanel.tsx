/**
 * The "New run" panel: the URL list (paste, drop files, Open…), the live valid/invalid/duplicate count with the
 * invalid lines pointed out (click one to jump to it), the settings, and Start.
 */
import { memo, useEffect, useId, useMemo, useRef, useState, type ClipboardEvent, type ReactNode, type RefObject } from 'react';
import type { TitlesSettings } from '../../src/contract.js';
import { proxySettingProblem } from '../../src/titles/list-settings.js';
import { BulkSummary } from '../components/BulkSummary.js';
import { Button, modKey } from '../components/Button.js';
import { useFormatters, useT } from '../i18n/index.js';
import { titlesMessages } from '../i18n/titles.js';
import { invalidReasonText } from './error-text.js';
import type { InputAnalysis } from './analysis.js';
import { SettingsPanel, settingsValid } from './SettingsPanel.js';

/** Select line `lineNumber` (1-based) of a textarea and scroll it into view. */
export function jumpToLine(textarea: HTMLTextAreaElement, lineNumber: number): void {
  const text = textarea.value;
  let start = 0;
  for (let line = 1; line < lineNumber; line++) {
    const next = text.indexOf('\n', start);
    if (next === -1) break;
    start = next + 1;
  }
  let end = text.indexOf('\n', start);
  if (end === -1) end = text.length;
  textarea.focus();
  textarea.setSelectionRange(start, end);
  const lineHeight = Number.parseFloat(getComputedStyle(textarea).lineHeight) || 20;
  textarea.scrollTop = Math.max(0, (lineNumber - 1) * lineHeight - textarea.clientHeight / 3);
}

/** Pastes at least this long skip the browser's slow editing path. */
const largePaste = 100_000;
/**
 * Lists at least this long are summarised instead of laid out in the text box: Chromium needs about a second to lay
 * out 20,000 lines of a textarea, on every change. The user can still ask for the full text.
 */
export const bulkChars = 200_000;
const previewLines = 6;

function lineCount(text: string): number {
  let lines = text.length > 0 ? 1 : 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines++;
  return text.endsWith('\n') ? lines - 1 : lines;
}

function firstLines(text: string, count: number): string {
  let end = -1;
  for (let i = 0; i < count; i++) {
    const next = text.indexOf('\n', end + 1);
    if (next === -1) return text;
    end = next;
  }
  return text.slice(0, end);
}

export const InputPanel = memo(function InputPanel(props: {
  text: string;
  onTextChange: (text: string) => void;
  analysis: InputAnalysis;
  settings: TitlesSettings;
  onSettingsChange: (settings: TitlesSettings) => void;
  onOpen: () => void;
  /** "From sitemap…": the dialog that reads a sitemap's URLs into the list. */
  onFromSitemap: () => void;
  onStart: () => void;
  starting: boolean;
  textareaRef: RefObject<HTMLTextAreaElement | null>;
  dragging: boolean;
  /** Where the run goes (this computer or a Redis queue), shown under the settings. */
  runOn?: ReactNode;
}) {
  const t = useT(titlesMessages);
  const format = useFormatters();
  const { analysis } = props;
  const textareaId = useId();
  const countsId = useId();
  const invalidListRef = useRef<HTMLDivElement>(null);
  const hiddenInvalid = analysis.invalidCount - analysis.invalid.length;
  const labelId = `${textareaId}-label`;

  const [editLarge, setEditLarge] = useState(false);
  const large = props.text.length >= bulkChars;
  const bulk = large && !editLarge;
  useEffect(() => {
    if (!large) setEditLarge(false);
  }, [large]);
  const bulkInfo = useMemo(
    () => (bulk ? { lines: lineCount(props.text), bytes: new TextEncoder().encode(props.text).length, preview: firstLines(props.text, previewLines) } : null),
    [bulk, props.text],
  );

  const pasteInto = (event: ClipboardEvent<HTMLElement>, current: string, start: number, end: number): number | null => {
    // Chromium's own paste of a big list into a textarea blocks the window for about a second per 20,000 lines
    // (editing and undo bookkeeping); setting the value directly costs a tenth of that. Small pastes keep the
    // native path (and its undo).
    const pasted = event.clipboardData.getData('text/plain');
    if (pasted.length < largePaste && !bulk) return null;
    event.preventDefault();
    const inserted = pasted.replace(/\r\n?/g, '\n');
    props.onTextChange(current.slice(0, start) + inserted + current.slice(end));
    return start + inserted.length;
  };

  const jump = (lineNumber: number) => {
    if (bulk) {
      // The line is in the text the box does not show: show it in full first.
      setEditLarge(true);
      setTimeout(() => {
        if (props.textareaRef.current) jumpToLine(props.textareaRef.current, lineNumber);
      }, 0);
    } else if (props.textareaRef.current) jumpToLine(props.textareaRef.current, lineNumber);
  };

  return (
    <div className="input-panel">
      <div className="input-panel__urls">
        <div className="input-panel__labelrow">
          <label htmlFor={textareaId} id={labelId} className="field__label">
            {t('urlsLabel')}
          </label>
          <div className="input-panel__counts" id={countsId} aria-live="polite">
            {analysis.pending && props.text ? <span className="count count--muted">{t('analyzing')}</span> : null}
            <span className={`count${analysis.valid ? ' count--valid' : ''}`}>{t('countValid', { count: analysis.valid, formatted: format.number(analysis.valid) })}</span>
            <span className={`count${analysis.invalidCount ? ' count--invalid' : ''}`}>{t('countInvalid', { count: analysis.invalidCount, formatted: format.number(analysis.invalidCount) })}</span>
            <span className={`count${analysis.duplicates ? ' count--duplicate' : ''}`}>
              {t('countDuplicates', { count: analysis.duplicates, formatted: format.number(analysis.duplicates) })}
            </span>
          </div>
        </div>
        <div className={`input-panel__textwrap${props.dragging ? ' input-panel__textwrap--drop' : ''}`}>
          {bulk && bulkInfo ? (
            <div
              id={textareaId}
              className="input input-panel__textarea"
              role="group"
              tabIndex={0}
              aria-labelledby={labelId}
              aria-describedby={countsId}
              onPaste={(event) => {
                // Pasting onto the summary adds the pasted lines at the end.
                const current = props.text.endsWith('\n') ? props.text : `${props.text}\n`;
                pasteInto(event, current, current.length, current.length);
              }}
            >
              <BulkSummary
                countLabel={t('bulkLines', { count: bulkInfo.lines, formatted: format.number(bulkInfo.lines) })}
                bytes={bulkInfo.bytes}
                preview={bulkInfo.preview}
                note={t('bulkNote')}
                editLabel={t('bulkEdit')}
                onEdit={() => setEditLarge(true)}
              />
            </div>
          ) : (
            <textarea
              id={textareaId}
              ref={props.textareaRef}
              className="input input-panel__textarea"
              value={props.text}
              placeholder={t('urlsPlaceholder')}
              spellCheck={false}
              autoCapitalize="off"
              autoCorrect="off"
              wrap="off"
              aria-describedby={countsId}
              onChange={(event) => props.onTextChange(event.target.value)}
              onPaste={(event) => {
                const area = event.currentTarget;
                const caret = pasteInto(event, area.value, area.selectionStart, area.selectionEnd);
                if (caret !== null) requestAnimationFrame(() => area.setSelectionRange(caret, caret));
              }}
            />
          )}
          {props.dragging ? (
            <div className="input-panel__dropnote" aria-hidden="true">
              {t('dropHere')}
            </div>
          ) : null}
        </div>
        {analysis.invalidCount > 0 ? (
          <div className="invalid-list" ref={invalidListRef}>
            <div className="invalid-list__heading">{t('invalidHeading')}</div>
            <ul className="invalid-list__items">
              {analysis.invalid.map((item) => (
                <li key={item.lineNumber}>
                  <button
                    type="button"
                    className="invalid-list__item"
                    aria-label={t('jumpToLine', { line: item.lineNumber })}
                    onClick={() => jump(item.lineNumber)}
                  >
                    <span className="invalid-list__line">{t('invalidLine', { line: item.lineNumber })}</span>
                    <span className="invalid-list__text">{item.line}</span>
                    <span className="invalid-list__reason">{invalidReasonText(t, item.reason)}</span>
                  </button>
                </li>
              ))}
              {hiddenInvalid > 0 ? <li className="invalid-list__more">{t('invalidMore', { count: hiddenInvalid, formatted: format.number(hiddenInvalid) })}</li> : null}
            </ul>
          </div>
        ) : null}
      </div>

      <SettingsPanel settings={props.settings} onChange={props.onSettingsChange}>
        {props.runOn}
      </SettingsPanel>

      <div className="input-panel__actions">
        <Button onClick={props.onOpen}>{t('open')}</Button>
        <Button onClick={props.onFromSitemap}>{t('fromSitemap')}</Button>
        <Button variant="ghost" disabled={!props.text} onClick={() => props.onTextChange('')}>
          {t('clear')}
        </Button>
        <span className="input-panel__spacer" />
        {proxySettingProblem(props.settings.proxy) !== null ? (
          <span className="input-panel__blocked" role="status">
            {t('proxyInvalid')}
          </span>
        ) : null}
        <Button needsHost variant="primary" shortcut={`${modKey}+Enter`} disabled={props.starting || !props.text.trim() || !settingsValid(props.settings)} onClick={props.onStart}>
          {props.starting ? t('starting') : t('start')}
        </Button>
      </div>
    </div>
  );
});
