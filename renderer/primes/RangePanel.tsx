/** Count or list the primes in a range: the form, live progress with per-worker activity, and the result. */
import { useId, useMemo, useRef, useState } from 'react';
import { commandErrorCode, type Events, type LastRange } from '../../src/contract.js';
import { estimateListBytes, estimateRangeMs, parseNoSpace } from '../../src/primes/estimate.js';
import { MAX_SIEVE_BOUND_TEXT, PRIMES_TO_UI } from '../../src/primes/limits.js';
import type { RangeMode, RangeResult } from '../../src/primes/types.js';
import { errorMessage, invoke, useApiEvent } from '../api.js';
import { Button } from '../components/Button.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { EmptyState } from '../components/EmptyState.js';
import { NumberField, TextField } from '../components/Fields.js';
import { useLiveStats } from '../components/live-stats.js';
import { ProgressBar } from '../components/ProgressBar.js';
import { useToast } from '../components/Toasts.js';
import { useFormatters, useT, type Translator } from '../i18n/index.js';
import { primesMessages } from '../i18n/primes.js';
import { compareDecimal, groupDigits, parseRangeBound, type BoundError } from './bounds.js';
import { commonMessages } from '../i18n/common.js';
import { JobFollower, useCancelJob, useEscapeCancels, useLastJob } from '../jobs/job-follower.js';
import { PrimeList } from './PrimeList.js';
import type { RangeRun } from './range-run.js';
import { useAppInfo } from './use-app-info.js';
import { WorkerBars } from './WorkerBars.js';

/**
 * At most this many listed primes reach the window (the services send the first PRIMES_TO_UI of them, the same
 * constant); the user is told, and a file gets all of them.
 */
export const listCap = PRIMES_TO_UI;

/** Below this much sieving (all workers together, in ms), starting and messaging the workers is most of the time. */
const speedupMinWorkMs = 100;

/**
 * Whether a result's speed-up over one worker says something: not for a cancelled count, one worker, or a range so
 * small that the workers' overhead is most of it (a tiny list showed "0.07×").
 */
export function speedupMeaningful(result: RangeResult): boolean {
  return !result.cancelled && result.workers > 1 && result.speedup * result.ms >= speedupMinWorkMs;
}


/** What a start sends, kept while the user is asked whether to replace the output file. */
interface RangeLaunch {
  mode: RangeMode;
  from: string;
  to: string;
  output: string | null;
  workers: number;
}

/** The last part of a path, for short messages ("Replace primes.txt?"). */
function fileName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}

/** Ranges worth a click: the figures the project measures itself by. */
const rangeExamples: readonly { from: string; to: string; label?: string }[] = [
  { from: '0', to: '1e7' },
  { from: '0', to: '1e9' },
  { from: '0', to: '1e10' },
  { from: '1e15', to: '1000001000000000', label: '1e15 … 1e15 + 1e9' },
];

const maxHistory = 9;

/** A run estimated to take longer than this is asked about before it starts; over a minute, the estimate is shown. */
const askAboveMs = 10 * 60_000;
const showEstimateAboveMs = 60_000;

/** A duration in words, to two significant figures: "about 25 minutes", "about 14 hours", "about 580 days". */
export function aboutDuration(t: Translator<(typeof primesMessages)['en']>, format: { number: (value: number) => string }, ms: number): string {
  const round = (value: number) => {
    if (value < 10) return Math.max(1, Math.round(value));
    const scale = 10 ** (Math.floor(Math.log10(value)) - 1);
    return Math.round(value / scale) * scale;
  };
  const minutes = ms / 60_000;
  if (minutes < 1.5) return t('aboutSeconds', { n: format.number(round(ms / 1000)) });
  if (minutes < 90) return t('aboutMinutes', { n: format.number(round(minutes)) });
  const hours = minutes / 60;
  if (hours < 48) return t('aboutHours', { n: format.number(round(hours)) });
  const days = hours / 24;
  if (days < 1000) return t('aboutDays', { n: format.number(round(days)) });
  return t('aboutYears', { n: format.number(round(days / 365.25)) });
}

const boundErrorKey: Record<BoundError, 'errEmpty' | 'errNotInteger' | 'errNegative' | 'errTooLarge'> = {
  empty: 'errEmpty',
  notInteger: 'errNotInteger',
  negative: 'errNegative',
  tooLarge: 'errTooLarge',
  aboveSieve: 'errTooLarge',
};

