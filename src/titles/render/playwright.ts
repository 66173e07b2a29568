/**
 * The PageRenderer of the CLI and browser mode: playwright-core driving an installed Chromium or Chrome
 * (browser-path.ts finds it). Loaded only when a run first needs a render.
 *
 * One browser, started on the first render (and again if it crashes); each page gets its own fresh context, closed
 * when the render ends, so nothing (cookies, storage, cache) passes from one page to the next and memory stays
 * bounded. Images, fonts and media are never requested (the request is aborted before it leaves), nor anything but
 * http(s); dialogs are dismissed, popups closed, downloads refused, service workers blocked, permissions denied.
 * The page's scripts run in an ordinary sandboxed renderer of that browser, with nothing of Titlewave in reach.
 */
import { chromium, type Browser, type BrowserContext, type Page, type Request as PlaywrightRequest, type Route } from 'playwright-core';
import { SettleTracker, SETTLE_QUIET_MS, type PageRenderer, type RenderRequest, type RenderResult } from './renderer.js';
import { within } from '../../within.js';

const XHTML = 'http://www.w3.org/1999/xhtml';

/** Resource types never fetched: a title never depends on them, and they are most of a page's bytes. */
export const BLOCKED_RESOURCE_TYPES: ReadonlySet<string> = new Set(['image', 'font', 'media']);
/** How often the title is read while the page settles. */
const titlePollMs = 100;
/** Reading the title at the deadline of a page whose script never yields gives up after this long. */
const lastReadMs = 1_000;

export interface PlaywrightRendererOptions {
  executablePath: string;
  /** No title change and no request in flight for this long (tests shorten it). */
  quietMs?: number;
}

/** Chromium's flags: quiet (no update checks, sync, extensions or GPU), and no sandbox only where it cannot work (as root). */
export function chromiumArgs(isRoot: boolean = process.getuid?.() === 0): string[] {
  return [
    ...(isRoot ? ['--no-sandbox'] : []),
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-default-apps',
    '--disable-extensions',
    '--disable-sync',
    '--no-first-run',
    '--mute-audio',
    '--blink-settings=imagesEnabled=false',
  ];
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason ?? 'aborted'));
}

/** Whether a request is the page's main frame's (a worker's request has no frame, and asking throws). */
function isMainFrameRequest(request: PlaywrightRequest, page: Page): boolean {
  try {
    return request.frame() === page.mainFrame();
  } catch {
    return false;
  }
}


export class PlaywrightRenderer implements PageRenderer {
  #browser: Promise<Browser> | null = null;
  #closed = false;
  readonly #contexts = new Set<BrowserContext>();
  readonly #closing = new Set<Promise<unknown>>();

  constructor(private readonly options: PlaywrightRendererOptions) {}

