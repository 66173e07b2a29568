/**
 * One owner per run folder (issue 11, item 7): two services on one data folder (two windows, two `serve`
 * processes) never run the same run at once. The owner holds the folder's lock for as long as its job goes; the
 * other one sees the run as 'elsewhere', and every command that would act on it is refused with a message saying
 * so, never answered "ok" without effect. Two resumes at the same moment start one job: each URL fetched once.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Events, RunSummary, TitlesSettings } from '../../src/contract.js';
import { createServices, type Services } from '../../src/services/index.js';
import type { RunMeta } from '../../src/services/journal.js';
import { STORED_RUN_VERSION } from '../../src/services/stored-run.js';
import type { TitleRecord } from '../../src/titles/types.js';
import { startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';

const settings: TitlesSettings = { concurrency: 2, perHost: 2, timeoutMs: 10_000, retries: 0, userAgent: '', proxy: 'direct', robots: 'ignore', rate: null, render: 'never', renderers: 2, renderTimeoutMs: 10_000 };

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

function servicesFor(dataDir: string, host?: string): { services: Services; updates: Events['titles.update'][] } {
  const services = createServices({ dataDir, ...(host ? { host } : {}) });
  open.push(services);
  const updates: Events['titles.update'][] = [];
  services.on('titles.update', (update) => updates.push(update));
  return { services, updates };
}

function ended(updates: Events['titles.update'][], runId: string, state: 'done' | 'cancelled'): Promise<unknown> {
  return expect.poll(() => updates.some((u) => u.runId === runId && u.state === state), { timeout: 30_000, interval: 20 }).toBe(true);
}

function hitsOf(url: string): number {
  const { pathname, search } = new URL(url);
  return web.hits(pathname + search);
}

/** A run folder as a killed process leaves it: meta 'running' with a dead owner, the first `journaled` rows written. */
async function writeInterruptedRun(dataDir: string, id: string, urls: string[], journaled: number): Promise<void> {
  const dir = join(dataDir, 'runs', id);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'input.txt'), urls.join('\n'));
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  const now = new Date().toISOString();
  const meta: RunMeta = { version: STORED_RUN_VERSION, writtenBy: 'test', id, name: id, createdAt: now, updatedAt: now, settings, total: urls.length, done: journaled, failed: 0, state: 'running', owner: { pid: child.pid!, session: 'killed' }, summary: null };
  await writeFile(join(dir, 'meta.json'), JSON.stringify(meta));
  const records = urls.slice(0, journaled).map((url, index) => ({ index, url, finalUrl: url, status: 200, title: `Journaled ${index}`, ogTitle: null, description: null, canonical: null, lang: null, contentType: 'text/html', encoding: 'UTF-8', encodingSource: 'http', redirects: [], bytes: 100, durationMs: 5, attempts: 1, error: null }));
  await writeFile(join(dir, 'records.jsonl'), records.map((record) => `${JSON.stringify(record)}\n`).join(''));
}

async function journalLines(dataDir: string, runId: string): Promise<TitleRecord[]> {
  const text = await readFile(join(dataDir, 'runs', runId, 'records.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as TitleRecord);
}

describe('run ownership across services on one data folder', () => {
  it('refuses every command on a run another owner is running, and shows it as going elsewhere', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'titlewave-owner-'));
    const urls = Array.from({ length: 12 }, (_, i) => web.url(`/page/owned-${i}?delay=150`));
    const a = servicesFor(dataDir, 'titlewave serve');
    const b = servicesFor(dataDir);
    const { runId } = await a.services.invoke('titles.start', [{ text: urls.join('\n'), settings, name: 'owned by a' }]);

    expect((await b.services.invoke('history.list', []))[0]).toMatchObject({ id: runId, state: 'elsewhere' });
    expect((await b.services.invoke('history.load', [runId])).run.state).toBe('elsewhere');
    const refusal = `This run is going on in another Titlewave window or process (titlewave serve, process ${process.pid})`;
    await expect(b.services.invoke('titles.cancel', [runId])).rejects.toThrow(`${refusal}; cancel it there.`);
    await expect(b.services.invoke('titles.pause', [runId])).rejects.toThrow(`${refusal}; pause it there.`);
    await expect(b.services.invoke('titles.resume', [runId])).rejects.toThrow(`${refusal}; resume it there.`);
    await expect(b.services.invoke('titles.retryFailed', [runId])).rejects.toThrow(`${refusal}; open it there.`);
    await expect(b.services.invoke('history.resume', [runId])).rejects.toThrow(`${refusal}; open it there.`);
    await expect(b.services.invoke('history.delete', [runId])).rejects.toThrow(`${refusal}; stop it there.`);
    const bHistory: RunSummary[][] = [];
    b.services.on('history.changed', ({ runs }) => bHistory.push(runs));
    // Nothing B was asked changed A's run: it goes on, and ends with every row.
    await ended(a.updates, runId, 'done');
    // B notices by itself (its list is announced again once the owner let go).
    await expect.poll(() => bHistory.at(-1)?.find((run) => run.id === runId)?.state, { timeout: 15_000, interval: 50 }).toBe('done');
    expect(urls.map(hitsOf)).toEqual(urls.map(() => 1));
    expect(b.updates).toEqual([]);

    // Ended, nobody owns it: B may act on it now, and then A is the one refused.
    expect((await b.services.invoke('history.list', []))[0]).toMatchObject({ id: runId, state: 'done' });
    await b.services.invoke('titles.cancel', [runId]); // stopped already: nothing to do, and nothing wrong
    await expect(b.services.invoke('titles.cancel', ['no-such-run'])).rejects.toThrow('No run with id no-such-run');
    await expect(b.services.invoke('titles.pause', [runId])).rejects.toThrow('This run is not going');
    await b.services.invoke('history.delete', [runId]);
    expect(await readdir(join(dataDir, 'runs'))).toEqual([]);
  });

  it('starts one job when two owners resume the same interrupted run at the same moment', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'titlewave-race-'));
    const urls = Array.from({ length: 30 }, (_, i) => web.url(`/page/race-${i}?delay=40`));
    // Left by a process that was killed with 5 rows journaled.
    await writeInterruptedRun(dataDir, 'raced', urls, 5);

    const a = servicesFor(dataDir);
    const b = servicesFor(dataDir);
    expect((await a.services.invoke('history.list', []))[0]).toMatchObject({ id: 'raced', state: 'interrupted' });
    const outcomes = await Promise.allSettled([a.services.invoke('history.resume', ['raced']), b.services.invoke('history.resume', ['raced'])]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(String(refused.reason)).toContain('This run is going on in another Titlewave window or process');
    const winner = outcomes[0]!.status === 'fulfilled' ? a : b;
    const runId = 'raced';
    await ended(winner.updates, runId, 'done');

    // Each missing URL fetched once, the journaled ones never, and the journal holds one line per row.
    expect(urls.map(hitsOf)).toEqual(urls.map((_, i) => (i < 5 ? 0 : 1)));
    const lines = await journalLines(dataDir, runId);
    expect(lines).toHaveLength(urls.length);
    expect(new Set(lines.map((record) => record.index)).size).toBe(urls.length);
  });
});
