/** Check a list of numbers: a list box, Check, the tutorial's example, and a virtualised results table. */
import { useDeferredValue, useId, useMemo, useRef, useState } from 'react';
import type { Events, LastCheck } from '../../src/contract.js';
import { countNumbers } from '../../src/primes/number-list.js';
import { isNeitherPrimeNorComposite, type PrimeCheckRecord } from '../../src/primes/types.js';
import { errorMessage, invoke, useApiEvent } from '../api.js';
import { BulkSummary } from '../components/BulkSummary.js';
import { Button, modKey } from '../components/Button.js';
import { EmptyState } from '../components/EmptyState.js';
import { useLiveStats } from '../components/live-stats.js';
import { ProgressBar } from '../components/ProgressBar.js';
import { useToast } from '../components/Toasts.js';
import { useFormatters, useT } from '../i18n/index.js';
import { primesMessages } from '../i18n/primes.js';
import { tutorialExampleText } from './example.js';
import { commonMessages } from '../i18n/common.js';
import { JobFollower, useCancelJob, useEscapeCancels, useLastJob } from '../jobs/job-follower.js';
import { CheckResultsTable } from './CheckResultsTable.js';
import type { CheckRun } from './check-run.js';

/** Pastes at least this long skip the browser's editing path. */
const bigPaste = 64 * 1024;
/** A list at least this long is summarised instead of laid out in the text box (Chromium takes seconds for MBs). */
const bulkSize = 256 * 1024;

/** The contract's limit on the list's size. */
const maxTextLength = 10 * 1024 * 1024;

/** The numbers of the list, cut as the services cut it (src/primes/number-list.ts: 1,000,003 is one number). */
const countTokens = countNumbers;

/** A check as the host last announced it (a reloaded or reconnected page). */
function checkRunOf(last: LastCheck, serial: number): CheckRun {
  const rows: (PrimeCheckRecord | undefined)[] = [];
  if (last.truncated) {
    // Only the first results announced were kept: shown densely, in input order, with a note.
    rows.push(...[...last.records].sort((a, b) => a.index - b.index));
  } else {
    rows.length = last.total;
    for (const record of last.records) rows[record.index] = record;
  }
  const { prime, composite, neither, errors } = last.counts;
  return { serial, state: last.state, rows, done: last.done, total: last.total, prime, composite, neither, errors, elapsedMs: last.elapsedMs, error: null, truncated: last.truncated };
}

