/** Default settings of a titles run. Browser-safe: the renderer shows them as its defaults. */
import { DEFAULT_RENDER_TIMEOUT_MS, DEFAULT_RENDERERS } from './render/renderer.js';
import type { TitlesOptions } from './types.js';

/** Says who we are (sites may log it) while looking enough like a browser that sites serve their normal page. */
export const defaultUserAgent = 'Mozilla/5.0 (compatible; Titlewave)';

export const defaultTitlesOptions: Readonly<TitlesOptions> = Object.freeze({
  concurrency: 64,
  perHost: 6,
  timeoutMs: 15_000,
  retries: 2,
  userAgent: defaultUserAgent,
  headers: Object.freeze({}),
  maxRedirects: 10,
  maxBodyBytes: 4 * 1024 * 1024,
  retryBaseMs: 500,
  maxRetryDelayMs: 10_000,
  proxy: 'environment',
  robots: 'ignore',
  rate: null,
  render: 'auto',
  renderers: DEFAULT_RENDERERS,
  renderTimeoutMs: DEFAULT_RENDER_TIMEOUT_MS,
});
