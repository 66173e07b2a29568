/**
 * Render mode's one interface: something that loads a page in a real browser engine and says what its tab's title is
 * once the page settles. The engine receives a PageRenderer from its host and never knows which one it is: the
 * playwright-core one (src/titles/render/playwright.ts: CLI and browser mode) or the hidden-window one of the desktop
 * app (electron/page-renderer.ts). This module is browser-safe and imports nothing.
 */

/** When a page is rendered: only when its static title looks like an app shell's (`auto`), never, or always. */
export type RenderMode = 'auto' | 'never' | 'always';
export const RENDER_MODES: readonly RenderMode[] = ['auto', 'never', 'always'];

/** No title change and no request in flight for this long: the page has settled. */
export const SETTLE_QUIET_MS = 500;
/** The default deadline of one render (`--render-timeout`). */
export const DEFAULT_RENDER_TIMEOUT_MS = 10_000;
/** The default number of pages rendered at once (`--renderers`). */
export const DEFAULT_RENDERERS = 2;

export interface RenderRequest {
  /** The URL to load (the static fetch's final URL, after redirects). */
  url: string;
  /** The render ends at this long after it starts, settled or not. */
  timeoutMs: number;
  /** Cancel: the render stops at once and its promise rejects with the signal's reason. */
  signal: AbortSignal;
}

export interface RenderResult {
  /**
   * `document.title` when the page settled, or at the deadline; null when the document has no HTML <title> element
   * (document.title is then "", which records keep for an empty title).
   */
  title: string | null;
  /** False when the deadline came first (the record then carries a warning that the title did not settle). */
  settled: boolean;
  /** From the start of the load to the answer. */
  ms: number;
  /** Where the page ended up (script navigations included). */
  finalUrl: string;
}

export interface PageRenderer {
  render(request: RenderRequest): Promise<RenderResult>;
  /** Closes every page, window and browser it opened. */
  close(): Promise<void>;
}

/**
 * The settle rule, shared by both renderers so they measure it the same way: fed the page's title changes and its
 * requests starting and ending, `settled` resolves once there has been no title change and no request in flight for
 * `quietMs`. Call `dispose` when the render ends either way.
 */
export class SettleTracker {
  readonly settled: Promise<void>;
  #inFlight = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #resolve!: () => void;
  #done = false;
  readonly #quietMs: number;

  constructor(quietMs: number = SETTLE_QUIET_MS) {
    this.#quietMs = quietMs;
    this.settled = new Promise<void>((resolve) => {
      this.#resolve = resolve;
    });
    this.#restart();
  }

  titleChanged(): void {
    this.#restart();
  }

  requestStarted(): void {
    this.#inFlight += 1;
    this.#restart();
  }

  requestEnded(): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    this.#restart();
  }

  dispose(): void {
    this.#done = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #restart(): void {
    if (this.#done) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#inFlight > 0) return;
    this.#timer = setTimeout(() => {
      this.#done = true;
      this.#resolve();
    }, this.#quietMs);
  }
}
