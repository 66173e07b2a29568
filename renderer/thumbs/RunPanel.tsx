/** The run: Start and Cancel, progress and counts, the live grid, the failures, and "Open output folder" when done. */
import { useId } from 'react';
import { errorMessage, invoke } from '../api.js';
import { Button } from '../components/Button.js';
import { EmptyState } from '../components/EmptyState.js';
import { useLiveStats } from '../components/live-stats.js';
import { ProgressBar } from '../components/ProgressBar.js';
import { useToast } from '../components/Toasts.js';
import { useFormatters, useT } from '../i18n/index.js';
import { thumbsMessages } from '../i18n/thumbs.js';
import { describeThumbError } from './error-text.js';
import { baseName, dirName } from './paths.js';
import { ThumbGrid } from './ThumbGrid.js';
import type { ThumbsRun } from './run.js';

/** The list stays light with thousands of failures; the count above is always complete. */
const maxFailuresShown = 500;

function ImageIcon() {
  return (
    <svg viewBox="0 0 24 24" width="24" height="24" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round">
      <rect x="3.5" y="4.5" width="17" height="15" rx="2" />
      <circle cx="9" cy="10" r="1.8" />
      <path d="M20.5 15.5 15 10.5l-9 9" />
    </svg>
  );
}

/** The error's code and sentence in the user's language; what the system said stays as a tooltip. */
function FailureReason(props: { error: { code: string; message: string } }) {
  const t = useT(thumbsMessages);
  const said = describeThumbError(t, props.error);
  return (
    <>
      <span className="thumbs-failures__code" title={props.error.code}>
        {said.label}
      </span>
      <span className="thumbs-failures__message" title={said.detail ?? said.text}>
        {said.text === said.label ? (said.detail ?? '') : said.text}
      </span>
    </>
  );
}

function FailureList(props: { run: ThumbsRun }) {
  const t = useT(thumbsMessages);
  const format = useFormatters();
  const titleId = useId();
  const failed = props.run.failed;
  return (
    <section className="thumbs-failures" aria-labelledby={titleId}>
      <h3 className="thumbs-failures__title" id={titleId}>
        {t('failedTitle', { count: format.number(failed.length) })}
      </h3>
      <ul className="boxed-list">
        {failed.slice(0, maxFailuresShown).map((record) => (
          <li key={record.index} className="thumbs-failures__item">
            <span className="thumbs-failures__file" title={record.input}>
              <span className="thumbs-failures__name">{baseName(record.input)}</span>
              <span className="thumbs-failures__dir">{dirName(record.input)}</span>
            </span>
            <span className="thumbs-failures__reason">
              {record.error ? <FailureReason error={record.error} /> : null}
            </span>
          </li>
        ))}
        {failed.length > maxFailuresShown ? (
          <li className="thumbs-failures__more">{t('moreFailed', { count: format.number(failed.length - maxFailuresShown) })}</li>
        ) : null}
      </ul>
    </section>
  );
}

