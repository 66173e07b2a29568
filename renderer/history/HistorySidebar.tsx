/**
 * The history sidebar: every saved run, newest first, to reopen, resume (when interrupted), rename or delete. A run
 * going in another Titlewave window or process shows as such, with neither Resume, Rename nor Delete: only its owner
 * acts on it.
 */
import { memo, useState } from 'react';
import type { RunSummary } from '../../src/contract.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { useHostOnline } from '../connection.js';
import { EmptyState } from '../components/EmptyState.js';
import { commonMessages } from '../i18n/common.js';
import { useFormatters, useT } from '../i18n/index.js';
import { clusterMessages } from '../i18n/cluster.js';
import { titlesMessages } from '../i18n/titles.js';
import { RenameInput } from '../titles/RenameInput.js';
import { useRunStateLabel } from '../titles/run.js';

export const HistorySidebar = memo(function HistorySidebar(props: {
  runs: readonly RunSummary[];
  activeRunId: string | null;
  onOpen: (run: RunSummary) => void;
  onResume: (run: RunSummary) => void;
  onDelete: (run: RunSummary) => void;
  /** Resolves true when the run has its new name. */
  onRename: (run: RunSummary, name: string) => Promise<boolean>;
}) {
  const t = useT(titlesMessages);
  const tc = useT(commonMessages);
  const tq = useT(clusterMessages);
  const format = useFormatters();
  const stateLabel = useRunStateLabel();
  const [confirming, setConfirming] = useState<RunSummary | null>(null);
  const [renaming, setRenaming] = useState<string | null>(null);
  // Opening, resuming and deleting all need the host.
  const online = useHostOnline();

  return (
    <nav className="history" aria-labelledby="history-heading">
      <h2 className="history__heading" id="history-heading">
        {t('historyHeading')}
      </h2>
      {props.runs.length === 0 ? (
        <EmptyState className="history__empty" title={t('historyEmpty')}>
          {t('historyEmptyBody')}
        </EmptyState>
      ) : (
        <ul className="history__list">
          {props.runs.map((run) => {
            const resumable = (run.state === 'interrupted' || run.state === 'cancelled') && run.done < run.total;
            const fraction = run.total > 0 ? Math.min(1, run.done / run.total) : 0;
            return (
              <li key={run.id} className={`history__item${run.id === props.activeRunId ? ' history__item--active' : ''}`}>
                {renaming === run.id ? (
                  <RenameInput
                    className="history__rename"
                    name={run.name}
                    onDone={async (name) => {
                      if (name === null || (await props.onRename(run, name))) setRenaming(null);
                    }}
                  />
                ) : null}
                <button
                  hidden={renaming === run.id}
                  type="button"
                  className="history__open"
                  aria-current={run.id === props.activeRunId ? 'true' : undefined}
                  disabled={!online}
                  aria-label={t('historyOpen', { name: run.name })}
                  onClick={() => props.onOpen(run)}
                >
                  <span className="history__name">{run.name}</span>
                  <span className="history__meta">
                    <span className={`badge badge--small badge--${run.state}`} title={run.state === 'elsewhere' ? t('historyElsewhere') : undefined}>
                      {stateLabel(run.state)}
                    </span>
                    {run.queue !== undefined ? (
                      <span className="badge badge--small badge--queue" title={tq('onQueue', { url: run.queue })}>
                        {tq('queueBadge')}
                        <span className="visually-hidden"> {tq('onQueue', { url: run.queue })}</span>
                      </span>
                    ) : null}
                    <span className="history__date">{format.dateTime(run.createdAt)}</span>
                  </span>
                  <span className="history__bar" aria-hidden="true">
                    <span className={`history__barfill history__barfill--${run.state}`} style={{ width: `${(fraction * 100).toFixed(2)}%` }} />
                  </span>
                </button>
                {/* The counts belong to the row a pointer opens; keyboard users open it with the button above. */}
                <div className="history__foot" onClick={() => online && props.onOpen(run)}>
                  <span className="history__counts">
                    <span>{t('historyCounts', { done: format.number(run.done), total: format.number(run.total) })}</span>
                    {run.failed > 0 ? <span className="history__failed">{t('historyFailed', { count: run.failed, formatted: format.number(run.failed) })}</span> : null}
                  </span>
                  <span className={`history__actions${resumable ? ' history__actions--pinned' : ''}`} onClick={(event) => event.stopPropagation()}>
                  {resumable ? (
                    <button type="button" className="link-button" disabled={!online} aria-label={t('historyResumeLabel', { name: run.name })} onClick={() => props.onResume(run)}>
                      {t('historyResume')}
                    </button>
                  ) : null}
                  {run.state !== 'elsewhere' ? (
                    <button type="button" className="link-button" disabled={!online} aria-label={t('historyRenameLabel', { name: run.name })} onClick={() => setRenaming(run.id)}>
                      {t('historyRename')}
                    </button>
                  ) : null}
                  {run.state !== 'running' && run.state !== 'paused' && run.state !== 'elsewhere' ? (
                    <button type="button" className="link-button link-button--danger" disabled={!online} aria-label={t('historyDeleteLabel', { name: run.name })} onClick={() => setConfirming(run)}>
                      {t('historyDelete')}
                    </button>
                  ) : null}
                  </span>
                </div>
              </li>
            );
          })}
        </ul>
      )}
      <ConfirmDialog
        open={confirming !== null}
        title={t('deleteTitle')}
        message={confirming ? t('deleteMessage', { name: confirming.name, count: format.number(confirming.done) }) : ''}
        confirmLabel={t('historyDelete')}
        cancelLabel={tc('cancel')}
        danger
        onCancel={() => setConfirming(null)}
        onConfirm={() => {
          if (confirming) props.onDelete(confirming);
          setConfirming(null);
        }}
      />
    </nav>
  );
});
