/**
 * The Titles tab: history on the left; on the right the new-run panel (URLs and settings), the run bar (progress,
 * pause/resume/cancel, retry, export) and the results. It follows one run at a time (use-followed-run.ts); files
 * dropped on the window and the keyboard have hooks of their own (use-url-drop.ts, use-titles-shortcuts.ts).
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { RunSummary, SettingAdjustment, SitemapExpansion } from '../../src/contract.js';
import { proxySettingProblem } from '../../src/titles/list-settings.js';
import { firstHostOf, runName } from '../../src/titles/run-name.js';
import type { TitlesProgress } from '../../src/titles/types.js';
import { invoke, isWebUrl, useApiEvent } from '../api.js';
import { useFailureText } from '../cluster/failure.js';
import { useClusterSettings } from '../cluster/use-cluster-settings.js';
import { WorkersPanel, type WorkersList } from '../cluster/WorkersPanel.js';
import { useToast } from '../components/Toasts.js';
import { useReconnected } from '../connection.js';
import { HistorySidebar } from '../history/HistorySidebar.js';
import { clusterMessages } from '../i18n/cluster.js';
import { commonMessages } from '../i18n/common.js';
import { useFormatters, useT } from '../i18n/index.js';
import { titlesMessages } from '../i18n/titles.js';
import { buildExport } from './export.js';
import { adjustedSettingsNote } from './adjusted-settings.js';
import { appendLines, CsvUnreadableError, urlLinesOf } from './files.js';
import { InputPanel } from './InputPanel.js';
import { ResultsPanel } from './ResultsPanel.js';
import { RunBar, type ExportScope } from './RunBar.js';
import { RunOnSetting } from './RunOnSetting.js';
import type { ExportFormat } from './run.js';
import { settingsForRun, useTitlesSettings } from './settings.js';
import { settingsValid } from './SettingsPanel.js';
import { SitemapDialog } from './SitemapDialog.js';
import { useFollowedRun } from './use-followed-run.js';
import { useInputAnalysis } from './useInputAnalysis.js';
import { useTitlesShortcuts } from './use-titles-shortcuts.js';
import { useUrlDrop } from './use-url-drop.js';

function progressOf(run: RunSummary): TitlesProgress {
  return {
    total: run.total,
    inputDone: true,
    done: run.done,
    failed: run.failed,
    inFlight: 0,
    rate: 0,
    etaMs: null,
    elapsedMs: run.elapsedMs ?? 0,
    duplicates: 0,
    paused: run.state === 'paused',
  };
}

/**
 * A language-neutral run name from its input: the first URL's host and the number of URLs, e.g.
 * "jd.com (20,000)" (src/titles/run-name.ts). Reads only as far as it needs, so a 100,000-line paste costs nothing.
 */
export function runNameFor(text: string, urlCount: number): string {
  const host = firstHostOf(text);
  return host === null ? 'Titles' : runName(host, urlCount);
}

