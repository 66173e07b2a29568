/** The run on screen: its name (renamable) and state, the progress bar and counts, and what can be done with it. */
import { memo, useState } from 'react';
import { Button } from '../components/Button.js';
import { useLiveStats } from '../components/live-stats.js';
import { ProgressBar } from '../components/ProgressBar.js';
import { SelectField } from '../components/Fields.js';
import { useFormatters, useT } from '../i18n/index.js';
import { clusterMessages } from '../i18n/cluster.js';
import { titlesMessages } from '../i18n/titles.js';
import { RenameInput } from './RenameInput.js';
import { useRunStateLabel, type ExportFormat, type RunInfo } from './run.js';

/** What an export writes: every row of the run in input order, or the rows in view as filtered and sorted. */
export type ExportScope = 'all' | 'view';

export interface RunCounts {
  /** Rows with a record. */
  rows: number;
  /** Rows whose fetch failed. */
  failed: number;
  /** Rows that answered with a 4xx or 5xx status. */
  httpErrors: number;
  /** Rows "Retry failed" takes. */
  retryable: number;
  /** Rows in view (filters and text box). */
  inView: number;
  /** The view is filtered or sorted: exporting it differs from exporting everything. */
  viewDiffers: boolean;
}

export const RunBar = memo(function RunBar(props: {
  run: RunInfo;
  counts: RunCounts;
  busy: boolean;
  /** An export is being prepared. */
  exporting: boolean;
  exportScope: ExportScope;
  onExportScope: (scope: ExportScope) => void;
  onPause: () => void;
  onResume: () => void;
  onCancel: () => void;
  onResumeInterrupted: () => void;
  onRetryFailed: () => void;
  onExport: (format: ExportFormat) => void;
  onRename: (name: string) => Promise<boolean>;
}) {
  const t = useT(titlesMessages);
  const tq = useT(clusterMessages);
  const format = useFormatters();
  const stateLabel = useRunStateLabel();
  const { run, counts } = props;
  const { progress } = run;
  const [renaming, setRenaming] = useState(false);
  const live = run.state === 'running' || run.state === 'paused';
  const working = run.state === 'running' && !progress.paused;
  const tone = run.state === 'running' ? 'active' : run.state === 'paused' ? 'paused' : run.state === 'done' ? 'done' : 'stopped';
  const total = Math.max(progress.total, progress.done);
  const clock = useLiveStats({ key: run.id, done: progress.done, total, elapsedMs: progress.elapsedMs, running: working, hostRate: progress.rate });
  const stat = (label: string, value: string, className?: string) => (
    <div className={`stat${className ? ` ${className}` : ''}`}>
      <dt className="stat__label">{label}</dt>
      <dd className="stat__value">{value}</dd>
    </div>
  );
  let rateText = t('none');
  if (run.state === 'paused' || progress.paused) rateText = t('pausedRate');
  else if (clock.rate !== null) rateText = t('perSecond', { value: format.number(clock.rate, clock.rate < 10 ? 1 : 0) });

  return (
    <div className="runbar">
      <div className="runbar__top">
        <div className="runbar__title">
          {renaming ? (
            <RenameInput
              className="runbar__rename"
              name={run.name}
              onDone={async (name) => {
                if (name === null || (await props.onRename(name))) setRenaming(false);
              }}
            />
          ) : (
            <h2 className="runbar__name" title={run.name}>
              <button type="button" className="runbar__namebutton" aria-label={t('renameRunLabel', { name: run.name })} onClick={() => setRenaming(true)} disabled={run.state === 'elsewhere'}>
                {run.name}
              </button>
            </h2>
          )}
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
          {!live && run.state !== 'elsewhere' && counts.retryable > 0 ? (
            <Button needsHost onClick={props.onRetryFailed} disabled={props.busy} title={t('retryFailedHint')}>
              {t('retryFailedCount', { count: counts.retryable, formatted: format.number(counts.retryable) })}
            </Button>
          ) : null}
          <div className="segmented" role="group" aria-label={t('export')} aria-busy={props.exporting}>
            <span className="segmented__label" aria-hidden="true">
              {t('export')}
            </span>
            {counts.viewDiffers ? (
              <SelectField<ExportScope>
                compact
                className="segmented__scope"
                label={t('exportScope')}
                value={props.exportScope}
                onChange={props.onExportScope}
                options={[
                  { value: 'all', label: t('exportAll', { count: format.number(counts.rows) }) },
                  { value: 'view', label: t('exportView', { count: format.number(counts.inView) }) },
                ]}
              />
            ) : null}
            {(['csv', 'json', 'jsonl'] as const).map((kind) => (
              <button key={kind} type="button" className="segmented__item" disabled={counts.rows === 0 || props.exporting} onClick={() => props.onExport(kind)}>
                {kind.toUpperCase()}
              </button>
            ))}
            <button type="button" className="segmented__item" disabled={counts.rows === 0 || props.exporting} onClick={() => props.onExport('xlsx')}>
              {t('exportXlsx')}
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
        failed={counts.failed + counts.httpErrors}
        tone={tone}
        valueText={t('progressText', { done: format.number(progress.done), total: format.number(total) })}
      />
      <dl className="runbar__stats">
        {stat(t('statDone'), `${format.number(progress.done)} / ${format.number(total)}`, 'stat--done')}
        {stat(t('statFailed'), format.number(counts.failed), counts.failed ? 'stat--failed' : undefined)}
        {stat(t('statHttpErrors'), format.number(counts.httpErrors), counts.httpErrors ? 'stat--http' : undefined)}
        {live ? stat(t('statInFlight'), format.number(progress.inFlight)) : null}
        {live ? stat(t('statRate'), rateText, 'stat--rate') : null}
        {live ? stat(t('statEta'), clock.etaMs !== null ? format.duration(clock.etaMs) : t('none'), 'stat--eta') : null}
        {clock.elapsedMs > 0 ? stat(t('statElapsed'), format.duration(clock.elapsedMs), 'stat--elapsed') : null}
      </dl>
    </div>
  );
});
