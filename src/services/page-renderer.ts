/**
 * Where a titles run's PageRenderer comes from: the host's (the desktop app's hidden windows), or else
 * playwright-core driving an installed Chromium or Chrome, found as the CLI finds it (TITLEWAVE_BROWSER, then the
 * usual install paths). Made only when a run first needs a render; the run closes it when it ends.
 */
import { findBrowser } from '../titles/render/browser-path.js';
import type { PageRenderer } from '../titles/render/renderer.js';
import { errorMessage } from '../errors.js';
import type { ServicesLog } from './run-meta.js';

/** What a run asks of its page renderer: how many pages it renders at once (its `renderers` setting). */
export interface PageRendererOptions {
  renderers: number;
}

export function pageRendererSource(createPageRenderer: ((options: PageRendererOptions) => PageRenderer) | undefined, log: ServicesLog): (options: PageRendererOptions) => Promise<PageRenderer | null> {
  // The run's renderers: the host's pool has that many pages (the engine renders no more at once with any renderer).
  if (createPageRenderer !== undefined) return async (options) => createPageRenderer(options);
  return async () => {
    let path: string;
    try {
      const found = findBrowser(undefined);
      if (found === null) {
        log('titles: a page needs a browser engine to show its title, and no Chromium or Chrome was found (install one, or set TITLEWAVE_BROWSER): such pages keep their static titles');
        return null;
      }
      path = found.path;
    } catch (error) {
      log(`titles: ${errorMessage(error)}; pages that need a browser engine keep their static titles`);
      return null;
    }
    // Loaded only now: most runs never render a page.
    const { createPlaywrightRenderer } = await import('../titles/render/playwright.js');
    return createPlaywrightRenderer({ executablePath: path });
  };
}
