/** The run on screen: its name and state, the progress bar and counts, and what can be done with it. */
import { memo } from 'react';
import type { JobState } from '../../src/contract.js';
import type { TitlesProgress } from '../../src/titles/types.js';
import { Button } from '../components/Button.js';
import { ProgressBar } from '../components/ProgressBar.js';
import { useFormatters, useT } from '../i18n/index.js';
import { clusterMessages } from '../i18n/cluster.js';
import { titlesMessages } from '../i18n/titles.js';

/** 'elsewhere': going in another Titlewave window or process, which alone can act on it. */
export type RunState = JobState | 'interrupted' | 'elsewhere';
export type ExportFormat = 'csv' | 'json' | 'jsonl';

export interface RunInfo {
  id: string;
  name: string;
  state: RunState;
  progress: TitlesProgress;
  /** A run on a Redis queue: the queue's URL without its password. */
  queue?: string;
}

const stateKey = {
  running: 'runStateRunning',
  paused: 'runStatePaused',
  done: 'runStateDone',
  cancelled: 'runStateCancelled',
  failed: 'runStateFailed',
  interrupted: 'runStateInterrupted',
  elsewhere: 'runStateElsewhere',
} as const;

export function useRunStateLabel(): (state: RunState) => string {
  const t = useT(titlesMessages);
  return (state) => t(stateKey[state]);
}

export const RunBar = memo(function RunBar(props: {
  run: RunInfo;
  failedRows: number;
  rows: number;
  busy: boolean;
  /** An export is being prepared. */
  exporting: boolean;
  onPause: () => void;
  onResume: () => void;
  onCancel: () => void;
  onResumeInterrupted: () => void;
  onRetryFailed: () => void;
  onExport: (format: ExportFormat) => void;
}) {
  const t = useT(titlesMessages);
  const tq = useT(clusterMessages);
  const format = useFormatters();
  const stateLabel = useRunStateLabel();
  const { run } = props;
  const { progress } = run;
  const live = run.state === 'running' || run.state === 'paused';
  const tone = run.state === 'running' ? 'active' : run.state === 'paused' ? 'paused' : run.state === 'done' ? 'done' : 'stopped';
  const total = Math.max(progress.total, progress.done);
  const stat = (label: string, value: string, className?: string) => (
    <div className={`stat${className ? ` ${className}` : ''}`}>
      <dt className="stat__label">{label}</dt>
      <dd className="stat__value">{value}</dd>
    </div>
  );

  return (
    <div className="runbar">
      <div className="runbar__top">
        <div className="runbar__title">
          <h2 className="runbar__name" title={run.name}>
            {run.name}
          </h2>
          <span className={`badge badge--${run.state}`}>{stateLabel(run.state)}</span>
          {run.queue !== undefined ? (
            <span className="badge badge--queue" title={tq('onQueue', { url: run.queue })}>
              {tq('queueBadge')}
            </span>
          ) : null}
        </div>
        <div className="runbar__actions">
          {run.state === 'running' ? (
            <Button needsHost onClick={props.onPause} disabled={props.busy}>
              {t('pause')}
            </Button>
          ) : null}
          {run.state === 'paused' ? (
            <Button needsHost variant="primary" onClick={props.onResume} disabled={props.busy}>
              {t('resume')}
            </Button>
          ) : null}
          {live ? (
            <Button needsHost variant="danger" shortcut="Esc" onClick={props.onCancel} disabled={props.busy}>
              {t('cancelRun')}
            </Button>
          ) : null}
          {run.state === 'interrupted' || run.state === 'cancelled' ? (
            progress.done < progress.total ? (
              <Button needsHost variant="primary" onClick={props.onResumeInterrupted} disabled={props.busy}>
                {t('resume')}
              </Button>
            ) : null
          ) : null}
          {!live && run.state !== 'elsewhere' && props.failedRows > 0 ? (
            <Button needsHost onClick={props.onRetryFailed} disabled={props.busy}>
              {t('retryFailed')}
            </Button>
          ) : null}
          <div className="segmented" role="group" aria-label={t('export')} aria-busy={props.exporting}>
            <span className="segmented__label" aria-hidden="true">
              {t('export')}
            </span>
            <button type="button" className="segmented__item" disabled={props.rows === 0 || props.exporting} onClick={() => props.onExport('csv')}>
              CSV
            </button>
            <button type="button" className="segmented__item" disabled={props.rows === 0 || props.exporting} onClick={() => props.onExport('json')}>
              JSON
            </button>
            <button type="button" className="segmented__item" disabled={props.rows === 0 || props.exporting} onClick={() => props.onExport('jsonl')}>
              JSONL
            </button>
          </div>
        </div>
      </div>
      {run.state === 'elsewhere' ? (
        <p className="runbar__note" role="status">
          {t('runElsewhereNote')}
        </p>
      ) : null}
      <ProgressBar
        label={t('progressLabel')}
        value={progress.done}
        max={total}
        failed={progress.failed}
        tone={tone}
        valueText={t('progressText', { done: format.number(progress.done), total: format.number(total) })}
      />
      <dl className="runbar__stats">
        {stat(t('statDone'), `${format.number(progress.done)} / ${format.number(total)}`, 'stat--done')}
        {stat(t('statFailed'), format.number(progress.failed), progress.failed ? 'stat--failed' : undefined)}
        {live ? stat(t('statInFlight'), format.number(progress.inFlight)) : null}
        {live ? stat(t('statRate'), progress.rate > 0 ? t('perSecond', { value: format.number(progress.rate, progress.rate < 10 ? 1 : 0) }) : t('none')) : null}
        {live ? stat(t('statEta'), progress.etaMs !== null && !progress.paused ? format.duration(progress.etaMs) : t('none')) : null}
        {progress.elapsedMs > 0 ? stat(t('statElapsed'), format.duration(progress.elapsedMs)) : null}
      </dl>
    </div>
  );
});
