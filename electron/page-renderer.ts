/**
 * Render mode's renderer in the desktop app: a small pool of hidden BrowserWindows of Electron's own Chromium, so the
 * app renders single-page apps without a second browser installed. Each window runs the page sandboxed and
 * context-isolated with no preload, in its own in-memory session (`titlewave-render`, never `persist:`: nothing is
 * shared with the app's window or kept on disk) that loads only http(s), and no images, fonts, media, plugins,
 * beacons or WebSockets, asks for no permission, downloads nothing, shows no dialog and opens no window. A page's
 * title is read when the page settles (SettleTracker: no title change, no request in flight, nothing loading for
 * 500 ms) or at the request's deadline; a window is replaced after `pagesPerWindow` pages and after any render that
 * did not end cleanly (deadline, cancel, crash), so one page's leftovers never stay long.
 */
import { session as electronSession, type BrowserWindow, type Session, type WebContents } from 'electron';
import { SettleTracker, type PageRenderer, type RenderRequest, type RenderResult } from '../src/titles/render/renderer.js';
import { within } from '../src/within.js';
import { createRenderWindow, RENDER_PARTITION } from './window.js';

export { RENDER_PARTITION };

export const DEFAULT_PAGES_PER_WINDOW = 25;
/** How long a settled page is given to answer `document.title` before the last title it announced is taken. */
export const TITLE_READ_TIMEOUT_MS = 1_000;
/** How long `about:blank` may take between two pages before the window is replaced instead. */
export const BLANK_TIMEOUT_MS = 2_000;
/**
 * The isolated world the title is read in: the page's own scripts cannot redefine `document.title` there. (0 is the
 * page's world; 999 is Electron's preload world, unused without a preload.)
 */
export const TITLE_WORLD_ID = 1_001;
/** The title as records have it: null when the document has no HTML <title> element (document.title is "" then). */
export const TITLE_SCRIPT = "document.getElementsByTagNameNS('http://www.w3.org/1999/xhtml', 'title').length === 0 ? null : document.title";

/**
 * Request types that cannot change a title, cost bandwidth, or reach out for the page: images, fonts, media and
 * plugins (`object`) as asked, plus beacons (`ping`) and CSP reports, which are side effects only.
 */
export const BLOCKED_RESOURCE_TYPES: ReadonlySet<string> = new Set(['image', 'font', 'media', 'object', 'ping', 'cspReport']);

/**
 * A render window may reach the web and nothing else: no file://, none of the app's schemes, no ws(s)://. data: and
 * blob: carry bytes the page already has (a script bundled as a blob, an inline stylesheet) and reach nothing.
 */
const NETWORK_SCHEMES = new Set(['http:', 'https:']);
const IN_PAGE_SCHEMES = new Set(['data:', 'blob:']);

function schemeOf(url: string): string | null {
  try {
    return new URL(url).protocol;
  } catch {
    return null;
  }
}

export function isWebUrl(url: string): boolean {
  const scheme = schemeOf(url);
  return scheme !== null && NETWORK_SCHEMES.has(scheme);
}

/** Whether a render window's request is cancelled: a blocked resource type, or any scheme but http(s) (data:, blob:). */
export function isRequestBlocked(url: string, resourceType: string): boolean {
  if (BLOCKED_RESOURCE_TYPES.has(resourceType)) return true;
  const scheme = schemeOf(url);
  return scheme === null || !(NETWORK_SCHEMES.has(scheme) || IN_PAGE_SCHEMES.has(scheme));
}

/**
 * The sandbox every rendered document gets (a CSP `sandbox` added to its response): scripts run with their origin,
 * but no modal (`alert`, `confirm`, `prompt`, `print()`, "leave this page?"), popup, download, form post or
 * top-level navigation from a frame. `disableDialogs` covers only the first three, and `print()` would open the
 * system's print dialog from a hidden window, left on the user's screen; with no preload, the sandbox is what stops it.
 */
export const DOCUMENT_SANDBOX = 'sandbox allow-scripts allow-same-origin';

/** The response headers of a document with DOCUMENT_SANDBOX added (as one more policy: every policy holds). */
export function withDocumentSandbox(headers: Record<string, string[]> | undefined): Record<string, string[]> {
  const result: Record<string, string[]> = { ...headers };
  const name = Object.keys(result).find((key) => key.toLowerCase() === 'content-security-policy') ?? 'Content-Security-Policy';
  result[name] = [...(result[name] ?? []), DOCUMENT_SANDBOX];
  return result;
}