export function RangePanel() {
  const t = useT(primesMessages);
  const tc = useT(commonMessages);
  const format = useFormatters();
  const toast = useToast();
  const info = useAppInfo();
  const titleId = useId();
  const [fromText, setFromText] = useState('0');
  const [toText, setToText] = useState('1e7');
  const [workers, setWorkers] = useState<number | null>(null);
  const [saveToFile, setSaveToFile] = useState(false);
  const [outputPath, setOutputPath] = useState('');
  // The path the native save dialog returned: the OS already asked about replacing it, so the next run to it is not
  // asked again. That consent covers one run, and ends when the path is edited.
  const [nativeOutput, setNativeOutput] = useState<string | null>(null);
  // A list run refused because its file exists, waiting for the user's answer to "Replace …?".
  const [replaceAsk, setReplaceAsk] = useState<RangeLaunch | null>(null);
  // A run estimated to take very long, waiting for the user's answer to "Start anyway?".
  const [longAsk, setLongAsk] = useState<{ request: RangeLaunch; overwrite: boolean; ms: number } | null>(null);
  // A list run refused because the file's disk cannot hold it (the services' estimate and free space, as words).
  const [noSpace, setNoSpace] = useState<{ needed: string; free: string; folder: string } | null>(null);
  const [submitted, setSubmitted] = useState(false);
  const run = useRef<RangeRun | null>(null);
  // Finished counts of this session, newest first: compare ranges, or the speed-up with more or fewer workers.
  const history = useRef<RangeResult[]>([]);
  const [, setVersion] = useState(0);
  const bump = () => setVersion((v) => v + 1);

  const follower = useMemo(
    () =>
      new JobFollower<Events['primes.rangeUpdate']>((update) => {
        const current = run.current;
        if (!current) return;
        current.state = update.state;
        current.progress = update.progress;
        if (update.primes.length > 0 && current.primes.length < listCap) {
          const room = listCap - current.primes.length;
          current.primes.push(...(update.primes.length > room ? update.primes.slice(0, room) : update.primes));
        }
        if (update.result && !current.result) {
          current.result = update.result;
          history.current = [update.result, ...history.current].slice(0, maxHistory);
        }
        if (update.error) current.error = update.error;
        bump();
      }),
    [],
  );
  useApiEvent('primes.rangeUpdate', (update) => follower.receive(update));

  const from = parseRangeBound(fromText);
  const to = parseRangeBound(toText);
  const orderError = from.ok && to.ok && compareDecimal(from.value, to.value) > 0;
  const outputMissing = saveToFile && outputPath.trim() === '';
  const showErrors = (text: string) => submitted || text.trim() !== '';
  const fromError = !from.ok && showErrors(fromText) ? t(boundErrorKey[from.error], { max: MAX_SIEVE_BOUND_TEXT }) : null;
  const toError = !to.ok && showErrors(toText) ? t(boundErrorKey[to.error], { max: MAX_SIEVE_BOUND_TEXT }) : orderError ? t('errOrder') : null;
  const effectiveWorkers = workers ?? info?.cpus ?? 2;
  // What a list would write to the file, shown before it starts (the same estimate the services refuse a disk with).
  const fromValue = from.ok ? from.value : null;
  const toValue = to.ok ? to.value : null;
  const fileEstimate = useMemo(
    () => (saveToFile && fromValue !== null && toValue !== null && !orderError ? estimateListBytes(BigInt(fromValue), BigInt(toValue)) : null),
    [saveToFile, fromValue, toValue, orderError],
  );

  const current = run.current;
  const running = current?.state === 'running' || current?.state === 'starting';

  const cores = info?.cpus ?? effectiveWorkers;
  const estimateOf = (mode: RangeMode, fromDecimal: string, toDecimal: string) =>
    estimateRangeMs(BigInt(fromDecimal), BigInt(toDecimal), { mode, workers: effectiveWorkers, cores });
  // Shown under the form once a count would take more than a minute (the same estimate the question quotes).
  const countEstimate = useMemo(
    () => (fromValue !== null && toValue !== null && !orderError ? estimateRangeMs(BigInt(fromValue), BigInt(toValue), { mode: 'count', workers: effectiveWorkers, cores }) : null),
    [fromValue, toValue, orderError, effectiveWorkers, cores],
  );

  const start = async (mode: RangeMode) => {
    setSubmitted(true);
    setNoSpace(null);
    if (running || !from.ok || !to.ok || orderError || (mode === 'list' && outputMissing)) return;
    const output = mode === 'list' && saveToFile ? outputPath.trim() : null;
    const chosenNatively = output !== null && output === nativeOutput;
    if (chosenNatively) setNativeOutput(null);
    const request: RangeLaunch = { mode, from: from.value, to: to.value, output, workers: effectiveWorkers };
    const ms = estimateOf(mode, from.value, to.value);
    if (ms > askAboveMs) {
      setLongAsk({ request, overwrite: chosenNatively, ms });
      return;
    }
    await launch(request, chosenNatively);
  };

  /** Start a run; an existing output file is replaced only with `overwrite` (the user said yes), else they are asked. */
  const launch = async (request: RangeLaunch, overwrite: boolean) => {
    const previous = run.current;
    run.current = { jobId: null, mode: request.mode, from: request.from, to: request.to, output: request.output, state: 'starting', progress: null, primes: [], result: null, error: null };
    bump();
    follower.begin();
    try {
      const { jobId } = await invoke('primes.range', { ...request, overwrite });
      if (run.current) run.current.jobId = jobId;
      follower.started(jobId);
    } catch (error) {
      follower.stop();
      if (!overwrite && request.output !== null && commandErrorCode(error) === 'OUTPUT_EXISTS') {
        // Nothing started and nothing was written: keep showing what was there, and ask.
        run.current = previous;
        setReplaceAsk(request);
      } else if (request.output !== null && commandErrorCode(error) === 'NO_SPACE') {
        // Refused before anything started: the card keeps what it showed, and the refusal stands by the file.
        run.current = previous;
        setNoSpace(parseNoSpace(errorMessage(error)) ?? { needed: '?', free: '?', folder: request.output });
      } else if (run.current) {
        run.current.state = 'failed';
        run.current.error = errorMessage(error);
      }
      bump();
    }
  };

  const cancel = useCancelJob(follower);

  useLastJob({
    follower,
    fetch: () => invoke('primes.lastRange'),
    updateOf: (last: LastRange) => last.update,
    show: ({ request, update }) => {
      if (run.current?.jobId !== update.jobId) {
        // Another job than the one shown (a reloaded page): its form too, as it was asked.
        setFromText(request.from);
        setToText(request.to);
        setSaveToFile(request.output !== null);
        setOutputPath(request.output ?? '');
        if (request.workers !== null) setWorkers(request.workers);
      }
      run.current = {
        jobId: update.jobId,
        mode: request.mode,
        from: request.from,
        to: request.to,
        output: request.output,
        state: update.state,
        progress: update.progress,
        primes: update.primes.slice(0, listCap),
        result: update.result ?? null,
        error: update.error ?? null,
      };
      const result = update.result;
      if (result && !history.current.some((r) => JSON.stringify(r) === JSON.stringify(result))) {
        history.current = [result, ...history.current].slice(0, maxHistory);
      }
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

  const chooseOutput = async () => {
    const suggestedName = `primes-${from.ok ? from.value : 'from'}-${to.ok ? to.value : 'to'}.txt`;
    try {
      const path = await invoke('dialog.chooseSaveFile', { suggestedName });
      if (path) {
        setOutputPath(path);
        setNativeOutput(path);
      }
    } catch (error) {
      toast.show(t('commandFailed', { what: t('choose'), message: errorMessage(error) }), 'error');
    }
  };

  const grouped = (value: string) => groupDigits(value, ',');

  // The application menu's Cancel acts on this card while the Primes tab is shown; so does Esc.
  const section = useRef<HTMLElement>(null);
  useEscapeCancels(section, running, () => void cancel());
  useApiEvent('menu.command', ({ command }) => {
    if (!section.current || section.current.closest('[hidden]')) return;
    if (command === 'cancel' && running) void cancel();
  });

  return (
    <section
      ref={section}
      className="primes-card primes-range"
      aria-labelledby={titleId}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && running) {
          event.preventDefault();
          void cancel();
        }
      }}
    >
      <header className="primes-card__header">
        <h2 className="primes-card__title" id={titleId}>
          {t('rangeTitle')}
        </h2>
        <p className="primes-card__hint">{t('rangeHint')}</p>
      </header>

      <form
        className="primes-range__form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void start('count');
        }}
      >
        <div className="primes-range__bounds">
          <TextField
            label={t('from')}
            value={fromText}
            onChange={(value) => {
              setFromText(value);
              setNoSpace(null);
            }}
            error={fromError}
            disabled={running}
            maxLength={64}
          />
          <TextField
            label={t('to')}
            value={toText}
            onChange={(value) => {
              setToText(value);
              setNoSpace(null);
            }}
            error={toError}
            disabled={running}
            maxLength={64}
          />
          <NumberField
            label={t('workers')}
            value={effectiveWorkers}
            min={1}
            max={256}
            onChange={setWorkers}
            rangeError="1 – 256"
            hint={info ? t('workersHint', { cpus: info.cpus }) : undefined}
            disabled={running}
            className="primes-range__workers"
          />
        </div>

        <div className="primes-range__examples">
          <span className="primes-range__examples-label">{t('examples')}</span>
          {rangeExamples.map((example) => (
            <button
              key={example.label ?? example.to}
              type="button"
              className="link-button"
              disabled={running}
              onClick={() => {
                setFromText(example.from);
                setToText(example.to);
                setNoSpace(null);
              }}
            >
              {example.label ?? t('exampleUpTo', { to: example.to })}
            </button>
          ))}
        </div>

        <div className="primes-range__output">
          <label className="checkbox">
            <input
              type="checkbox"
              checked={saveToFile}
              disabled={running}
              onChange={(event) => {
                setSaveToFile(event.target.checked);
                setNoSpace(null);
              }}
            />
            <span>{t('saveToFile')}</span>
          </label>
          {saveToFile ? (
            <div className="path-row">
              <TextField
                label={t('outputPath')}
                value={outputPath}
                onChange={(value) => {
                  setOutputPath(value);
                  setNativeOutput(null);
                  setNoSpace(null);
                }}
                placeholder={t('outputPathPlaceholder')}
                error={submitted && outputMissing ? t('errOutput') : null}
                disabled={running}
                maxLength={4096}
              />
              {info?.nativeDialogs ? (
                <Button needsHost onClick={() => void chooseOutput()} disabled={running}>
                  {t('choose')}
                </Button>
              ) : null}
            </div>
          ) : null}
          {fileEstimate !== null ? <p className="primes-range__estimate">{t('fileEstimate', { size: format.bytes(fileEstimate) })}</p> : null}
          {countEstimate !== null && countEstimate > showEstimateAboveMs ? (
            <p className="primes-range__time-estimate" data-testid="primes-time-estimate">
              {t('timeEstimate', { duration: aboutDuration(t, format, countEstimate), workers: format.number(effectiveWorkers) })}
            </p>
          ) : null}
          {noSpace ? (
            <p className="primes-error" role="alert">
              {t('noSpace', noSpace)}
            </p>
          ) : null}
        </div>

        <div className="primes-card__actions">
          <Button needsHost variant="primary" type="submit" disabled={running}>
            {t('count')}
          </Button>
          <Button needsHost onClick={() => void start('list')} disabled={running}>
            {t('list')}
          </Button>
          {running ? (
            <Button needsHost variant="danger" onClick={() => void cancel()} disabled={!follower.jobId}>
              {t('cancel')}
            </Button>
          ) : null}
        </div>
        <p className="primes-range__note">
          {saveToFile ? t('listCapNote', { cap: format.number(listCap) }) : t('listCapNoteNoFile', { cap: format.number(listCap) })}
        </p>
      </form>

      {current ? (
        <RangeStatus run={current} grouped={grouped} />
      ) : (
        <EmptyState title={t('rangeEmptyTitle')} className="primes-empty" icon="π">
          {t('rangeEmptyBody')}
        </EmptyState>
      )}

      {current?.mode === 'list' && current.state !== 'starting' ? <PrimeList run={current} /> : null}

      {history.current.length > 1 ? <RecentResults results={history.current.slice(1)} grouped={grouped} /> : null}

      <ConfirmDialog
        open={longAsk !== null}
        title={t('longRunTitle')}
        message={
          longAsk
            ? t(longAsk.request.mode === 'list' ? 'longRunListMessage' : 'longRunCountMessage', {
                from: grouped(longAsk.request.from),
                to: grouped(longAsk.request.to),
                workers: format.number(longAsk.request.workers),
                duration: aboutDuration(t, format, longAsk.ms),
              })
            : ''
        }
        confirmLabel={t('longRunStart')}
        cancelLabel={t('cancel')}
        onCancel={() => setLongAsk(null)}
        onConfirm={() => {
          const asked = longAsk;
          setLongAsk(null);
          if (asked) void launch(asked.request, asked.overwrite);
        }}
      />

      <ConfirmDialog
        open={replaceAsk !== null}
        title={replaceAsk?.output ? t('replaceTitle', { file: fileName(replaceAsk.output) }) : ''}
        message={replaceAsk?.output ? t('replaceMessage', { path: replaceAsk.output }) : ''}
        confirmLabel={t('replace')}
        cancelLabel={t('cancel')}
        danger
        onCancel={() => setReplaceAsk(null)}
        onConfirm={() => {
          const request = replaceAsk;
          setReplaceAsk(null);
          if (request) void launch(request, true);
        }}
      />
    </section>
  );
}

