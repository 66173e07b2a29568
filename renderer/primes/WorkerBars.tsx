/** One small bar per worker: how much of its share of the range it has sieved, and whether it is busy now. */
import type { RangeProgress } from '../../src/primes/types.js';
import { useFormatters, useT } from '../i18n/index.js';
import { primesMessages } from '../i18n/primes.js';

export function WorkerBars(props: { progress: RangeProgress; running: boolean }) {
  const t = useT(primesMessages);
  const format = useFormatters();
  const { workers, total } = props.progress;
  // Chunks are dealt on a dynamic queue, so each worker's fair share is total / workers; the busiest may exceed it.
  const share = Math.max(total / Math.max(workers.length, 1), ...workers.map((worker) => worker.sieved), 1);
  return (
    <div className="worker-bars" role="group" aria-label={t('workerActivity')}>
      <p className="worker-bars__title">{t('workerActivity')}</p>
      <ul className="worker-bars__list">
        {workers.map((worker) => {
          const busy = props.running && worker.busy;
          const label = t('workerN', { n: worker.worker + 1 });
          return (
            <li key={worker.worker} className="worker-bars__item" data-busy={busy}>
              <span className="worker-bars__name">
                <span className="worker-bars__dot" aria-hidden="true" />
                {label}
              </span>
              <span
                className="worker-bars__bar"
                role="meter"
                aria-label={label}
                aria-valuemin={0}
                aria-valuemax={Math.round(share)}
                aria-valuenow={worker.sieved}
                aria-valuetext={`${busy ? t('workerBusy') : t('workerIdle')}, ${t('workerSieved', { sieved: format.number(worker.sieved) })}`}
              >
                <span className="worker-bars__fill" style={{ width: `${((worker.sieved / share) * 100).toFixed(2)}%` }} />
              </span>
              <span className="worker-bars__state">{busy ? t('workerBusy') : t('workerIdle')}</span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
