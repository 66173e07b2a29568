/**
 * The Titles tab: history on the left; on the right the new-run panel (URLs and settings), the run bar (progress,
 * pause/resume/cancel, retry failed, export) and the results. It follows one run at a time: updates of that run
 * (`titles.update`, batched by the services) are folded into a RunRecords + RecordView pair kept outside React, and a
 * version counter tells the results to redraw the rows in view.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Events, MenuCommand, RunSummary, SettingAdjustment } from '../../src/contract.js';
import { defaultTitlesOptions } from '../../src/titles/defaults.js';
import { parseInputLine } from '../../src/titles/input.js';
import { decodeTextFile } from '../../src/titles/text-encoding.js';
import type { TitlesProgress } from '../../src/titles/types.js';
import { invoke, isWebUrl, useApiEvent } from '../api.js';
import { useFailureText } from '../cluster/failure.js';
import { useClusterSettings } from '../cluster/use-cluster-settings.js';
import { WorkersPanel, type WorkersList } from '../cluster/WorkersPanel.js';
import { useToast } from '../components/Toasts.js';
import { useReconnected } from '../connection.js';
import { commonMessages } from '../i18n/common.js';
import { useFormatters, useT } from '../i18n/index.js';
import { clusterMessages } from '../i18n/cluster.js';
import { titlesMessages } from '../i18n/titles.js';
import { HistorySidebar } from '../history/HistorySidebar.js';
import { adjustedSettingsNote } from './adjusted-settings.js';
import { useInputAnalysis } from './useInputAnalysis.js';
import { buildExport } from './export.js';
import { appendLines, isUrlListFile, urlLinesOf } from './files.js';
import { InputPanel } from './InputPanel.js';
import { RunOnSetting } from './RunOnSetting.js';
import { ResultsPanel } from './ResultsPanel.js';
import { RunBar, type ExportFormat, type RunInfo } from './RunBar.js';
import { useTitlesSettings } from './settings.js';
import { RecordView, RunRecords } from './store.js';

type TitlesUpdate = Events['titles.update'];

function progressOf(run: RunSummary): TitlesProgress {
  return {
    total: run.total,
    inputDone: true,
    done: run.done,
    failed: run.failed,
    inFlight: 0,
    rate: 0,
    etaMs: null,
    elapsedMs: 0,
    duplicates: 0,
    paused: run.state === 'paused',
  };
}

/**
 * A language-neutral run name from its input: the first two hosts, and the number of URLs when there are more,
 * e.g. "jd.com, taobao.com (100)". Reads only as far as it needs, so a 100,000-line paste costs nothing here.
 */
export function runNameFor(text: string, urlCount: number): string {
  const hosts: string[] = [];
  let position = 0;
  for (let scanned = 0; hosts.length < 2 && position < text.length && scanned < 5000; scanned++) {
    let end = text.indexOf('\n', position);
    if (end === -1) end = text.length;
    const parsed = parseInputLine(text.slice(position, end));
    position = end + 1;
    if (parsed.kind !== 'url') continue;
    const host = new URL(parsed.url).hostname.replace(/^www\./, '');
    if (!hosts.includes(host)) hosts.push(host);
  }
  if (hosts.length === 0) return 'Titles';
  return `${hosts.join(', ')}${urlCount > hosts.length ? ` (${urlCount})` : ''}`.slice(0, 200);
}