function RangeStatus(props: { run: RangeRun; grouped: (value: string) => string }) {
  const t = useT(primesMessages);
  const format = useFormatters();
  const { run, grouped } = props;
  const progress = run.progress;
  const running = run.state === 'running' || run.state === 'starting';
  const result = run.result;
  // Elapsed and time left tick between updates.
  const clock = useLiveStats({ key: run.jobId, done: progress?.sieved ?? 0, total: progress?.total ?? 0, elapsedMs: progress?.elapsedMs ?? 0, running: run.state === 'running' });

  return (
    <div className="primes-range__status" data-state={run.state}>
      {running || (progress && !result) ? (
        <div className="primes-range__progress">
          <ProgressBar
            value={progress?.sieved ?? 0}
            max={progress?.total ?? 1}
            label={t('progressLabel')}
            tone={running ? 'active' : 'stopped'}
            valueText={progress ? t('sieved', { sieved: format.number(progress.sieved), total: format.number(progress.total) }) : undefined}
          />
          <dl className="primes-stats">
            <div>
              <dt>{t('found')}</dt>
              <dd>{format.number(progress?.count ?? 0)}</dd>
            </div>
            <div>
              <dt>{t('elapsed')}</dt>
              <dd>{format.duration(clock.elapsedMs)}</dd>
            </div>
            <div>
              <dt>{t('eta')}</dt>
              <dd>{clock.etaMs !== null ? format.duration(clock.etaMs) : '–'}</dd>
            </div>
          </dl>
        </div>
      ) : null}

      {result ? (
        <div className="primes-result-card" role="status">
          <p className="primes-result-card__count">
            {result.cancelled
              ? t('rangeCancelled', { count: format.number(result.count) })
              : t('resultCount', { count: format.number(result.count), from: grouped(result.from), to: grouped(result.to) })}
          </p>
          <dl className="primes-stats">
            <div>
              <dt>{t('elapsed')}</dt>
              <dd>{format.duration(result.ms)}</dd>
            </div>
            <div>
              <dt>{t('workers')}</dt>
              <dd>{format.number(result.workers)}</dd>
            </div>
            {speedupMeaningful(result) ? (
              <div>
                <dt>{t('speedup')}</dt>
                <dd className="primes-stats__speedup">{t('speedupValue', { value: format.number(result.speedup, 2) })}</dd>
              </div>
            ) : null}
          </dl>
          {run.output && !result.cancelled ? <p className="primes-range__written">{t('writtenTo', { path: run.output })}</p> : null}
        </div>
      ) : null}

      {run.state === 'cancelled' && !result ? (
        <p className="primes-range__cancelled" role="status">
          {t('rangeCancelled', { count: format.number(progress?.count ?? 0) })}
        </p>
      ) : null}

      {run.state === 'failed' || run.error ? (
        <p className="primes-error" role="alert">
          {t('rangeFailed', { message: run.error ?? '' })}
        </p>
      ) : null}

      {progress && progress.workers.length > 0 ? <WorkerBars progress={progress} running={running} /> : null}
    </div>
  );
}

function RecentResults(props: { results: RangeResult[]; grouped: (value: string) => string }) {
  const t = useT(primesMessages);
  const format = useFormatters();
  const titleId = useId();
  return (
    <section className="primes-recent" aria-labelledby={titleId}>
      <h3 className="primes-recent__title" id={titleId}>
        {t('recentTitle')}
      </h3>
      <table className="primes-recent__table">
        <thead>
          <tr>
            <th scope="col">{t('colRange')}</th>
            <th scope="col">{t('colPrimes')}</th>
            <th scope="col">{t('colTime')}</th>
            <th scope="col">{t('colWorkers')}</th>
            <th scope="col">{t('colSpeedup')}</th>
          </tr>
        </thead>
        <tbody>
          {props.results.map((result, index) => (
            <tr key={index}>
              <td className="primes-recent__range">{`[${props.grouped(result.from)}, ${props.grouped(result.to)}]`}</td>
              <td>{result.cancelled ? <span className="muted">{t('recentCancelled')}</span> : format.number(result.count)}</td>
              <td>{format.duration(result.ms)}</td>
              <td>{format.number(result.workers)}</td>
              <td>{speedupMeaningful(result) ? t('speedupValue', { value: format.number(result.speedup, 2) }) : <span className="muted">–</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