export interface HiddenWindowRendererOptions {
  /** Pages rendered at once (one hidden window each); the rest wait their turn. */
  renderers: number;
  /** A window is destroyed and replaced after this many pages. */
  pagesPerWindow?: number;
}

/** What the render windows' session needs of electron's Session; the test's fake has the same. */
type RenderSession = Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler' | 'on' | 'clearStorageData' | 'clearCache'> & {
  webRequest: Pick<Session['webRequest'], 'onBeforeRequest' | 'onHeadersReceived' | 'onCompleted' | 'onErrorOccurred'>;
};

/** One render's view of its window's requests, fed by the session's webRequest listeners. */
interface RequestWatch {
  started(requestId: number): void;
  ended(requestId: number): void;
}

/** The render under way in each render window, by webContents id (ids are unique in the app). */
const watches = new Map<number, RequestWatch>();
const preparedSessions = new WeakSet<object>();
/** Renderers open on each session (runs at once each have one): the last to close clears what the pages stored. */
const openRenderers = new WeakMap<object, number>();

/**
 * Whether a web contents is one of the render windows (its session is the render session). The app's window rules
 * (electron/window.ts `guardContents`: no navigation at all, links to the system browser) must not apply to them:
 * a rendered page may navigate on the web, and must never open anything on the user's desktop.
 */
export function isRenderContents(contents: { session?: unknown }): boolean {
  return typeof contents.session === 'object' && contents.session !== null && preparedSessions.has(contents.session);
}

/** The session's rules, installed once however many renderers share it (webRequest keeps one listener per event). */
function prepareSession(session: RenderSession): void {
  if (preparedSessions.has(session)) return;
  preparedSessions.add(session);
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.on('will-download', (event, item) => {
    event.preventDefault();
    item.cancel();
  });
  // A request is in flight from the moment it is allowed (DNS and connecting count: a slow server is not a settled
  // page) until it completes or fails; ids make a redirect's second leg the same request.
  session.webRequest.onBeforeRequest((details, callback) => {
    const blocked = isRequestBlocked(details.url, details.resourceType);
    if (!blocked && details.webContentsId !== undefined) watches.get(details.webContentsId)?.started(details.id);
    callback({ cancel: blocked });
  });
  session.webRequest.onHeadersReceived((details, callback) => {
    if (details.resourceType === 'mainFrame' || details.resourceType === 'subFrame') callback({ responseHeaders: withDocumentSandbox(details.responseHeaders) });
    else callback({});
  });
  const ended = (details: { id: number; webContentsId?: number }): void => {
    if (details.webContentsId !== undefined) watches.get(details.webContentsId)?.ended(details.id);
  };
  session.webRequest.onCompleted(ended);
  session.webRequest.onErrorOccurred(ended);
}