function exportName(runName: string, extension: string): string {
  const base = runName.replace(/[^\p{L}\p{N}._-]+/gu, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'titles';
  return `titlewave-${base}.${extension}`;
}

interface Following {
  records: RunRecords;
  view: RecordView;
}

function newFollowing(previous?: Following): Following {
  const records = new RunRecords();
  const view = new RecordView(records);
  // A new run keeps the user's sort and filter.
  if (previous) {
    view.sort = previous.view.sort;
    view.query = previous.view.query;
  }
  return { records, view };
}

export function TitlesTab(props: { active: boolean }) {
  const t = useT(titlesMessages);
  const tc = useT(commonMessages);
  const tq = useT(clusterMessages);
  const failure = useFailureText();
  const format = useFormatters();
  const toast = useToast();

  const [text, setText] = useState('');
  const analysis = useInputAnalysis(text);
  const [settings, setSettings] = useTitlesSettings();
  const [inputOpen, setInputOpen] = useState(true);
  const [dragging, setDragging] = useState(false);
  const [starting, setStarting] = useState(false);
  const [busy, setBusy] = useState(false);
  const [exporting, setExporting] = useState(false);
  const [runs, setRuns] = useState<RunSummary[]>([]);
  const [run, setRun] = useState<RunInfo | null>(null);
  const [version, setVersion] = useState(0);
  const [following, setFollowing] = useState<Following>(() => newFollowing());

  const textareaRef = useRef<HTMLTextAreaElement>(null);
  const filterRef = useRef<HTMLInputElement>(null);
  const followingRef = useRef(following);
  const runIdRef = useRef<string | null>(null);
  const runRef = useRef<RunInfo | null>(null);
  runRef.current = run;
  /** Updates that arrive while a start or load is in flight wait here, so none is lost or applied to the wrong run. */
  const bufferRef = useRef<TitlesUpdate[] | null>(null);

  const fail = useCallback((what: string, error: unknown) => toast.show(tc('commandFailed', { what, message: failure.ofError(error) }), 'error'), [toast, tc, failure]);
  const cluster = useClusterSettings(useCallback((error: unknown) => fail(tq('whatSettings'), error), [fail, tq]));
  /** The workers of the queue the run on screen is on (runs on a queue only), as last sent. */
  const [workers, setWorkers] = useState<WorkersList | null>(null);

  const applyUpdate = useCallback((update: TitlesUpdate) => {
    const { records, view } = followingRef.current;
    if (update.records.length > 0) view.apply(records.put(update.records));
    const progress = update.summary ?? update.progress;
    // A run on a queue that stopped on an error is interrupted, not lost: it shows Resume.
    const state = update.error ? 'interrupted' : update.state === 'running' && progress.paused ? 'paused' : update.state;
    setRun((current) => (current && current.id === update.runId ? { ...current, state, progress } : current));
    setVersion((n) => n + 1);
    // A run on a queue that stopped on an error (it stays resumable): say why.
    if (update.error) failRef.current(tRef.current('whatQueueRun'), new Error(update.error));
  }, []);
  const failRef = useRef(fail);
  failRef.current = fail;
  const tRef = useRef(t);
  tRef.current = t;

  useApiEvent('cluster.workers', (list) => {
    if (list.runId === runIdRef.current) setWorkers({ ...list, receivedAt: Date.now() });
  });

  useApiEvent('titles.update', (update) => {
    if (bufferRef.current) bufferRef.current.push(update);
    else if (update.runId === runIdRef.current) applyUpdate(update);
  });

  /** Show the run `fill` returns: a fresh store filled by it, then the updates of that run that arrived meanwhile. */
  const follow = useCallback(
    async (fill: (target: Following) => Promise<RunInfo>) => {
      bufferRef.current = [];
      const target = newFollowing(followingRef.current);
      try {
        const info = await fill(target);
        target.view.rebuild();
        followingRef.current = target;
        if (runIdRef.current !== info.id) setWorkers(null);
        runIdRef.current = info.id;
        setFollowing(target);
        setRun(info);
        const buffered = bufferRef.current;
        bufferRef.current = null;
        for (const update of buffered) if (update.runId === info.id) applyUpdate(update);
        setVersion((n) => n + 1);
      } finally {
        bufferRef.current = null;
      }
    },
    [applyUpdate],
  );

  // History: the list now, then every change the services announce. A run going in this host (a reloaded page)
  // is shown again at once.
  useEffect(() => {
    invoke('history.list').then(
      (list) => {
        setRuns(list);
        const going = list.find((item) => item.state === 'running' || item.state === 'paused');
        if (going && !runIdRef.current && !bufferRef.current) void openRunRef.current(going);
      },
      (error: unknown) => fail(t('whatHistory'), error),
    );
    // Once, on mount; later changes come as events.
  }, []);
  useApiEvent('history.changed', ({ runs: list }) => {
    setRuns(list);
    // A run on screen that was going in another window has ended there, or its owner died: show it as it is now
    // (resumable when interrupted).
    const shown = runRef.current;
    const now = shown?.state === 'elsewhere' ? list.find((item) => item.id === shown.id) : undefined;
    if (now && now.state !== 'elsewhere') void openRunRef.current(now);
  });

  const start = useCallback(async () => {
    const input = textareaRef.current?.value ?? text;
    if (!input.trim() || starting) {
      if (!input.trim()) toast.show(t('noUrls'), 'info');
      return;
    }
    setStarting(true);
    const name = runNameFor(input, analysis.pending ? 0 : analysis.valid);
    const expectedRows = analysis.pending ? 0 : analysis.valid + analysis.invalidCount;
    try {
      await follow(async () => {
        const { runId, queue } = await invoke('titles.start', {
          text: input,
          settings: { ...settings, userAgent: settings.userAgent.trim() || defaultTitlesOptions.userAgent },
          name,
          target: cluster.settings?.runOn ?? 'local',
        });
        return {
          id: runId,
          name,
          ...(queue !== undefined ? { queue } : {}),
          state: 'running',
          // Until the first update, the live count's idea of the total (each valid URL and invalid line gets a row).
          progress: { total: expectedRows, inputDone: false, done: 0, failed: 0, inFlight: 0, rate: 0, etaMs: null, elapsedMs: 0, duplicates: 0, paused: false },
        };
      });
      setInputOpen(false);
    } catch (error) {
      fail(t('whatStart'), error);
    } finally {
      setStarting(false);
    }
  }, [text, starting, settings, follow, fail, t, toast, analysis, cluster.settings]);

  const openRun = useCallback(
    async (summary: Pick<RunSummary, 'id'>) => {
      try {
        await follow(async (target) => {
          const loaded = await invoke('history.load', summary.id);
          target.records.put(loaded.records);
          const progress = progressOf(loaded.run);
          return {
            id: loaded.run.id,
            name: loaded.run.name,
            state: loaded.run.state,
            ...(loaded.run.queue !== undefined ? { queue: loaded.run.queue } : {}),
            progress: { ...progress, done: Math.max(progress.done, target.records.size) },
          };
        });
        setInputOpen(false);
      } catch (error) {
        fail(t('whatLoad'), error);
      }
    },
    [follow, fail, t],
  );

  const openRunRef = useRef(openRun);
  openRunRef.current = openRun;

  // Back after the connection dropped: updates sent meanwhile were missed, and the host may have restarted (its run
  // then interrupted). Fetch the list and the run on screen again.
  useReconnected(() => {
    invoke('history.list').then(setRuns, () => undefined);
    const shown = runRef.current;
    if (shown && !bufferRef.current) void openRun({ id: shown.id });
  });

  const resumeRun = useCallback(
    async (summary: RunSummary) => {
      setBusy(true);
      try {
        let adjusted: SettingAdjustment[] = [];
        await follow(async (target) => {
          const resumed = await invoke('history.resume', summary.id);
          const { runId } = resumed;
          adjusted = resumed.adjusted;
          const loaded = await invoke('history.load', runId);
          target.records.put(loaded.records);
          return {
            id: runId,
            name: loaded.run.name,
            state: 'running',
            ...(loaded.run.queue !== undefined ? { queue: loaded.run.queue } : {}),
            progress: { ...progressOf(loaded.run), done: target.records.size },
          };
        });
        setInputOpen(false);
        toast.show(t('resumed', { name: summary.name }), 'info');
        const note = adjustedSettingsNote(adjusted, t, format);
        if (note) toast.show(note, 'info');
      } catch (error) {
        fail(t('whatResume'), error);
      } finally {
        setBusy(false);
      }
    },
    [follow, fail, t, toast, format],
  );

  const control = useCallback(
    async (command: 'titles.pause' | 'titles.resume' | 'titles.cancel', what: string) => {
      const id = runIdRef.current;
      if (!id) return;
      setBusy(true);
      try {
        await invoke(command, id);
        if (command !== 'titles.cancel') setRun((current) => (current && current.id === id ? { ...current, state: command === 'titles.pause' ? 'paused' : 'running' } : current));
      } catch (error) {
        fail(what, error);
      } finally {
        setBusy(false);
      }
    },
    [fail],
  );

  const retryFailed = useCallback(async () => {
    const id = runIdRef.current;
    if (!id) return;
    setBusy(true);
    try {
      const { count, adjusted } = await invoke('titles.retryFailed', id);
      if (count === 0) toast.show(t('nothingToRetry'), 'info');
      else {
        setRun((current) => (current && current.id === id ? { ...current, state: 'running' } : current));
        toast.show(t('retryStarted', { count, formatted: format.number(count) }), 'info');
        const note = adjustedSettingsNote(adjusted, t, format);
        if (note) toast.show(note, 'info');
      }
    } catch (error) {
      fail(t('whatRetry'), error);
    } finally {
      setBusy(false);
    }
  }, [fail, t, toast, format]);

  const exportRun = useCallback(
    async (kind: ExportFormat) => {
      const current = followingRef.current;
      if (!run || current.records.size === 0) {
        toast.show(t('exportEmpty'), 'info');
        return;
      }
      if (exporting) return;
      setExporting(true);
      const suggestedName = exportName(run.name, kind);
      try {
        const body = await buildExport([...current.records.inOrder()], kind);
        const saved = await invoke('dialog.saveText', { suggestedName, text: body });
        if (saved) toast.show(t('exported', { name: suggestedName }), 'success');
      } catch (error) {
        fail(t('whatExport'), error);
      } finally {
        setExporting(false);
      }
    },
    [run, toast, t, fail, exporting],
  );

  const addFiles = useCallback(
    (files: { name: string; text: string }[]) => {
      if (files.length === 0) return;
      let added = '';
      let lines = 0;
      for (const file of files) {
        const body = urlLinesOf(file.name, file.text);
        if (!body) continue;
        lines += body.split('\n').length;
        added = appendLines(added, body);
      }
      setText((current) => appendLines(current, added));
      setInputOpen(true);
      toast.show(t('filesAdded', { files: files.length, name: files[0]!.name, lines: format.number(lines) }), 'success');
    },
    [toast, t, format],
  );

  const openFiles = useCallback(() => {
    // Called straight from the click: browser mode needs the user activation to show its file picker.
    invoke('dialog.openTextFiles').then(
      (files) => {
        if (files) addFiles(files);
      },
      (error: unknown) => fail(t('whatOpen'), error),
    );
  }, [addFiles, fail, t]);

  const openExternal = useCallback(
    (url: string) => {
      if (!isWebUrl(url)) return;
      invoke('shell.openExternal', url).catch((error: unknown) => fail(t('whatOpenExternal'), error));
    },
    [fail, t],
  );

  const deleteRun = useCallback(
    async (summary: RunSummary) => {
      try {
        await invoke('history.delete', summary.id);
        if (runIdRef.current === summary.id) {
          const fresh = newFollowing(followingRef.current);
          followingRef.current = fresh;
          runIdRef.current = null;
          setFollowing(fresh);
          setRun(null);
          setVersion((n) => n + 1);
          setInputOpen(true);
        }
        toast.show(t('deleted', { name: summary.name }), 'info');
      } catch (error) {
        fail(t('whatDelete'), error);
      }
    },
    [toast, t, fail],
  );

  const live = run !== null && (run.state === 'running' || run.state === 'paused');

  // Keyboard: Ctrl/Cmd+Enter starts, Esc cancels, Ctrl/Cmd+F finds in the results.
  const keys = useRef({ start, cancel: () => control('titles.cancel', t('whatCancel')), live });
  keys.current = { start, cancel: () => control('titles.cancel', t('whatCancel')), live };
  useEffect(() => {
    if (!props.active) return;
    const onKeyDown = (event: KeyboardEvent) => {
      const mod = event.ctrlKey || event.metaKey;
      if (mod && event.key === 'Enter') {
        event.preventDefault();
        void keys.current.start();
      } else if (event.key === 'Escape' && keys.current.live && !event.defaultPrevented && !document.querySelector('dialog[open]')) {
        event.preventDefault();
        void keys.current.cancel();
      } else if (mod && event.key.toLowerCase() === 'f' && !event.shiftKey) {
        event.preventDefault();
        filterRef.current?.focus();
        filterRef.current?.select();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [props.active]);

  // Menu commands from the host (Electron's application menu).
  useApiEvent('menu.command', ({ command }: { command: MenuCommand }) => {
    if (command === 'open') openFiles();
    else if (command === 'export-csv') void exportRun('csv');
    else if (command === 'export-json') void exportRun('json');
    else if (command === 'export-jsonl') void exportRun('jsonl');
    else if (!props.active) return;
    else if (command === 'start') void start();
    else if (command === 'cancel' && live) void control('titles.cancel', t('whatCancel'));
  });

  // Files dropped anywhere on the window while this tab is shown.
  useEffect(() => {
    if (!props.active) return;
    let depth = 0;
    const hasFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;
    const onEnter = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      depth++;
      setDragging(true);
      // Show the URL box as the target, even when it was folded away during a run.
      setInputOpen(true);
    };
    const onLeave = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const onOver = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    };
    const onDrop = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      depth = 0;
      setDragging(false);
      const files = [...(event.dataTransfer?.files ?? [])];
      const accepted = files.filter((file) => isUrlListFile(file.name, file.type));
      for (const file of files) if (!accepted.includes(file)) toast.show(t('fileRejected', { name: file.name }), 'error');
      // Decoded as Open… and the CLI do (UTF-16 by its byte order mark), not with file.text() (UTF-8 only).
      Promise.all(accepted.map(async (file) => ({ name: file.name, text: decodeTextFile(new Uint8Array(await file.arrayBuffer()), file.name) }))).then(addFiles, (error: unknown) =>
        fail(t('whatOpen'), error),
      );
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('dragover', onOver);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('drop', onDrop);
    };
  }, [props.active, addFiles, fail, t, toast]);

  // The window (or browser tab) title shows a live run's progress, for when the window is in the background.
  const percent = run && live && run.progress.total > 0 ? Math.floor((run.progress.done / run.progress.total) * 100) : null;
  useEffect(() => {
    document.title = percent === null ? tc('appName') : `${percent}% · ${tc('appName')}`;
  }, [percent, tc]);

  const onSortChange = useCallback(() => setVersion((n) => n + 1), []);
  // The list is refreshed about once a second; the run on screen has fresher counts from its own updates.
  const sidebarRuns = useMemo(
    () =>
      runs.map((item) => {
        // A run going elsewhere has fresher counts in the list (its owner saves them) than on screen.
        if (!run || item.id !== run.id || run.progress.total === 0 || run.state === 'elsewhere') return item;
        const state = run.state === 'failed' ? item.state : run.state;
        return { ...item, done: run.progress.done, failed: run.progress.failed, total: run.progress.total, state };
      }),
    [runs, run],
  );
  const summaryCount = analysis.valid;

  return (
    <div className="titles">
      <HistorySidebar
        runs={sidebarRuns}
        activeRunId={run?.id ?? null}
        onOpen={(summary) => void openRun(summary)}
        onResume={(summary) => void resumeRun(summary)}
        onDelete={(summary) => void deleteRun(summary)}
      />
      <div className="titles__main">
        <section className={`card input-card${inputOpen ? '' : ' input-card--collapsed'}`} aria-labelledby="input-heading">
          <div className="card__header">
            <h2 id="input-heading" className="card__title">
              <button type="button" className="disclosure" aria-expanded={inputOpen} aria-controls="input-body" onClick={() => setInputOpen((open) => !open)}>
                <span className="disclosure__chevron" aria-hidden="true" />
                {t('inputHeading')}
              </button>
            </h2>
            {!inputOpen ? (
              <span className="card__summary">{text.trim() ? t('inputSummary', { count: summaryCount, formatted: format.number(summaryCount) }) : null}</span>
            ) : null}
          </div>
          <div id="input-body" className="card__body" hidden={!inputOpen}>
            <InputPanel
              text={text}
              onTextChange={setText}
              analysis={analysis}
              settings={settings}
              onSettingsChange={setSettings}
              onOpen={openFiles}
              onStart={() => void start()}
              starting={starting}
              textareaRef={textareaRef}
              dragging={dragging}
              runOn={<RunOnSetting state={cluster} />}
            />
          </div>
        </section>
        {run ? (
          <RunBar
            run={run}
            rows={following.records.size}
            failedRows={following.records.failed}
            busy={busy}
            exporting={exporting}
            onPause={() => void control('titles.pause', t('whatPause'))}
            onResume={() => void control('titles.resume', t('whatResume'))}
            onCancel={() => void control('titles.cancel', t('whatCancel'))}
            onResumeInterrupted={() => {
              const summary = runs.find((item) => item.id === run.id);
              void resumeRun(summary ?? { id: run.id, name: run.name, createdAt: '', total: run.progress.total, done: run.progress.done, failed: run.progress.failed, state: 'interrupted', settings });
            }}
            onRetryFailed={() => void retryFailed()}
            onExport={(kind) => void exportRun(kind)}
          />
        ) : null}
        {run?.queue !== undefined && live ? <WorkersPanel queue={run.queue} runId={run.id} list={workers} /> : null}
        <ResultsPanel
          view={following.view}
          version={version}
          runKey={run?.id ?? null}
          running={live}
          onSortChange={onSortChange}
          onOpenExternal={openExternal}
          filterRef={filterRef}
        />
      </div>
    </div>
  );
}