export function RunPanel(props: {
  run: ThumbsRun | null;
  version: number;
  imageCount: number;
  canStart: boolean;
  running: boolean;
  onStart: () => void;
  onCancel: () => void;
}) {
  const t = useT(thumbsMessages);
  const format = useFormatters();
  const toast = useToast();
  const { run, running } = props;
  const progress = run?.progress ?? null;
  // Elapsed and time left tick between updates (one slow image must not freeze them).
  const clock = useLiveStats({ key: run?.jobId ?? null, done: progress?.done ?? 0, total: progress?.total ?? 0, elapsedMs: progress?.elapsedMs ?? 0, running: run?.state === 'running' });
  const finished = run !== null && !running;
  const outputFolder = run?.outDir ?? run?.outputsFolder ?? null;

  const openOutput = async () => {
    if (!outputFolder) return;
    try {
      await invoke('shell.openFolder', outputFolder);
    } catch (error) {
      toast.show(t('commandFailed', { what: t('openOutput'), message: errorMessage(error) }), 'error');
    }
  };

  // `done` counts every finished file, failed, already-there and cancelled ones included.
  const made = progress ? progress.done - progress.failed - progress.skipped - progress.cancelled : 0;
  let statusText: string | null = null;
  if (run && progress) {
    if (run.state === 'done') statusText = t('stateDone', { done: format.number(progress.done - progress.failed - progress.cancelled), time: format.duration(progress.elapsedMs) });
    else if (run.state === 'cancelled') statusText = t('stateCancelled', { done: format.number(progress.done - progress.cancelled), total: format.number(progress.total) });
  }
  if (run && running) statusText = progress ? t('progressText', { done: format.number(progress.done), total: format.number(progress.total) }) : t('starting');
  if (run?.state === 'failed') statusText = t('stateFailed', { message: run.error ?? '' });

  return (
    <section className="thumbs-run" aria-label={t('progressLabel')}>
      <div className="thumbs-run__toolbar">
        {running ? (
          <Button needsHost variant="danger" onClick={props.onCancel}>
            {t('cancel')}
          </Button>
        ) : (
          <Button needsHost variant="primary" onClick={props.onStart} disabled={!props.canStart}>
            {props.imageCount > 0 ? `${t('start')} (${format.number(props.imageCount)})` : t('start')}
          </Button>
        )}
        <span className="thumbs-run__spacer" />
        {finished && outputFolder && run.made.length > 0 ? (
          <Button needsHost onClick={() => void openOutput()} title={outputFolder}>
            {t('openOutput')}
          </Button>
        ) : null}
      </div>

      {statusText ? (
        <p className="thumbs-run__status" role="status" data-state={run?.state}>
          {statusText}
        </p>
      ) : null}

      {run && (running || progress) ? (
        <div className="thumbs-run__progress">
          <ProgressBar
            value={progress?.done ?? 0}
            max={progress?.total ?? 1}
            failed={progress?.failed ?? 0}
            label={t('progressLabel')}
            tone={running ? 'active' : run.state === 'done' ? 'done' : 'stopped'}
            valueText={progress ? t('progressText', { done: format.number(progress.done), total: format.number(progress.total) }) : undefined}
          />
          <dl className="thumbs-stats">
            <div>
              <dt>{t('statDone')}</dt>
              <dd data-testid="thumbs-done">{format.number(made)}</dd>
            </div>
            <div data-tone={progress?.failed ? 'error' : undefined}>
              <dt>{t('statFailed')}</dt>
              <dd data-testid="thumbs-failed">{format.number(progress?.failed ?? 0)}</dd>
            </div>
            <div>
              <dt>{t('statSkipped')}</dt>
              <dd data-testid="thumbs-skipped">{format.number(progress?.skipped ?? 0)}</dd>
            </div>
            {progress?.cancelled ? (
              <div data-tone="neutral">
                <dt>{t('statCancelled')}</dt>
                <dd data-testid="thumbs-cancelled">{format.number(progress.cancelled)}</dd>
              </div>
            ) : null}
            <div>
              <dt>{t('statElapsed')}</dt>
              <dd>{format.duration(clock.elapsedMs)}</dd>
            </div>
            {running ? (
              <div>
                <dt>{t('statEta')}</dt>
                <dd>{clock.etaMs !== null ? format.duration(clock.etaMs) : '–'}</dd>
              </div>
            ) : null}
          </dl>
        </div>
      ) : null}

      {run?.truncated ? <p className="thumbs-run__note">{t('truncatedNote', { made: format.number(run.made.length), failed: format.number(run.failed.length) })}</p> : null}

      {run && run.made.length > 0 ? (
        <ThumbGrid records={run.made} version={props.version} />
      ) : running ? (
        <div className="thumbs-run__waiting" />
      ) : (
        <EmptyState title={t('emptyTitle')} className="thumbs-empty" icon={<ImageIcon />}>
          {t('emptyBody')}
        </EmptyState>
      )}

      {run && run.failed.length > 0 ? <FailureList run={run} /> : null}
    </section>
  );
}
