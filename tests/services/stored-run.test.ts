/**
 * The stored format of titles runs (src/services/stored-run.ts): a run written before the format was versioned on
 * its own (tests/fixtures/titles-run-v1, made by that code) lists, loads and resumes; a run saved with settings
 * outside today's limits is shown and resumes with them brought within, saying so; record lines are checked field by
 * field; and a meta.json that cannot be written is logged, never silent.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Events, TitlesSettings } from '../../src/contract.js';
import { packageInfo } from '../../src/package-info.js';
import { createServices, type Services } from '../../src/services/index.js';
import { RunStore } from '../../src/services/journal.js';
import { parseStoredMeta, settingsForToday, STORED_RUN_VERSION, storedSettingsSchema } from '../../src/services/stored-run.js';
import type { TitleRecord } from '../../src/titles/types.js';
import { startGatedWeb, type GatedWeb } from '../helpers/gated-web.js';

const fixtureDir = join(import.meta.dirname, '..', 'fixtures', 'titles-run-v1');
const fixtureId = '20261203-095346-404a58bc';
const open: Services[] = [];
const webs: GatedWeb[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((services) => services.close()));
  await Promise.all(webs.splice(0).map((web) => web.close()));
});

function servicesFor(dataDir: string, logged: string[] = []): { services: Services; updates: Events['titles.update'][] } {
  const services = createServices({ dataDir, log: (message) => logged.push(message) });
  open.push(services);
  const updates: Events['titles.update'][] = [];
  services.on('titles.update', (update) => updates.push(update));
  return { services, updates };
}

async function finalOf(updates: Events['titles.update'][], runId: string, after = 0): Promise<Events['titles.update']> {
  const final = () => updates.slice(after).find((u) => u.runId === runId && (u.state === 'done' || u.state === 'cancelled'));
  await expect.poll(final, { timeout: 30_000, interval: 20 }).toBeTruthy();
  return final() as Events['titles.update'];
}

/** A data folder holding a copy of the format-1 fixture (the fixture itself is never written to). */
async function copyOfFixture(): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'titlewave-stored-'));
  await cp(join(fixtureDir, 'runs'), join(dataDir, 'runs'), { recursive: true });
  return dataDir;
}

async function metaOf(dataDir: string, id: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(dataDir, 'runs', id, 'meta.json'), 'utf8')) as Record<string, unknown>;
}

/** The fixture's settings as saved (before list mode), and as read: list mode's settings get their defaults. */
const fixtureSaved = { concurrency: 4, perHost: 2, timeoutMs: 60_000, retries: 0, userAgent: 'Fixture/1' };
const fixtureSettings: TitlesSettings = { ...fixtureSaved, proxy: 'environment', robots: 'ignore', rate: null, render: 'never', renderers: 2, renderTimeoutMs: 10_000 };
/** The fixture run on disk was saved before render mode: its settings read with today's default, `auto`. */
const fixtureSettingsRead: TitlesSettings = { ...fixtureSettings, render: 'auto' };