function exportName(name: string, extension: string, scope: ExportScope): string {
  const base = name.replace(/[^\p{L}\p{N}._-]+/gu, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'titles';
  return `titlewave-${base}${scope === 'view' ? '-view' : ''}.${extension}`;
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
  const [starting, setStarting] = useState(false);
  const [busy, setBusy] = useState(false);
  const [exporting, setExporting] = useState(false);
  const [exportScope, setExportScope] = useState<ExportScope>('all');
  const [runs, setRuns] = useState<RunSummary[]>([]);
  const [sitemapOpen, setSitemapOpen] = useState(false);

  const textareaRef = useRef<HTMLTextAreaElement>(null);
  const filterRef = useRef<HTMLInputElement>(null);

  const fail = useCallback((what: string, error: unknown) => toast.show(tc('commandFailed', { what, message: failure.ofError(error) }), 'error'), [toast, tc, failure]);
  const followed = useFollowedRun((error) => fail(t('whatQueueRun'), new Error(error)));
  const { run, setRun, following, followingRef, runRef, follow } = followed;
  const cluster = useClusterSettings(useCallback((error: unknown) => fail(tq('whatSettings'), error), [fail, tq]));
  /** The workers of the queue the run on screen is on (runs on a queue only), as last sent. */
  const [workers, setWorkers] = useState<WorkersList | null>(null);
  useApiEvent('cluster.workers', (list) => {
    if (list.runId === runRef.current?.id) setWorkers({ ...list, receivedAt: Date.now() });
  });
  // Another run on screen: the last one's workers are not its.
  useEffect(() => setWorkers(null), [run?.id]);

  // History: the list now, then every change the services announce. A run going in this host (a reloaded page)
  // is shown again at once.
  useEffect(() => {
    invoke('history.list').then(
      (list) => {
        setRuns(list);
        const going = list.find((item) => item.state === 'running' || item.state === 'paused');
        if (going && !runRef.current && !followed.pending()) void openRunRef.current(going);
      },
      (error: unknown) => fail(t('whatHistory'), error),
    );
    // Once, on mount; later changes come as events.
  }, []);
  useApiEvent('history.changed', ({ runs: list }) => {
    setRuns(list);
    const shown = runRef.current;
    const now = shown ? list.find((item) => item.id === shown.id) : undefined;
    // Renamed (here or in another window): the run bar follows.
    if (shown && now && now.name !== shown.name) setRun((current) => (current && current.id === now.id ? { ...current, name: now.name } : current));
    // A run on screen that was going in another window has ended there, or its owner died: show it as it is now
    // (resumable when interrupted).
    if (shown?.state === 'elsewhere' && now && now.state !== 'elsewhere') void openRunRef.current(now);
  });

  const start = useCallback(async () => {
    const input = textareaRef.current?.value ?? text;
    if (!input.trim() || starting) {
      if (!input.trim()) toast.show(t('noUrls'), 'info');
      return;
    }
    if (!settingsValid(settings)) {
      setInputOpen(true);
      toast.show(t('fixSettings'), 'error');
      return;
    }
    setStarting(true);
    const name = runNameFor(input, analysis.pending ? 0 : analysis.valid);
    const expectedRows = analysis.pending ? 0 : analysis.valid + analysis.invalidCount;
    try {
      const shown = await follow(async () => {
        const { runId, queue } = await invoke('titles.start', { text: input, settings: settingsForRun(settings), name, target: cluster.settings?.runOn ?? 'local' });
        return {
          id: runId,
          name,
          ...(queue !== undefined ? { queue } : {}),
          state: 'running',
          // Until the first update, the live count's idea of the total (each valid URL and invalid line gets a row).
          progress: { total: expectedRows, inputDone: false, done: 0, failed: 0, inFlight: 0, rate: 0, etaMs: null, elapsedMs: 0, duplicates: 0, paused: false },
        };
      });
      if (shown) setInputOpen(false);
    } catch (error) {
      fail(t('whatStart'), error);
    } finally {
      setStarting(false);
    }
  }, [text, starting, settings, follow, fail, t, toast, analysis, cluster.settings]);

  const openRun = useCallback(
    async (summary: Pick<RunSummary, 'id'>) => {
      try {
        const shown = await follow(async (target) => {
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
        if (shown) setInputOpen(false);
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
    if (shown && !followed.pending()) void openRun({ id: shown.id });
  });

  const resumeRun = useCallback(
    async (summary: RunSummary) => {
      setBusy(true);
      try {
        let adjusted: SettingAdjustment[] = [];
        const shown = await follow(async (target) => {
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
        if (shown) {
          setInputOpen(false);
          toast.show(t('resumed', { name: summary.name }), 'info');
        }
        // Saved settings beyond today's limits: say what the run uses instead.
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
      const id = runRef.current?.id;
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
    [fail, runRef, setRun],
  );

  /** Retry failed rows, or the rows the user chose. */
  const retry = useCallback(
    async (indices: number[] | null) => {
      const id = runRef.current?.id;
      if (!id) return;
      setBusy(true);
      try {
        const { count, adjusted } = indices === null ? await invoke('titles.retryFailed', id) : await invoke('titles.retryRows', id, { indices });
        if (count === 0) toast.show(t('nothingToRetry'), 'info');
        else {
          setRun((current) => (current && current.id === id ? { ...current, state: 'running' } : current));
          toast.show(t(indices === null ? 'retryStarted' : 'retryRowsStarted', { count, formatted: format.number(count) }), 'info');
          const note = adjustedSettingsNote(adjusted, t, format);
          if (note) toast.show(note, 'info');
        }
      } catch (error) {
        fail(t('whatRetry'), error);
      } finally {
        setBusy(false);
      }
    },
    [fail, t, toast, format, runRef, setRun],
  );

  const renameRun = useCallback(
    async (id: string, name: string): Promise<boolean> => {
      try {
        await invoke('history.rename', id, name);
        setRun((current) => (current && current.id === id ? { ...current, name } : current));
        setRuns((list) => list.map((item) => (item.id === id ? { ...item, name } : item)));
        return true;
      } catch (error) {
        fail(t('whatRename'), error);
        return false;
      }
    },
    [fail, t, setRun],
  );

  const exportRun = useCallback(
    async (kind: ExportFormat) => {
      const current = followingRef.current;
      const shown = runRef.current;
      if (!shown || current.records.size === 0) {
        toast.show(t('exportEmpty'), 'info');
        return;
      }
      if (exporting) return;
      // The rows in view only when the user chose them and they differ from the whole run.
      const scope: ExportScope = exportScope === 'view' && (current.view.narrowed || current.view.sort !== null) ? 'view' : 'all';
      const records = scope === 'view' ? [...current.view.inViewOrder()] : [...current.records.inOrder()];
      if (records.length === 0) {
        toast.show(t('exportEmpty'), 'info');
        return;
      }
      setExporting(true);
      const suggestedName = exportName(shown.name, kind, scope);
      try {
        let saved: boolean;
        if (kind === 'xlsx') {
          // The workbook is made by the services from the run's journal: the same rows, those in view in their order.
          const { base64 } = await invoke('titles.exportXlsx', shown.id, { indices: scope === 'view' ? records.map((record) => record.index) : null });
          saved = await invoke('dialog.saveBytes', { suggestedName, base64 });
        } else {
          const body = await buildExport(records, kind);
          saved = await invoke('dialog.saveText', { suggestedName, text: body });
        }
        if (saved) toast.show(t('exported', { name: suggestedName }), 'success');
      } catch (error) {
        fail(t('whatExport'), error);
      } finally {
        setExporting(false);
      }
    },
    [toast, t, fail, exporting, exportScope, followingRef, runRef],
  );

  const addFiles = useCallback(
    (files: { name: string; text: string }[]) => {
      if (files.length === 0) return;
      let added = '';
      let lines = 0;
      for (const file of files) {
        let body: string;
        try {
          body = urlLinesOf(file.name, file.text);
        } catch (error) {
          if (!(error instanceof CsvUnreadableError)) throw error;
          toast.show(error.line === null ? t('csvUnreadable', { name: file.name }) : t('csvUnreadableAt', { name: file.name, line: error.line }), 'error');
          continue;
        }
        if (!body) continue;
        lines += body.split('\n').length;
        added = appendLines(added, body);
      }
      if (!added) return;
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

  const addFromSitemap = useCallback(
    (result: SitemapExpansion) => {
      setSitemapOpen(false);
      if (result.urls === 0) return;
      setText((current) => appendLines(current, result.text));
      setInputOpen(true);
      toast.show(t('sitemapAdded', { count: result.urls, formatted: format.number(result.urls) }), 'success');
    },
    [toast, t, format],
  );

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
        if (runRef.current?.id === summary.id) {
          followed.clear();
          setInputOpen(true);
        }
        toast.show(t('deleted', { name: summary.name }), 'info');
      } catch (error) {
        fail(t('whatDelete'), error);
      }
    },
    [toast, t, fail, followed, runRef],
  );

  const live = run !== null && (run.state === 'running' || run.state === 'paused');
  const cancel = () => void control('titles.cancel', t('whatCancel'));

  useTitlesShortcuts(props.active, { start: () => void start(), cancel, openFiles, exportRun: (kind) => void exportRun(kind), live, filterRef });

  const dragging = useUrlDrop(props.active, {
    // Show the URL box as the target, even when it was folded away during a run.
    onDragStart: () => setInputOpen(true),
    onFiles: addFiles,
    onRejected: (name) => toast.show(t('fileRejected', { name }), 'error'),
    onError: (error) => fail(t('whatOpen'), error),
  });

  // The window (or browser tab) title shows a live run's progress, for when the window is in the background.
  const percent = run && live && run.progress.total > 0 ? Math.floor((run.progress.done / run.progress.total) * 100) : null;
  useEffect(() => {
    document.title = percent === null ? tc('appName') : `${percent}% · ${tc('appName')}`;
  }, [percent, tc]);

  // The list is refreshed about once a second; the run on screen has fresher counts from its own updates.
  const sidebarRuns = useMemo(
    () =>
      runs.map((item) => {
        // A run going elsewhere has fresher counts in the list (its owner saves them) than on screen.
        if (!run || item.id !== run.id || run.progress.total === 0 || run.state === 'elsewhere') return item;
        const state = run.state === 'failed' ? item.state : run.state;
        return { ...item, name: run.name, done: run.progress.done, failed: run.progress.failed, total: run.progress.total, state };
      }),
    [runs, run],
  );
  const summaryCount = analysis.valid;
  const { records, view } = following;

  return (
    <div className="titles">
      <HistorySidebar
        runs={sidebarRuns}
        activeRunId={run?.id ?? null}
        onOpen={(summary) => void openRun(summary)}
        onResume={(summary) => void resumeRun(summary)}
        onDelete={(summary) => void deleteRun(summary)}
        onRename={(summary, name) => renameRun(summary.id, name)}
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
              onFromSitemap={() => setSitemapOpen(true)}
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
            counts={{
              rows: records.size,
              failed: records.failed,
              httpErrors: records.httpErrors,
              retryable: records.retryable,
              inView: view.order.length,
              viewDiffers: view.narrowed || view.sort !== null,
            }}
            busy={busy}
            exporting={exporting}
            exportScope={exportScope}
            onExportScope={setExportScope}
            onPause={() => void control('titles.pause', t('whatPause'))}
            onResume={() => void control('titles.resume', t('whatResume'))}
            onCancel={cancel}
            onResumeInterrupted={() => {
              const summary = runs.find((item) => item.id === run.id);
              void resumeRun(summary ?? { id: run.id, name: run.name, createdAt: '', total: run.progress.total, done: run.progress.done, failed: run.progress.failed, state: 'interrupted', settings });
            }}
            onRetryFailed={() => void retry(null)}
            onExport={(kind) => void exportRun(kind)}
            onRename={(name) => renameRun(run.id, name)}
          />
        ) : null}
        {run?.queue !== undefined && live ? <WorkersPanel queue={run.queue} runId={run.id} list={workers} /> : null}
        {/* Mounted only while open: a closed dialog would still be found by its label ("URLs from a sitemap"). */}
        {sitemapOpen ? <SitemapDialog open settings={settings} blocked={proxySettingProblem(settings.proxy) !== null} onAdd={addFromSitemap} onClose={() => setSitemapOpen(false)} /> : null}
        <ResultsPanel
          view={view}
          version={followed.version}
          runKey={run?.id ?? null}
          running={live}
          canRetry={run !== null && !live && run.state !== 'elsewhere' && !busy}
          onRetryRows={(indices) => void retry(indices)}
          onViewChange={followed.bump}
          onOpenExternal={openExternal}
          filterRef={filterRef}
        />
      </div>
    </div>
  );
}
