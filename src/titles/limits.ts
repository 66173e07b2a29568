/**
 * The limits of a titles run's settings and the rule for its User-Agent, defined once: the IPC contract validates
 * against them, the app's settings panel shows and checks them, and the CLI parses its flags with them. Browser-safe
 * (no Node imports): the renderer imports this module too, so its checks cannot drift from the others.
 */

export interface Limit {
  min: number;
  max: number;
}

/** Limits of a run started from the app (and of every run a host's services start). */
export const titlesLimits = Object.freeze({
  /**
   * Requests in flight over all hosts. Each holds a socket, that is a file descriptor: desktop sessions on Linux start
   * with a limit of 1024 of them per process, shared with the window, so the app stays below it.
   */
  concurrency: Object.freeze({ min: 1, max: 1000 }),
  /** Requests in flight to one host: more than 100 at once is a load test, not a title check. */
  perHost: Object.freeze({ min: 1, max: 100 }),
  /** The whole-request deadline, in milliseconds: a second to ten minutes (the settings panel takes whole seconds). */
  timeoutMs: Object.freeze({ min: 1000, max: 600_000 }),
  retries: Object.freeze({ min: 0, max: 10 }),
  /**
   * Pages rendered at once (render mode). Each is a browser page with its own renderer process, a hundred MiB or more:
   * eight keep the app's whole process tree within a couple of GiB.
   */
  renderers: Object.freeze({ min: 1, max: 8 }),
  /** The deadline of one render, in milliseconds: a second to two minutes (the settings panel takes whole seconds). */
  renderTimeoutMs: Object.freeze({ min: 1000, max: 120_000 }),
  /** Characters of a User-Agent. */
  userAgentLength: 500,
  /** Requests per second per host, at most (list mode's rate): more than this per host is no limit at all. */
  rateMax: 1000,
  /** Characters of a proxy URL (list mode's proxy setting). */
  proxyUrlLength: 2048,
} satisfies Record<string, Limit | number>);

/**
 * Where the CLI may go further than the app, and only here: a headless run is started by someone who can raise the
 * process's file-descriptor limit (`ulimit -n`) first, for example to check a list against their own servers, and
 * whose `--timeout` takes fractions of a second (down to a tenth, for servers on the same network). A CLI run
 * resumed in the app runs within the app's limits (the services say which settings they brought within them).
 */
export const cliTitlesLimits = Object.freeze({
  ...titlesLimits,
  concurrency: Object.freeze({ min: 1, max: 10_000 }),
  perHost: Object.freeze({ min: 1, max: 1000 }),
  timeoutMs: Object.freeze({ min: 100, max: 600_000 }),
  renderers: Object.freeze({ min: 1, max: 32 }),
  renderTimeoutMs: Object.freeze({ min: 100, max: 600_000 }),
});

export type UserAgentProblem = 'tooLong' | 'control' | 'notLatin1';

/**
 * What is wrong with a User-Agent, or null. The rule of an HTTP header value (Node's validateHeaderValue, which would
 * refuse it on every request): no line break or other control character (C0, DEL or C1; a tab is allowed), nothing beyond Latin-1.
 * Blank is not judged here: the app takes a blank value as "the default", the CLI refuses an empty flag.
 */
export function userAgentProblem(value: string): UserAgentProblem | null {
  if (value.length > titlesLimits.userAgentLength) return 'tooLong';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || (code >= 0x7f && code <= 0x9f)) return 'control';
    if (code > 0xff) return 'notLatin1';
  }
  return null;
}

/** Whether a rate is usable: more than 0, at most rateMax, and whole above 1 (below 1 it means one per 1/N s). */
export function isValidRate(rate: number): boolean {
  return Number.isFinite(rate) && rate > 0 && rate <= titlesLimits.rateMax && (rate <= 1 || Number.isInteger(rate));
}

/** Whether a value lies within a limit (whole numbers only). */
export function withinLimit(value: number, limit: Limit): boolean {
  return Number.isInteger(value) && value >= limit.min && value <= limit.max;
}