describe('a run written in format 1 (today’s main before this format)', () => {
  it('is listed and loads as it was written, without being rewritten by reading it', async () => {
    const dataDir = await copyOfFixture();
    const metaBefore = await readFile(join(dataDir, 'runs', fixtureId, 'meta.json'), 'utf8');
    const { services } = servicesFor(dataDir);
    expect(await services.invoke('history.list', [])).toEqual([
      { id: fixtureId, name: 'fixture run (v1)', createdAt: '2026-12-03T09:53:46.094Z', total: 7, done: 5, failed: 1, state: 'interrupted', settings: fixtureSettingsRead, elapsedMs: 186 },
    ]);
    const loaded = await services.invoke('history.load', [fixtureId]);
    expect(loaded.run).toMatchObject({ id: fixtureId, state: 'interrupted', done: 5, failed: 1 });
    expect(loaded.urls).toEqual([
      'http://127.0.0.1:24680/a',
      'http://127.0.0.1:24680/b',
      'http://127.0.0.1:24680/c',
      'http://127.0.0.1:24680/r',
      'not a url',
      'http://127.0.0.1:9/later-1',
      'http://127.0.0.1:9/later-2',
    ]);
    const lines = (await readFile(join(dataDir, 'runs', fixtureId, 'records.jsonl'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as TitleRecord);
    // Written before render mode: its fields read as not rendered.
    expect(loaded.records).toEqual(lines.sort((a, b) => a.index - b.index).map((line) => ({ ...line, staticTitle: null, rendered: false, renderMs: null, warning: null })));
    expect(loaded.records.map((r) => [r.index, r.title, r.status, r.error?.code ?? null])).toEqual([
      [0, 'Alpha — α & <b>', 200, null],
      [1, '标题 B 🐟', 200, null],
      [2, 'Not here', 404, null],
      [3, 'Alpha — α & <b>', 200, null],
      [4, null, null, 'INVALID_URL'],
    ]);
    expect(await readFile(join(dataDir, 'runs', fixtureId, 'meta.json'), 'utf8')).toBe(metaBefore);
  });

  it('resumes: only the two entries without a record are fetched, and the meta takes the current format', async () => {
    const dataDir = await copyOfFixture();
    const { services, updates } = servicesFor(dataDir);
    expect(await services.invoke('history.resume', [fixtureId])).toEqual({ runId: fixtureId, adjusted: [] });
    const final = await finalOf(updates, fixtureId);
    // Nothing listens on 127.0.0.1:9: both are connection errors, fetched once each.
    expect(final).toMatchObject({ state: 'done', progress: { total: 7, done: 7, failed: 3 } });
    expect(updates.flatMap((u) => u.records).map((r) => [r.index, r.error?.code])).toEqual(
      expect.arrayContaining([
        [5, 'CONNECT'],
        [6, 'CONNECT'],
      ]),
    );
    expect(updates.flatMap((u) => u.records)).toHaveLength(2);
    expect(await metaOf(dataDir, fixtureId)).toMatchObject({ version: STORED_RUN_VERSION, writtenBy: packageInfo.version, name: 'fixture run (v1)', settings: fixtureSettingsRead, state: 'done', done: 7, failed: 3 });
    const loaded = await services.invoke('history.load', [fixtureId]);
    expect(loaded.records.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(loaded.records[1]?.title).toBe('标题 B 🐟');
  });
});

describe('a run saved with settings outside today’s limits', () => {
  it('is listed with them, and resumes with them brought within the limits, saying which', async () => {
    const web = await startGatedWeb();
    webs.push(web);
    const dataDir = await mkdtemp(join(tmpdir(), 'titlewave-stored-'));
    // A run cancelled with 150 pages of one host left, then saved as a Titlewave with looser limits would have.
    const urls = Array.from({ length: 151 }, (_, i) => web.url(`/loose-${i}`));
    const first = servicesFor(dataDir);
    const { runId } = await first.services.invoke('titles.start', [{ text: urls.join('\n'), settings: { concurrency: 1, perHost: 1, timeoutMs: 60_000, retries: 0, userAgent: '', proxy: 'direct', robots: 'ignore', rate: null, render: 'never' as const, renderers: 2, renderTimeoutMs: 10_000 } }]);
    await web.arrived(1);
    web.release();
    await expect.poll(() => first.updates.flatMap((u) => u.records).length).toBe(1);
    await first.services.invoke('titles.cancel', [runId]);
    await first.services.close();
    const meta = await metaOf(dataDir, runId);
    const loose = { concurrency: 5000, perHost: 500, timeoutMs: 500, retries: 2, userAgent: `Loose/${'x'.repeat(600)}`, proxy: 'direct', robots: 'ignore', rate: null, render: 'never' as const, renderers: 2, renderTimeoutMs: 10_000 };
    await writeFile(join(dataDir, 'runs', runId, 'meta.json'), JSON.stringify({ ...meta, settings: loose }));

    const { services, updates } = servicesFor(dataDir);
    expect((await services.invoke('history.list', []))[0]).toMatchObject({ id: runId, state: 'cancelled', settings: loose });
    expect((await services.invoke('history.load', [runId])).records).toHaveLength(1);
    const resumed = await services.invoke('history.resume', [runId]);
    expect(resumed.adjusted).toEqual([
      { setting: 'concurrency', stored: 5000, used: 1000 },
      { setting: 'perHost', stored: 500, used: 100 },
      { setting: 'timeoutMs', stored: 500, used: 1000 },
      { setting: 'userAgent', stored: loose.userAgent, used: loose.userAgent.slice(0, 500) },
    ]);
    // The run goes with them: 100 pages at once on the host (not 150), with the user agent cut to 500 characters.
    await web.arrived(101);
    expect(web.held()).toHaveLength(100);
    expect(web.arrivals.at(-1)?.userAgent).toBe(loose.userAgent.slice(0, 500));
    web.open();
    expect(await finalOf(updates, runId)).toMatchObject({ state: 'done', progress: { done: 151 } });
    // What the user chose stays saved; only this job ran within today's limits.
    expect((await metaOf(dataDir, runId)).settings).toEqual(loose);
  });

  it('settingsForToday keeps settings within the limits, and brings each other one to the nearest allowed value', () => {
    const within = { concurrency: 64, perHost: 6, timeoutMs: 15_000, retries: 2, userAgent: '', proxy: 'environment', robots: 'respect' as const, rate: 0.5, render: 'never' as const, renderers: 2, renderTimeoutMs: 10_000 };
    expect(settingsForToday(within)).toEqual({ settings: within, adjusted: [] });
    expect(settingsForToday({ ...within, concurrency: 0 as number, retries: 99 }).adjusted).toEqual([
      { setting: 'concurrency', stored: 0, used: 1 },
      { setting: 'retries', stored: 99, used: 10 },
    ]);
    // More than titlesLimits.rateMax a second per host is no limit at all.
    expect(settingsForToday({ ...within, rate: 5000 }).adjusted).toEqual([{ setting: 'rate', stored: 5000, used: null }]);
    // Render settings saved by the CLI's looser limits (32 renderers, a deadline of a tenth of a second).
    expect(settingsForToday({ ...within, renderers: 32, renderTimeoutMs: 100 })).toEqual({
      settings: { ...within, renderers: 8, renderTimeoutMs: 1000 },
      adjusted: [
        { setting: 'renderers', stored: 32, used: 8 },
        { setting: 'renderTimeoutMs', stored: 100, used: 1000 },
      ],
    });
  });
});

describe('the stored meta', () => {
  const v1 = {
    version: 1,
    id: 'r1',
    name: 'n',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    settings: fixtureSettings,
    total: 1,
    done: 0,
    failed: 0,
    state: 'done',
    owner: null,
    summary: null,
  };

  it('migrates format 1, gives settings added since their default, and reads no newer or broken meta', () => {
    expect(parseStoredMeta(v1)).toEqual({ ...v1, version: STORED_RUN_VERSION, writtenBy: null });
    expect(parseStoredMeta({ ...v1, settings: fixtureSaved })?.settings).toEqual(fixtureSettingsRead);
    const { userAgent: _, ...withoutUserAgent } = fixtureSettings;
    expect(parseStoredMeta({ ...v1, settings: withoutUserAgent })?.settings).toEqual({ ...withoutUserAgent, userAgent: storedSettingsSchema.parse({}).userAgent });
    // Runs saved before the render settings were settings read with the defaults the engine used for them.
    const { renderers: _r, renderTimeoutMs: _rt, ...beforeRenderSettings } = fixtureSettings;
    expect(parseStoredMeta({ ...v1, settings: beforeRenderSettings })?.settings).toEqual({ ...beforeRenderSettings, renderers: 2, renderTimeoutMs: 10_000 });
    expect(parseStoredMeta({ ...v1, version: STORED_RUN_VERSION + 1, writtenBy: '9.0.0' })).toBeNull();
    expect(parseStoredMeta({ ...v1, version: 0 })).toBeNull();
    expect(parseStoredMeta({ ...v1, total: -1 })).toBeNull();
    expect(parseStoredMeta({ ...v1, settings: { ...fixtureSettings, concurrency: 'many' } })).toBeNull();
    expect(parseStoredMeta('{}')).toBeNull();
  });
});

describe('stored records', () => {
  it('are checked field by field: lines that are not records are skipped, newer fields kept, missing ones defaulted', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'titlewave-stored-'));
    const store = new RunStore(dataDir);
    await mkdir(store.runDir('r'), { recursive: true });
    const full: TitleRecord = {
      index: 0,
      url: 'https://a.example/',
      finalUrl: 'https://a.example/',
      status: 200,
      title: 'A',
      ogTitle: null,
      description: null,
      canonical: null,
      lang: 'en',
      contentType: 'text/html',
      encoding: 'UTF-8',
      encodingSource: 'http',
      redirects: [],
      bytes: 10,
      durationMs: 3,
      attempts: 1,
      error: null,
      staticTitle: 'A',
      rendered: false,
      renderMs: null,
      warning: null,
    };
    const lines = [
      full,
      // From an older Titlewave, without the fields added since.
      { index: 1, url: 'https://b.example/', status: 200, title: 'B', error: null },
      // From a newer one: a field this one does not know, and an encoding source it does not either.
      { ...full, index: 2, title: 'C', screenshot: { path: 'c.png' }, encodingSource: 'sniffed' },
      // Not records.
      { ...full, index: '3' },
      { ...full, index: 4, url: null },
      { ...full, index: 5, redirects: 'none' },
      { ...full, index: 6, error: 'failed' },
      [1, 2, 3],
    ];
    await writeFile(join(store.runDir('r'), 'records.jsonl'), lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
    const records = await store.readRecords('r', 10);
    expect(records.filter(Boolean).map((r) => r?.index)).toEqual([0, 1, 2]);
    expect(records[0]).toEqual(full);
    expect(records[1]).toEqual({ ...full, index: 1, url: 'https://b.example/', finalUrl: null, title: 'B', lang: null, contentType: null, encoding: null, encodingSource: null, bytes: 0, durationMs: 0, attempts: 0, staticTitle: null });
    expect(records[2]).toEqual({ ...full, index: 2, title: 'C', screenshot: { path: 'c.png' }, encodingSource: null });
  });
});

describe('meta.json writes that fail', () => {
  it('are logged with the run they were for, and the run goes on to its end', async () => {
    const web = await startGatedWeb();
    webs.push(web);
    const dataDir = await mkdtemp(join(tmpdir(), 'titlewave-stored-'));
    const logged: string[] = [];
    const { services, updates } = servicesFor(dataDir, logged);
    const urls = Array.from({ length: 4 }, (_, i) => web.url(`/meta-${i}`));
    const { runId } = await services.invoke('titles.start', [{ text: urls.join('\n'), settings: { ...fixtureSettings, concurrency: 1, perHost: 1 } }]);
    await web.arrived(1);
    // meta.json turns into a folder with something in it: no file can be renamed over it any more.
    const metaPath = join(dataDir, 'runs', runId, 'meta.json');
    await rm(metaPath);
    await mkdir(join(metaPath, 'in-the-way'), { recursive: true });
    web.release();
    // The counts changed: the next heartbeat write fails, and says so.
    await expect.poll(() => logged, { timeout: 10_000 }).toContainEqual(expect.stringMatching(new RegExp(`^could not save the progress of run ${runId} \\(its meta\\.json\\): `)));
    web.open();
    expect(await finalOf(updates, runId)).toMatchObject({ state: 'done', progress: { done: 4 } });
    await expect.poll(() => logged).toContainEqual(expect.stringMatching(new RegExp(`^could not save the end of run ${runId} \\(its meta\\.json\\): `)));
    // The records are safe all the same.
    expect((await readFile(join(dataDir, 'runs', runId, 'records.jsonl'), 'utf8')).split('\n').filter(Boolean)).toHaveLength(4);
  });
});

describe('Retry failed with nothing to retry', () => {
  it('lets the run go: another owner can delete it at once', async () => {
    const web = await startGatedWeb();
    webs.push(web);
    web.open();
    const dataDir = await mkdtemp(join(tmpdir(), 'titlewave-stored-'));
    const { services, updates } = servicesFor(dataDir);
    const { runId } = await services.invoke('titles.start', [{ text: web.url('/fine'), settings: fixtureSettings }]);
    await finalOf(updates, runId);
    expect(await services.invoke('titles.retryFailed', [runId])).toEqual({ runId, count: 0, adjusted: [] });
    const other = servicesFor(dataDir);
    await other.services.invoke('history.delete', [runId]);
    expect(await services.invoke('history.list', [])).toEqual([]);
  });
});
