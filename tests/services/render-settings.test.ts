/**
 * A run's render settings through the services: the contract keeps them within src/titles/limits.ts, the run's
 * renderers size the host's page renderer, and its render deadline reaches every render.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandArgs, type Events, type TitlesSettings } from '../../src/contract.js';
import { createServices } from '../../src/services/index.js';
import { titlesLimits } from '../../src/titles/limits.js';
import type { PageRenderer, RenderRequest } from '../../src/titles/render/renderer.js';
import { startFixtureWeb, type FixtureWeb } from '../helpers/fixture-web.js';

const settings: TitlesSettings = { concurrency: 8, perHost: 8, timeoutMs: 10_000, retries: 0, userAgent: '', proxy: 'direct', robots: 'ignore', rate: null, render: 'always', renderers: 3, renderTimeoutMs: 4_000 };

let web: FixtureWeb;
beforeAll(async () => {
  web = await startFixtureWeb();
});
afterAll(async () => {
  await web.close();
});

describe('render settings', () => {
  it('are checked against the limits by the contract', () => {
    const start = (changes: Partial<TitlesSettings>) => () => parseCommandArgs('titles.start', [{ text: 'http://a.test/', settings: { ...settings, ...changes } }]);
    expect(start({})).not.toThrow();
    expect(start({ renderers: titlesLimits.renderers.max })).not.toThrow();
    expect(start({ renderTimeoutMs: titlesLimits.renderTimeoutMs.min })).not.toThrow();
    for (const changes of [{ renderers: 0 }, { renderers: titlesLimits.renderers.max + 1 }, { renderers: 2.5 }, { renderTimeoutMs: 999 }, { renderTimeoutMs: titlesLimits.renderTimeoutMs.max + 1 }]) {
      expect(start(changes), JSON.stringify(changes)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENTS' }));
    }
  });

  it("size the host's page renderer and set every render's deadline", async () => {
    const made: { renderers: number }[] = [];
    const requests: RenderRequest[] = [];
    const renderer: PageRenderer = {
      render: async (request) => {
        requests.push(request);
        return { title: 'Rendered', settled: true, ms: 5, finalUrl: request.url };
      },
      close: async () => undefined,
    };
    const services = createServices({
      dataDir: await mkdtemp(join(tmpdir(), 'titlewave-render-settings-')),
      createPageRenderer: (options) => {
        made.push(options);
        return renderer;
      },
    });
    try {
      const updates: Events['titles.update'][] = [];
      services.on('titles.update', (update) => updates.push(update));
      const urls = [0, 1, 2].map((i) => `${web.origins[0]}/page/render-${i}`);
      const { runId } = await services.invoke('titles.start', [{ text: urls.join('\n'), settings }]);
      await expect.poll(() => updates.some((u) => u.runId === runId && u.state === 'done'), { timeout: 30_000 }).toBe(true);
      expect(made).toEqual([{ renderers: 3 }]);
      expect(requests.map((r) => r.timeoutMs)).toEqual([4_000, 4_000, 4_000]);
      expect(updates.flatMap((u) => u.records).map((r) => r.title)).toEqual(['Rendered', 'Rendered', 'Rendered']);
    } finally {
      await services.close();
    }
  });
});
