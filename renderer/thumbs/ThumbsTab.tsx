/**
 * Thumbnails tab (issue 5): images in on the left (drop, choose, or type a path) with the settings below them; the
 * run on the right: progress, a live grid of thumbnails as they are made, the files that failed and why.
 */
import '../styles/thumbs.css';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Events, LastThumbs } from '../../src/contract.js';
import type { ThumbRecord } from '../../src/thumbs/types.js';
import { errorMessage, invoke, useApiEvent } from '../api.js';
import { commonMessages } from '../i18n/common.js';
import { useT } from '../i18n/index.js';
import { JobFollower, useCancelJob, useEscapeCancels, useLastJob } from '../jobs/job-follower.js';
import { useAppInfo } from '../primes/use-app-info.js';
import { InputsPanel, type ScanState } from './InputsPanel.js';
import { commonFolder, dirName } from './paths.js';
import { RunPanel } from './RunPanel.js';
import type { ThumbsRun } from './run.js';
import { SettingsPanel } from './SettingsPanel.js';
import { useFileDrop } from './use-file-drop.js';
import { loadSettings, patternProblem, saveSettings, type ThumbsSettings } from './settings.js';


const maxInputs = 10_000;

/**
 * Fold records into a run: made ones into the grid (and the folder holding every output), failed ones listed. Images
 * that were being made when the job was cancelled are neither: the counts above say how many.
 */
function addRecords(run: ThumbsRun, records: readonly ThumbRecord[]): void {
  for (const record of records) {
    if (record.error?.code === 'CANCELLED') continue;
    if (record.error) {
      run.failed.push(record);
      continue;
    }
    run.made.push(record);
    for (const output of record.outputs) {
      const folder = dirName(output.path);
      run.outputsFolder = run.outputsFolder === null ? folder : (commonFolder(run.outputsFolder, folder) ?? run.outputsFolder);
    }
  }
}

export function ThumbsTab() {
  const info = useAppInfo();
  const tc = useT(commonMessages);
  const [paths, setPaths] = useState<string[]>([]);
  const [scan, setScan] = useState<ScanState>({ status: 'idle' });
  const [settings, setSettingsState] = useState<ThumbsSettings>(loadSettings);
  const run = useRef<ThumbsRun | null>(null);
  const [version, setVersion] = useState(0);
  const bump = () => setVersion((v) => v + 1);

  const setSettings = (next: ThumbsSettings) => {
    setSettingsState(next);
    saveSettings(next);
  };

  // The output folder is not walked when it lies inside an input folder, so the count depends on it too: a typed
  // folder is looked at once the typing pauses, not at every keystroke.
  const [scanOutDir, setScanOutDir] = useState(settings.outDir);
  useEffect(() => {
    const timer = setTimeout(() => setScanOutDir(settings.outDir), 400);
    return () => clearTimeout(timer);
  }, [settings.outDir]);

  // Look through the inputs whenever they change; a newer scan supersedes an older one still running.
  const scanGeneration = useRef(0);
  useEffect(() => {
    const generation = ++scanGeneration.current;
    if (paths.length === 0) {
      setScan({ status: 'idle' });
      return;
    }
    setScan({ status: 'scanning' });
    invoke('thumbs.scan', { paths, outDir: scanOutDir }).then(
      (result) => {
        if (generation === scanGeneration.current) setScan({ status: 'done', result });
      },
      (error: unknown) => {
        if (generation === scanGeneration.current) setScan({ status: 'failed', message: errorMessage(error) });
      },
    );
  }, [paths, scanOutDir]);

  const follower = useMemo(
    () =>
      new JobFollower<Events['thumbs.update']>((update) => {
        const current = run.current;
        if (!current) return;
        current.state = update.state;
        current.progress = update.progress;
        if (update.error) current.error = update.error;
        if (update.outDir) current.outDir = update.outDir;
        addRecords(current, update.records);
        bump();
      }),
    [],
  );
  useApiEvent('thumbs.update', (update) => follower.receive(update));

  const current = run.current;
  const running = current?.state === 'running' || current?.state === 'starting';
  const imageCount = scan.status === 'done' ? scan.result.images.length : 0;
  const canStart = !running && paths.length > 0 && imageCount > 0 && settings.sizes.length > 0 && !patternProblem(settings.pattern, settings.sizes);

  const start = async () => {
    if (!canStart) return;
    run.current = { jobId: null, state: 'starting', progress: null, made: [], failed: [], outDir: null, outputsFolder: null, error: null, truncated: false };
    bump();
    follower.begin();
    try {
      const { jobId } = await invoke('thumbs.start', { paths, settings });
      if (run.current) run.current.jobId = jobId;
      follower.started(jobId);
    } catch (error) {
      follower.stop();
      if (run.current) {
        run.current.state = 'failed';
        run.current.error = errorMessage(error);
      }
      bump();
    }
  };

  const cancel = useCancelJob(follower);

  useLastJob({
    follower,
    fetch: () => invoke('thumbs.last'),
    updateOf: (last: LastThumbs) => last.update,
    show: ({ request, update, truncated }) => {
      // A reloaded page: the inputs of the job it shows, unless the user has others listed already.
      if (run.current?.jobId !== update.jobId) setPaths((list) => (list.length === 0 ? request.paths.slice(0, maxInputs) : list));
      const shown: ThumbsRun = { jobId: update.jobId, state: update.state, progress: update.progress, made: [], failed: [], outDir: update.outDir, outputsFolder: null, error: update.error ?? null, truncated };
      addRecords(shown, update.records);
      run.current = shown;
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

  const addPaths = (added: string[]) =>
    setPaths((list) => {
      const next = [...list];
      for (const path of added) if (!next.includes(path) && next.length < maxInputs) next.push(path);
      return next.length === list.length ? list : next;
    });

  const drop = useFileDrop(addPaths, running, info?.nativeDialogs ?? false);

  // Application menu: Start and Cancel act on this tab while it is the one shown; so does Esc.
  const root = useRef<HTMLDivElement>(null);
  useEscapeCancels(root, running, () => void cancel());
  useApiEvent('menu.command', ({ command }) => {
    if (!root.current || root.current.closest('[hidden]')) return;
    if (command === 'start') void start();
    else if (command === 'cancel') void cancel();
  });

  return (
    <div
      className="thumbs-tab"
      ref={root}
      data-dragging={drop.dragging}
      data-drop-refused={!(info?.nativeDialogs ?? false)}
      {...drop.handlers}
    >
      <div className="thumbs-tab__side">
        <InputsPanel
          paths={paths}
          onAdd={addPaths}
          onRemove={(path) => setPaths((list) => list.filter((p) => p !== path))}
          onClear={() => setPaths([])}
          scan={scan}
          nativeDialogs={info?.nativeDialogs ?? false}
          disabled={running}
          dragging={drop.dragging}
          droppedWithoutPaths={drop.pathsUnknown}
          onDismissNotice={drop.clearNotice}
          home={info?.homeDir ?? null}
        />
        <SettingsPanel
          settings={settings}
          onChange={setSettings}
          scan={scan.status === 'done' ? scan.result : null}
          nativeDialogs={info?.nativeDialogs ?? false}
          disabled={running}
        />
      </div>
      <RunPanel
        run={current}
        version={version}
        imageCount={imageCount}
        canStart={canStart}
        running={running}
        onStart={() => void start()}
        onCancel={() => void cancel()}
      />
    </div>
  );
}