export function CheckPanel() {
  const t = useT(primesMessages);
  const tc = useT(commonMessages);
  const format = useFormatters();
  const toast = useToast();
  const textId = useId();
  const [text, setText] = useState('');
  const [editLarge, setEditLarge] = useState(false);
  const bulk = text.length >= bulkSize && !editLarge;
  const bulkPreview = useMemo(() => (bulk ? text.slice(0, 400).split('\n').slice(0, 4).join('\n') : ''), [bulk, text]);
  const deferredText = useDeferredValue(text);
  const tokenCount = useMemo(() => countTokens(deferredText), [deferredText]);
  // Rows live in a mutable run object; `version` re-renders when a batch lands, without copying a big array.
  const run = useRef<CheckRun | null>(null);
  const [version, setVersion] = useState(0);
  const bump = () => setVersion((v) => v + 1);

  const follower = useMemo(
    () =>
      new JobFollower<Events['primes.checkUpdate']>((update) => {
        const current = run.current;
        if (!current) return;
        if (current.rows.length !== update.total) current.rows.length = update.total;
        for (const record of update.records) {
          if (current.rows[record.index] === undefined) {
            if (record.error) current.errors++;
            else if (record.prime) current.prime++;
            else if (isNeitherPrimeNorComposite(record)) current.neither++;
            else current.composite++;
          }
          current.rows[record.index] = record;
        }
        current.done = update.done;
        current.total = update.total;
        current.elapsedMs = update.elapsedMs;
        current.state = update.state;
        bump();
      }),
    [],
  );
  useApiEvent('primes.checkUpdate', (update) => follower.receive(update));

  const current = run.current;
  const running = current?.state === 'running' || current?.state === 'starting';
  // The elapsed time ticks between updates.
  const clock = useLiveStats({ key: current?.serial ?? null, done: current?.done ?? 0, total: current?.total ?? 0, elapsedMs: current?.elapsedMs ?? 0, running: current?.state === 'running' });
  const tooLong = text.length > maxTextLength;

  const check = async () => {
    if (running || tokenCount === 0 || tooLong) return;
    run.current = { serial: (run.current?.serial ?? 0) + 1, state: 'starting', rows: [], done: 0, total: countTokens(text), prime: 0, composite: 0, neither: 0, errors: 0, elapsedMs: 0, error: null, truncated: false };
    bump();
    follower.begin();
    try {
      const { jobId } = await invoke('primes.check', { text });
      follower.started(jobId);
    } catch (error) {
      follower.stop();
      if (run.current) run.current.state = 'failed';
      bump();
      toast.show(t('commandFailed', { what: t('check'), message: errorMessage(error) }), 'error');
    }
  };

  const cancel = useCancelJob(follower);

  useLastJob({
    follower,
    fetch: () => invoke('primes.lastCheck'),
    updateOf: (last) => last,
    show: (last) => {
      run.current = checkRunOf(last, (run.current?.serial ?? 0) + 1);
      bump();
    },
    gone: () => {
      const shown = run.current;
      if (shown?.state !== 'running') return;
      shown.state = 'failed';
      shown.error = tc('jobLost');
      bump();
    },
  });

  // The application menu's Start and Cancel act on this card while the Primes tab is shown; so does Esc.
  const section = useRef<HTMLElement>(null);
  useEscapeCancels(section, running, () => void cancel());
  useApiEvent('menu.command', ({ command }) => {
    if (!section.current || section.current.closest('[hidden]')) return;
    if (command === 'start') void check();
    else if (command === 'cancel' && running) void cancel();
  });

  const status = current ? statusLine(current) : null;
  function statusLine(r: CheckRun): string {
    if (r.state === 'running' || r.state === 'starting') return t('checkProgress', { done: format.number(r.done), total: format.number(r.total) });
    if (r.state === 'cancelled') return t('checkCancelled', { done: format.number(r.done), total: format.number(r.total) });
    if (r.error) return t('checkStopped', { done: format.number(r.done), total: format.number(r.total), message: r.error });
    let summary = t('checkSummary', { total: format.number(r.done), prime: format.number(r.prime), composite: format.number(r.composite) });
    if (r.neither > 0) summary += ` · ${t('checkNeither', { count: format.number(r.neither) })}`;
    return r.errors > 0 ? `${summary} · ${t('checkErrors', { count: format.number(r.errors) })}` : summary;
  }

  return (
    <section
      ref={section}
      className="primes-card primes-check"
      aria-labelledby={`${textId}-title`}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && running) {
          event.preventDefault();
          void cancel();
        }
      }}
    >
      <header className="primes-card__header">
        <h2 className="primes-card__title" id={`${textId}-title`}>
          {t('checkTitle')}
        </h2>
        <p className="primes-card__hint">{t('checkHint')}</p>
      </header>

      <div className="primes-check__input">
        <label className="field__label" htmlFor={textId}>
          {t('numbersLabel')}
        </label>
        {bulk ? (
          <div
            id={textId}
            className="primes-bulk"
            tabIndex={0}
            role="textbox"
            aria-readonly="true"
            aria-label={t('numbersLabel')}
            aria-describedby={`${textId}-count`}
            onPaste={(event) => {
              // Pasting onto the summary adds to the end of the list.
              event.preventDefault();
              const pasted = event.clipboardData.getData('text');
              setText((current) => (current.endsWith('\n') ? current : `${current}\n`) + pasted);
            }}
            onKeyDown={(event) => {
              if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
                event.preventDefault();
                void check();
              }
            }}
          >
            <BulkSummary
              countLabel={t('tokenCount', { count: format.number(tokenCount) })}
              bytes={text.length}
              preview={bulkPreview}
              note={t('bulkNote')}
              editLabel={t('bulkEdit')}
              onEdit={() => setEditLarge(true)}
            />
          </div>
        ) : (
          <textarea
            id={textId}
            className="input primes-check__text"
            value={text}
            placeholder={t('numbersPlaceholder')}
            spellCheck={false}
            autoComplete="off"
            rows={5}
            aria-describedby={`${textId}-count`}
            aria-invalid={tooLong || undefined}
            onChange={(event) => setText(event.target.value)}
            onPaste={(event) => {
              // A big paste goes straight into the value: Chromium's editing path takes seconds for a few MB.
              const pasted = event.clipboardData.getData('text');
              if (pasted.length < bigPaste) return;
              event.preventDefault();
              const area = event.currentTarget;
              const { selectionStart, selectionEnd, value } = area;
              setText(value.slice(0, selectionStart) + pasted + value.slice(selectionEnd));
              const caret = selectionStart + pasted.length;
              requestAnimationFrame(() => area.setSelectionRange(caret, caret));
            }}
            onKeyDown={(event) => {
              if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
                event.preventDefault();
                void check();
              }
            }}
          />
        )}
        <div className="primes-check__meta" id={`${textId}-count`}>
          <span>{t('tokenCount', { count: format.number(tokenCount) })}</span>
          <button
            type="button"
            className="link-button"
            onClick={() => {
              setText(tutorialExampleText);
              setEditLarge(false);
            }}
            disabled={running}
          >
            {t('useExample')}
          </button>
        </div>
      </div>

      <div className="primes-card__actions">
        <Button needsHost variant="primary" onClick={() => void check()} disabled={running || tokenCount === 0 || tooLong} shortcut={`${modKey}+Enter`}>
          {t('check')}
        </Button>
        {running ? (
          <Button needsHost variant="danger" onClick={() => void cancel()} disabled={!follower.jobId}>
            {t('cancel')}
          </Button>
        ) : (
          <Button
            variant="ghost"
            onClick={() => {
              setText('');
              setEditLarge(false);
            }}
            disabled={text === ''}
          >
            {t('clear')}
          </Button>
        )}
      </div>

      {current ? (
        <div className="primes-check__status">
          {running ? (
            <ProgressBar
              value={current.done}
              max={current.total}
              label={t('checkTitle')}
              valueText={`${format.number(current.done)} / ${format.number(current.total)}`}
            />
          ) : null}
          <p className="primes-status" role="status" data-state={current.state}>
            <span>{status}</span>
            {current.state !== 'starting' ? <span className="primes-status__time">{format.duration(clock.elapsedMs)}</span> : null}
          </p>
          {current.truncated ? <p className="primes-range__note">{t('checkTruncated', { shown: format.number(current.rows.length), total: format.number(current.done) })}</p> : null}
        </div>
      ) : null}

      {current && current.total > 0 ? (
        <CheckResultsTable key={current.serial} run={current} version={version} />
      ) : (
        <EmptyState title={t('checkEmptyTitle')} className="primes-empty" icon="ℙ">
          {t('checkEmptyBody')}
        </EmptyState>
      )}
    </section>
  );
}
