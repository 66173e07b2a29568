/**
 * The workers of the queue a live run is on: name, requests in flight, jobs held, results done, rate and when each
 * last reported (ticking every second between the lists the services send). With no worker, it says how to start one.
 * Names, hosts and versions come from other machines: they are React text, never markup.
 */
import { memo, useEffect, useId, useState } from 'react';
import type { Events } from '../../src/contract.js';
import { EmptyState } from '../components/EmptyState.js';
import { clusterMessages } from '../i18n/cluster.js';
import { useFormatters, useT } from '../i18n/index.js';

export type WorkersList = Events['cluster.workers'] & { receivedAt: number };

/** Re-renders every second while mounted (for "last seen"). */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

export const WorkersPanel = memo(function WorkersPanel(props: { queue: string; list: WorkersList | null; runId: string }) {
  const t = useT(clusterMessages);
  const format = useFormatters();
  const now = useNow();
  const headingId = useId();
  const [open, setOpen] = useState(true);
  const list = props.list && props.list.runId === props.runId ? props.list : null;
  const workers = list?.workers ?? [];
  const inFlight = workers.reduce((sum, worker) => sum + (worker.onThisRun ? worker.inFlight : 0), 0);

  const seen = (msAgo: number): string => {
    const ms = msAgo + Math.max(0, now - (list?.receivedAt ?? now));
    if (ms < 1500) return t('seenNow');
    if (ms < 60_000) return t('seenSeconds', { seconds: Math.round(ms / 1000) });
    return t('seenLonger', { duration: format.duration(ms) });
  };
  // The command to start a worker: this queue's URL, its password left for the user to put in.
  const command = `titlewave worker --redis '${props.queue}'`;

  return (
    <section className="card workers" aria-labelledby={headingId}>
      <div className="card__header workers__header">
        <h2 className="card__title" id={headingId}>
          <button type="button" className="disclosure" aria-expanded={open} onClick={() => setOpen((value) => !value)}>
            <span className="disclosure__chevron" aria-hidden="true" />
            {t('workersHeading')}
          </button>
        </h2>
        {list ? <span className="card__summary">{t('workersSummary', { count: workers.length, formatted: format.number(workers.length), inFlight: format.number(inFlight) })}</span> : null}
        <span className="workers__queue" title={t('onQueue', { url: props.queue })}>
          {t('onQueue', { url: props.queue })}
        </span>
      </div>
      {open ? (
        <div className="workers__body">
          {list?.connection === 'reconnecting' ? (
            <p className="workers__note workers__note--warning" role="status">
              {t('reconnecting')}
            </p>
          ) : list?.paused ? (
            <p className="workers__note" role="status">
              {t('pausedNote')}
            </p>
          ) : null}
          {list && workers.length === 0 ? (
            <EmptyState className="workers__empty" title={t('noWorkersTitle')}>
              <p>{t('noWorkersBody')}</p>
              {props.queue.includes(':***@') ? <p>{t('noWorkersPassword')}</p> : null}
              <code className="workers__command">{command}</code>
            </EmptyState>
          ) : workers.length > 0 ? (
            <div className="workers__scroll">
              <table className="workers__table">
                <thead>
                  <tr>
                    <th scope="col">{t('colName')}</th>
                    <th scope="col" className="workers__num">
                      {t('colInFlight')}
                    </th>
                    <th scope="col" className="workers__num">
                      {t('colJobs')}
                    </th>
                    <th scope="col" className="workers__num">
                      {t('colDone')}
                    </th>
                    <th scope="col" className="workers__num">
                      {t('colRate')}
                    </th>
                    <th scope="col" className="workers__num">
                      {t('colSeen')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {workers.map((worker) => (
                    <tr key={worker.name} className={worker.compatible ? undefined : 'workers__row--incompatible'}>
                      <th scope="row" className="workers__name" title={`${worker.name} · ${worker.host} · Titlewave ${worker.version}`}>
                        <span className={`workers__dot${worker.onThisRun ? ' workers__dot--busy' : ''}`} title={worker.onThisRun ? t('onThisRun') : undefined} aria-hidden="true" />
                        <span className="workers__label">{worker.name}</span>
                        {worker.compatible ? null : <span className="workers__warning">{t('otherVersion', { schema: worker.schema })}</span>}
                      </th>
                      <td className="workers__num">{format.number(worker.inFlight)}</td>
                      <td className="workers__num">{format.number(worker.jobs)}</td>
                      <td className="workers__num">{format.number(worker.done)}</td>
                      <td className="workers__num">{t('perSecond', { value: format.number(worker.rate, worker.rate < 10 ? 1 : 0) })}</td>
                      <td className="workers__num">{seen(worker.seenMsAgo)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </div>
      ) : null}
    </section>
  );
});