  #launch(): Promise<Browser> {
    if (this.#browser === null) {
      const launching = chromium.launch({
        executablePath: this.options.executablePath,
        args: chromiumArgs(),
        // Chromium's popup blocker stays on (Playwright turns it off for tests).
        ignoreDefaultArgs: ['--disable-popup-blocking'],
        headless: true,
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      });
      this.#browser = launching;
      launching.then(
        (browser) =>
          browser.on('disconnected', () => {
            if (this.#browser === launching) this.#browser = null;
          }),
        () => {
          if (this.#browser === launching) this.#browser = null;
        },
      );
    }
    return this.#browser;
  }

  async render(request: RenderRequest): Promise<RenderResult> {
    const { signal } = request;
    if (this.#closed) throw new Error('the renderer is closed');
    if (signal.aborted) throw abortError(signal);
    const started = performance.now();
    const browser = await this.#launch();
    if (signal.aborted) throw abortError(signal);
    const context = await browser.newContext({ acceptDownloads: false, serviceWorkers: 'block', permissions: [], bypassCSP: false, javaScriptEnabled: true });
    this.#contexts.add(context);
    // Made when the page is about to load (its quiet timer starts at once), so a slow start is not taken for quiet.
    let tracker: SettleTracker | null = null;
    let poll: ReturnType<typeof setTimeout> | null = null;
    let deadline: ReturnType<typeof setTimeout> | null = null;
    let onAbort: (() => void) | null = null;
    try {
      let opened: Page | null = null;
      await context.route('**/*', (route: Route) => {
        const req = route.request();
        const scheme = req.url().slice(0, 8).toLowerCase();
        let fromPage: Page | null = null;
        try {
          fromPage = req.frame().page();
        } catch {
          // A request of no frame (a worker's): judged by its URL and type alone.
          fromPage = opened;
        }
        const allowed = (scheme.startsWith('http://') || scheme.startsWith('https://')) && !BLOCKED_RESOURCE_TYPES.has(req.resourceType()) && fromPage === opened;
        return (allowed ? route.continue() : route.abort('blockedbyclient')).catch(() => undefined);
      });
      // Popups opened by the page's scripts are closed at once (their requests never leave: see the route above).
      context.on('page', (other: Page) => {
        if (opened !== null && other !== opened) void other.close().catch(() => undefined);
      });
      const page = await context.newPage();
      opened = page;
      page.on('dialog', (dialog) => void dialog.dismiss().catch(() => undefined));
      page.on('download', (download) => void download.cancel().catch(() => undefined));
      const quietMs = this.options.quietMs ?? SETTLE_QUIET_MS;
      // The page counts as one request in flight until its load event: a quiet network while the browser parses
      // and runs the page's first scripts is not a settled page.
      let inFlight = 1;
      let settle = new SettleTracker(quietMs);
      tracker = settle;
      settle.requestStarted();
      // Playwright's page.title() answers "Loading <url>" while the main frame is between documents: that is its
      // placeholder, not the page's title, and is never taken for one (the main frame's navigations are kept here).
      const navigations = new Set<string>();
      const placeholder = (value: string): boolean => value.startsWith('Loading ') && navigations.has(value.slice('Loading '.length));
      const requestStarted = (started: PlaywrightRequest): void => {
        if (started.isNavigationRequest() && isMainFrameRequest(started, page)) navigations.add(started.url());
        inFlight += 1;
        settle.requestStarted();
      };
      const requestEnded = (): void => {
        inFlight = Math.max(0, inFlight - 1);
        settle.requestEnded();
      };
      page.once('load', requestEnded);
      page.on('request', requestStarted);
      page.on('requestfinished', requestEnded);
      page.on('requestfailed', requestEnded);

      let title = '';
      /** Reads the title: whether it changed since the last read, or could not be read in time (a starved or busy page). */
      const readTitle = async (): Promise<'changed' | 'same' | 'unread'> => {
        // The title getter runs in Playwright's utility world, out of the page scripts' reach.
        const now = (await within(page.title(), 1_000)) ?? null;
        if (now === null || placeholder(now)) return 'unread';
        if (now === title) return 'same';
        title = now;
        settle.titleChanged();
        return 'changed';
      };
      const ended = new Promise<boolean>((resolve, reject) => {
        deadline = setTimeout(() => resolve(false), request.timeoutMs);
        onAbort = () => reject(abortError(signal));
        signal.addEventListener('abort', onAbort, { once: true });
      });
      // Navigation errors (refused, reset) are the render's failure; a navigation that never ends is the deadline's.
      const navigation = page.goto(request.url, { waitUntil: 'commit', timeout: request.timeoutMs }).then(() => 'committed' as const);
      navigation.catch(() => undefined);
      ended.catch(() => undefined);
      const first = await Promise.race([navigation, ended]);
      // No document in time: there is no rendered title to give (the record keeps its static one).
      if (first !== 'committed') throw new Error(`the page did not start loading within ${request.timeoutMs / 1000} s`);
      const pollTitle = (): void => {
        poll = setTimeout(() => void readTitle().then(() => poll !== null && pollTitle()), titlePollMs);
      };
      await readTitle();
      pollTitle();
      let settled = false;
      for (;;) {
        if (!(await Promise.race([settle.settled.then(() => true), ended]))) break;
        // Polling can lag on a busy machine: the title is read once more, and a change found now means the page was
        // not quiet after all (the rule starts again, with the requests still in flight). A read that does not answer
        // in time confirms nothing either: a page too busy to say its title is not a quiet one.
        if ((await readTitle()) === 'same') {
          settled = true;
          break;
        }
        settle.dispose();
        settle = new SettleTracker(quietMs);
        tracker = settle;
        for (let i = 0; i < inFlight; i += 1) settle.requestStarted();
      }
      if (poll !== null) clearTimeout(poll);
      poll = null;
      return await this.#answer(page, title, settled, started, placeholder);
    } finally {
      if (poll !== null) clearTimeout(poll);
      poll = null;
      if (deadline !== null) clearTimeout(deadline);
      if (onAbort !== null) signal.removeEventListener('abort', onAbort);
      tracker?.dispose();
      // The answer does not wait for the context to close (a page stuck in a script loop can take a while); close()
      // waits for every context still closing.
      const closing = within(context.close(), 5_000).finally(() => this.#contexts.delete(context));
      this.#closing.add(closing);
      void closing.finally(() => this.#closing.delete(closing));
    }
  }

  /** The title now (read once more; a page whose script never yields keeps the last title read). */
  async #answer(page: Page, lastTitle: string, settled: boolean, started: number, placeholder: (title: string) => boolean): Promise<RenderResult> {
    const read = await within(page.title(), lastReadMs);
    const title = read === undefined || placeholder(read) ? lastTitle : read;
    // "" is an empty <title> or none at all; a record says null for none, as for a static page. Locators query in
    // Playwright's utility world, out of the page scripts' reach.
    const none = title === '' && (await within(page.locator(`xpath=//*[local-name()="title" and namespace-uri()="${XHTML}"]`).count(), lastReadMs)) === 0;
    return { title: none ? null : title, settled, ms: performance.now() - started, finalUrl: page.url() };
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#contexts].map((context) => within(context.close(), 2_000)));
    await Promise.all(this.#closing);
    const browser = this.#browser;
    this.#browser = null;
    if (browser !== null) await browser.then((b) => b.close()).catch(() => undefined);
  }
}

export function createPlaywrightRenderer(options: PlaywrightRendererOptions): PageRenderer {
  return new PlaywrightRenderer(options);
}
