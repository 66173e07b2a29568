/**
 * Opening links in the system browser: only http(s) URLs, and only at a human pace. A click cannot be proven over
 * IPC, so a compromised or buggy page is at least kept from opening a flood of tabs or any other scheme
 * (file:, smb:, custom app handlers).
 */

/** The URL as a string when it is an absolute http(s) URL with a host; null for anything else. */
export function webUrl(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 8192) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) return null;
  // Credentials in a link are a classic phishing disguise (https://bank.com@evil.example/); never pass them on.
  if (url.username || url.password) return null;
  return url.href;
}

/** Allows at most `limit` events in any `windowMs`; `now` is injectable for tests. */
export class RateLimiter {
  private readonly times: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  tryTake(): boolean {
    const now = this.now();
    while (this.times.length > 0 && (this.times[0] as number) <= now - this.windowMs) this.times.shift();
    if (this.times.length >= this.limit) return false;
    this.times.push(now);
    return true;
  }
}

export interface ExternalOpener {
  /** Opens the URL or throws a readable error (not a web URL, too many at once, the OS refused). */
  open(url: unknown): Promise<void>;
}

/** A person clicking links opens a few a second at most; 5 in 10 s leaves room for that and stops a script. */
export function createExternalOpener(openInSystem: (url: string) => Promise<void>, limiter = new RateLimiter(5, 10_000)): ExternalOpener {
  return {
    async open(value) {
      const url = webUrl(value);
      if (!url) throw new Error('Only http and https links are opened in the browser');
      if (!limiter.tryTake()) throw new Error('Too many links opened at once; wait a moment and click again');
      await openInSystem(url);
    },
  };
}
