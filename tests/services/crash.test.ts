/**
 * Runs that outlive their process: a journal left by a crash (torn last line, dead owner), and a real process
 * SIGKILLed in the middle of a run. Resuming fetches only the rows without a record and loses none.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Events, TitlesSettings } from '../../src/contract.js';
import { createServices, type Services } from '../../src/services/index.js';
import type { RunMeta } from '../../src/services/journal.js';
import { STORED_RUN_VERSION } from '../../src/services/stored-run.js';
import type { TitleRecord } from '../../src/titles/types.js';
import { startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';

const repoRoot = join(import.meta.dirname, '..', '..');
const settings: TitlesSettings = { concurrency: 4, perHost: 4, timeoutMs: 10_000, retries: 0, userAgent: '', proxy: 'direct', robots: 'ignore', rate: null, render: 'never', renderers: 2, renderTimeoutMs: 10_000 };

let web: FixtureWeb;
const open: Services[] = [];

beforeAll(async () => {
  web = await startFixtureWeb();
});
afterAll(async () => {
  await web.close();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((services) => services.close()));
});

function hitsOf(url: string): number {
  const { pathname, search } = new URL(url);
  return web.hits(pathname + search);
}

function servicesFor(dataDir: string): { services: Services; updates: Events['titles.update'][] } {
  const services = createServices({ dataDir });
  open.push(services);
  const updates: Events['titles.update'][] = [];
  services.on('titles.update', (update) => updates.push(update));
  return { services, updates };
}

async function waitDone(updates: Events['titles.update'][], runId: string): Promise<Events['titles.update']> {
  await expect.poll(() => updates.some((u) => u.runId === runId && u.state === 'done'), { timeout: 30_000, interval: 20 }).toBe(true);
  return updates.find((u) => u.runId === runId && u.state === 'done') as Events['titles.update'];
}

/** The pid of a process that has exited (what a crashed owner leaves in meta.json). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid as number;
}

function recordFor(index: number, url: string, title: string): TitleRecord {
  return {
    index,
    url,
    finalUrl: url,
    status: 200,
    title,
    ogTitle: null,
    description: null,
    canonical: null,
    lang: null,
    contentType: 'text/html',
    encoding: 'UTF-8',
    encodingSource: 'http',
    redirects: [],
    bytes: 100,
    durationMs: 5,
    attempts: 1,
    error: null,
    staticTitle: title,
    rendered: false,
    renderMs: null,
    warning: null,
  };
}

async function writeRun(dataDir: string, id: string, urls: string[], records: string, meta: Partial<RunMeta>): Promise<void> {
  const dir = join(dataDir, 'runs', id);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'input.txt'), urls.join('\n'));
  const now = new Date().toISOString();
  const full: RunMeta = { version: STORED_RUN_VERSION, writtenBy: 'test', id, name: id, createdAt: now, updatedAt: now, settings, total: urls.length, done: 0, failed: 0, state: 'running', owner: null, summary: null, ...meta };
  await writeFile(join(dir, 'meta.json'), JSON.stringify(full));
  await writeFile(join(dir, 'records.jsonl'), records);
}

describe('runs after a crash', () => {
  it('shows a run whose owner died as interrupted, ignores the torn last line, and resumes only the missing rows', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'titlewave-crash-'));
    const urls = Array.from({ length: 10 }, (_, i) => web.url(`/page/torn-${i}`));
    const journaled = [0, 1, 2].map((i) => JSON.stringify(recordFor(i, urls[i] as string, `From the journal ${i}`)) + '\n').join('');
    const torn = JSON.stringify(recordFor(3, urls[3] as string, 'Torn')).slice(0, 40);
    await writeRun(dataDir, 'torn', urls, journaled + torn, { owner: { pid: await deadPid(), session: 'gone' }, done: 3 });

    const { services, updates } = servicesFor(dataDir);
    expect(await services.invoke('history.list', [])).toEqual([expect.objectContaining({ id: 'torn', state: 'interrupted', total: 10 })]);
    const loaded = await services.invoke('history.load', ['torn']);
    expect(loaded.run).toMatchObject({ state: 'interrupted', done: 3 });
    expect(loaded.records.map((r) => r.title)).toEqual(['From the journal 0', 'From the journal 1', 'From the journal 2']);
    expect(loaded.urls).toEqual(urls);

    expect(await services.invoke('history.resume', ['torn'])).toEqual({ runId: 'torn', adjusted: [] });
    const done = await waitDone(updates, 'torn');
    expect(done.progress).toMatchObject({ total: 10, done: 10, failed: 0 });
    expect(urls.map(hitsOf)).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 1, 1]);

    // The torn line was cut before appending: every line of the journal is whole again.
    const lines = (await readFile(join(dataDir, 'runs', 'torn', 'records.jsonl'), 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((line) => (JSON.parse(line) as TitleRecord).index).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const after = await services.invoke('history.load', ['torn']);
    expect(after.run.state).toBe('done');
    expect(after.records.map((r) => r.title)).toEqual([
      'From the journal 0',
      'From the journal 1',
      'From the journal 2',
      ...urls.slice(3).map((url) => web.titleFor(new URL(url).pathname)),
    ]);
  });

  it('leaves alone a run another live process owns, and takes over one whose heartbeat stopped', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'titlewave-owned-'));
    const urls = [web.url('/page/owned-0')];
    await writeRun(dataDir, 'owned', urls, '', { owner: { pid: process.pid, session: 'another-window' } });
    await writeRun(dataDir, 'stale', urls, '', { owner: { pid: process.pid, session: 'hung-window' }, createdAt: '2020-01-01T00:00:00.000Z', updatedAt: new Date(Date.now() - 120_000).toISOString() });
    const { services } = servicesFor(dataDir);
    const list = await services.invoke('history.list', []);
    expect(list.map((r) => [r.id, r.state])).toEqual([
      ['owned', 'elsewhere'],
      ['stale', 'interrupted'],
    ]);
    await expect(services.invoke('history.resume', ['owned'])).rejects.toThrow(/another Titlewave window/);
    await expect(services.invoke('titles.retryFailed', ['owned'])).rejects.toThrow(/another Titlewave window/);
    await expect(services.invoke('history.delete', ['owned'])).rejects.toThrow(/another Titlewave window/);
    expect(hitsOf(urls[0] as string)).toBe(0);
  });

  it('resumes a run whose process was SIGKILLed mid-run without losing or refetching journaled rows', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'titlewave-kill-'));
    const urls = Array.from({ length: 60 }, (_, i) => web.url(`/page/kill-${i}?delay=100`));
    const inputFile = join(dataDir, 'input-for-child.txt');
    await writeFile(inputFile, urls.join('\n'));
    // The child runs the built services, as `titlewave serve` does, and is killed with no chance to clean up.
    const script = `
      import { readFileSync } from 'node:fs';
      import { createServices } from ${JSON.stringify(join(repoRoot, 'dist', 'src', 'services', 'index.js'))};
      const [dataDir, inputFile, settings] = process.argv.slice(1);
      const services = createServices({ dataDir });
      const { runId } = await services.invoke('titles.start', [{ text: readFileSync(inputFile, 'utf8'), settings: JSON.parse(settings), name: 'killed' }]);
      process.stdout.write(runId + '\\n');
      setInterval(() => {}, 60_000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, dataDir, inputFile, JSON.stringify(settings)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const runId = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`the child exited with ${code}`)));
    });
    const journal = join(dataDir, 'runs', runId, 'records.jsonl');
    const journaledLines = async () => (await readFile(journal, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
    await expect.poll(journaledLines, { timeout: 20_000, interval: 10 }).toBeGreaterThanOrEqual(8);
    child.kill('SIGKILL');
    await exited;

    // What the killed process had written: each such row must never be fetched again.
    const atKill = (await readFile(journal, 'utf8')).split('\n');
    const complete = atKill.slice(0, -1).map((line) => JSON.parse(line) as TitleRecord);
    expect(complete.length).toBeGreaterThanOrEqual(8);
    expect(complete.length).toBeLessThan(60);
    const hitsAtKill = new Map(urls.map((url) => [url, hitsOf(url)]));
    expect(JSON.parse(await readFile(join(dataDir, 'runs', runId, 'meta.json'), 'utf8'))).toMatchObject({ state: 'running', owner: { pid: child.pid } });

    const { services, updates } = servicesFor(dataDir);
    expect((await services.invoke('history.list', []))[0]).toMatchObject({ id: runId, name: 'killed', state: 'interrupted' });
    await services.invoke('history.resume', [runId]);
    const done = await waitDone(updates, runId);
    expect(done.progress).toMatchObject({ total: 60, done: 60, failed: 0 });
    for (const record of complete) expect(hitsOf(record.url), record.url).toBe(hitsAtKill.get(record.url));
    for (const url of urls) expect(hitsOf(url), url).toBeGreaterThanOrEqual(1);

    const loaded = await services.invoke('history.load', [runId]);
    expect(loaded.run).toMatchObject({ state: 'done', done: 60, failed: 0 });
    expect(loaded.records.map((r) => r.index)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(loaded.records.every((r) => r.title === web.titleFor(new URL(r.url).pathname) && r.url === urls[r.index])).toBe(true);
  });
});