/** Navigation inside a render window stays on the web; popups, webviews and "leave this page?" never happen. */
function guardRenderContents(contents: WebContents): void {
  const webOnly = (event: { url: string; preventDefault(): void }): void => {
    if (!isWebUrl(event.url)) event.preventDefault();
  };
  contents.on('will-navigate', webOnly);
  contents.on('will-redirect', webOnly);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.on('will-prevent-unload', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

interface RenderWindow {
  window: BrowserWindow;
  pages: number;
}

/** How one render ended: a result or an error, and whether its window may serve another page. */
type Outcome = { result: RenderResult; reusable: boolean } | { error: unknown; reusable: false };

interface Job {
  request: RenderRequest;
  resolve(result: RenderResult): void;
  reject(error: unknown): void;
  /** Removes the job from the queue when its signal aborts before it starts. */
  onQueuedAbort: () => void;
}

function closedError(): Error {
  return new Error('the page renderer was closed');
}


// TypeScript `private`, not `#fields`: electronegativity's parser cannot read class private fields in main.js.
class HiddenWindowRenderer implements PageRenderer {
  private readonly renderers: number;
  private readonly pagesPerWindow: number;
  private readonly session: RenderSession;
  private readonly queue: Job[] = [];
  private readonly idle: RenderWindow[] = [];
  private readonly windows = new Set<BrowserWindow>();
  /** The stop of each render under way: close() ends them at once. */
  private readonly running = new Set<(error: unknown) => void>();
  private active = 0;
  private closed = false;

  constructor(options: HiddenWindowRendererOptions) {
    if (!Number.isInteger(options.renderers) || options.renderers < 1) throw new RangeError(`renderers must be a positive integer, not ${options.renderers}`);
    const pagesPerWindow = options.pagesPerWindow ?? DEFAULT_PAGES_PER_WINDOW;
    if (!Number.isInteger(pagesPerWindow) || pagesPerWindow < 1) throw new RangeError(`pagesPerWindow must be a positive integer, not ${pagesPerWindow}`);
    this.renderers = options.renderers;
    this.pagesPerWindow = pagesPerWindow;
    this.session = electronSession.fromPartition(RENDER_PARTITION);
    prepareSession(this.session);
    openRenderers.set(this.session, (openRenderers.get(this.session) ?? 0) + 1);
  }

  render(request: RenderRequest): Promise<RenderResult> {
    if (this.closed) return Promise.reject(closedError());
    if (request.signal.aborted) return Promise.reject(request.signal.reason);
    if (!isWebUrl(request.url)) return Promise.reject(new Error(`only http and https pages are rendered, not ${request.url}`));
    return new Promise<RenderResult>((resolve, reject) => {
      const job: Job = {
        request,
        resolve,
        reject,
        onQueuedAbort: () => {
          const index = this.queue.indexOf(job);
          if (index < 0) return;
          this.queue.splice(index, 1);
          reject(request.signal.reason);
        },
      };
      request.signal.addEventListener('abort', job.onQueuedAbort, { once: true });
      this.queue.push(job);
      this.pump();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = closedError();
    for (const job of this.queue.splice(0)) {
      job.request.signal.removeEventListener('abort', job.onQueuedAbort);
      job.reject(error);
    }
    for (const stop of [...this.running]) stop(error);
    this.idle.length = 0;
    for (const window of [...this.windows]) this.destroy(window);
    // The session lives in memory until the app quits: what this run's pages stored (cookies, storage, cache) is not
    // handed to the next run's (once no other run is rendering in it).
    const stillOpen = (openRenderers.get(this.session) ?? 1) - 1;
    openRenderers.set(this.session, stillOpen);
    if (stillOpen === 0) await Promise.all([this.session.clearStorageData(), this.session.clearCache()]).catch(() => undefined);
  }

  private pump(): void {
    while (!this.closed && this.active < this.renderers && this.queue.length > 0) {
      const job = this.queue.shift() as Job;
      job.request.signal.removeEventListener('abort', job.onQueuedAbort);
      this.active += 1;
      void this.run(job).finally(() => {
        this.active -= 1;
        this.pump();
      });
    }
  }

  private async run(job: Job): Promise<void> {
    let slot: RenderWindow;
    try {
      let idle = this.idle.pop();
      // A window destroyed from outside while it waited (the app quitting) is dropped.
      while (idle !== undefined && idle.window.isDestroyed()) {
        this.windows.delete(idle.window);
        idle = this.idle.pop();
      }
      slot = idle ?? this.newWindow();
    } catch (error) {
      job.reject(error);
      return;
    }
    const outcome = await this.renderIn(slot.window, job.request).catch((error: unknown): Outcome => ({ error, reusable: false }));
    slot.pages += 1;
    if ('error' in outcome) job.reject(outcome.error);
    else job.resolve(outcome.result);
    // The answer is out; the window is made ready for the next page (or replaced) before the slot is free again.
    if (outcome.reusable && slot.pages < this.pagesPerWindow && !this.closed && (await this.blank(slot.window)) && !this.closed) {
      this.idle.push(slot);
    } else {
      this.destroy(slot.window);
    }
  }

  private newWindow(): RenderWindow {
    const window = createRenderWindow();
    this.windows.add(window);
    guardRenderContents(window.webContents);
    return { window, pages: 0 };
  }

  private destroy(window: BrowserWindow): void {
    this.windows.delete(window);
    if (!window.isDestroyed()) window.destroy();
  }

  /** Empties the window between two pages; false when it does not load `about:blank` in time (then it is replaced). */
  private async blank(window: BrowserWindow): Promise<boolean> {
    if (window.isDestroyed()) return false;
    const loaded = await within(
      window.webContents.loadURL('about:blank').then(() => true),
      BLANK_TIMEOUT_MS,
    );
    return loaded === true && !window.isDestroyed();
  }

  /** Loads the page and waits for it to settle, fail, crash, be cancelled or reach its deadline; never rejects. */
  private renderIn(window: BrowserWindow, request: RenderRequest): Promise<Outcome> {
    const contents = window.webContents;
    const started = performance.now();
    const tracker = new SettleTracker();
    const inFlight = new Set<number>();
    // The title the page last announced: what the deadline reports without asking a page that may be stuck.
    let announcedTitle = '';
    let loading = false;
    // Whether the page's document arrived: without one there is no rendered title, only a failure.
    let committed = false;

    return new Promise<Outcome>((resolve) => {
      let done = false;
      const finish = (outcome: Outcome): void => {
        if (done) return;
        done = true;
        tracker.dispose();
        clearTimeout(deadline);
        watches.delete(contents.id);
        this.running.delete(stop);
        request.signal.removeEventListener('abort', onAbort);
        contents.off('page-title-updated', onTitle);
        contents.off('did-start-loading', onStartLoading);
        contents.off('did-stop-loading', onStopLoading);
        contents.off('did-fail-load', onFailLoad);
        contents.off('did-navigate', onCommit);
        contents.off('render-process-gone', onGone);
        resolve(outcome);
      };
      const result = (title: string | null, settled: boolean): RenderResult => ({
        title,
        settled,
        ms: Math.max(0, Math.round(performance.now() - started)),
        finalUrl: contents.isDestroyed() ? request.url : contents.getURL() || request.url,
      });
      const stop = (error: unknown): void => {
        if (!contents.isDestroyed()) contents.stop();
        finish({ error, reusable: false });
      };
      const onAbort = (): void => stop(request.signal.reason);
      const onTitle = (_event: unknown, title: string): void => {
        announcedTitle = title;
        tracker.titleChanged();
      };
      // The document loading (its parse, a script navigation) counts as a request in flight.
      const onStartLoading = (): void => {
        if (loading) return;
        loading = true;
        tracker.requestStarted();
      };
      const onStopLoading = (): void => {
        if (!loading) return;
        loading = false;
        tracker.requestEnded();
      };
      const onCommit = (): void => {
        committed = true;
      };
      const onFailLoad = (_event: unknown, code: number, description: string, url: string, isMainFrame: boolean): void => {
        // -3 (ERR_ABORTED) is the page replacing its own load (a script navigation, a download refused): not a failure.
        if (!isMainFrame || code === -3) return;
        finish({ error: new Error(`the page did not load: ${description || 'error'} (${code}) ${url}`), reusable: false });
      };
      const onGone = (_event: unknown, details: { reason: string }): void => {
        finish({ error: new Error(`the page's renderer ended (${details.reason})`), reusable: false });
      };
      const deadline = setTimeout(() => {
        // No document in time: the record keeps its static title (the engine's RENDER_FAILED), not an empty one.
        if (!committed) finish({ error: new Error(`the page did not start loading within ${request.timeoutMs / 1000} s`), reusable: false });
        else finish({ result: result(announcedTitle, false), reusable: false });
      }, request.timeoutMs);

      this.running.add(stop);
      request.signal.addEventListener('abort', onAbort, { once: true });
      watches.set(contents.id, {
        started: (id) => {
          if (inFlight.has(id)) return;
          inFlight.add(id);
          tracker.requestStarted();
        },
        ended: (id) => {
          if (inFlight.delete(id)) tracker.requestEnded();
        },
      });
      contents.on('page-title-updated', onTitle);
      contents.on('did-start-loading', onStartLoading);
      contents.on('did-stop-loading', onStopLoading);
      contents.on('did-fail-load', onFailLoad);
      contents.on('did-navigate', onCommit);
      contents.on('render-process-gone', onGone);

      void tracker.settled.then(async () => {
        if (done) return;
        let read: unknown;
        try {
          read = await within(contents.executeJavaScriptInIsolatedWorld(TITLE_WORLD_ID, [{ code: TITLE_SCRIPT }]) as Promise<unknown>, TITLE_READ_TIMEOUT_MS);
        } catch {
          // The contents went away (destroyed with the app) as the page settled.
          read = undefined;
        }
        // A page that cannot answer now (a script loop) keeps its announced title, and its window is replaced.
        if (typeof read === 'string' || read === null) finish({ result: result(read, true), reusable: true });
        else finish({ result: result(announcedTitle, true), reusable: false });
      });

      onStartLoading();
      try {
        // Failures arrive as did-fail-load (with the page's error code) or render-process-gone; the promise adds nothing.
        contents.loadURL(request.url).catch(() => undefined);
      } catch (error) {
        finish({ error, reusable: false });
      }
    });
  }
}

/** The desktop app's PageRenderer (see the top of this file). Call after the app is ready. */
export function createHiddenWindowRenderer(options: HiddenWindowRendererOptions): PageRenderer {
  return new HiddenWindowRenderer(options);
}
