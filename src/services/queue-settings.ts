/**
 * The "Run on" setting of titles runs, and the Redis URLs that runs on a queue need to be re-attached after a
 * restart: `<dataDir>/queue.json`, readable and writable by its owner only (0600), because a Redis URL may hold a
 * password. Nothing else Titlewave writes (run metas, records, events, logs, exports) holds a password: runs keep the
 * URL without it (`redis://:***@host:6379/0`) and find the full URL here by that key.
 */
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { runTargetSchema, type ClusterSettings, type RunTarget } from '../contract.js';
import { writeFileAtomic } from './atomic.js';

export const QUEUE_SETTINGS_FILE = 'queue.json';
/** Full URLs kept for runs (by their URL without password); the oldest are forgotten past this. */
const MAX_KNOWN = 32;

const storedSchema = z.object({
  version: z.literal(1),
  runOn: runTargetSchema,
  /** The Redis URL of "Run on: a Redis queue": in full, and without its password. */
  url: z.object({ full: z.string().max(2048), display: z.string().max(2100) }).nullable(),
  /** URL without password -> full URL, for every queue a run of this data folder went to (the last MAX_KNOWN). */
  known: z.record(z.string().max(2100), z.string().max(2048)),
});
type Stored = z.infer<typeof storedSchema>;

const empty: Stored = { version: 1, runOn: 'local', url: null, known: {} };

/** Parses a Redis URL (throws the cluster's one-line BAD_URL error, which never echoes the text). */
async function displayOf(url: string): Promise<{ full: string; display: string }> {
  // Loaded only when a queue is used: ioredis and BullMQ are not needed for local runs.
  const { parseRedisUrl } = await import('../cluster/connection.js');
  return { full: url.trim(), display: parseRedisUrl(url).display };
}

export class QueueSettingsStore {
  readonly path: string;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly dataDir: string) {
    this.path = join(dataDir, QUEUE_SETTINGS_FILE);
  }

  /** The saved settings; the defaults when the file is missing or damaged. */
  async read(): Promise<Stored> {
    try {
      const parsed = storedSchema.safeParse(JSON.parse(await readFile(this.path, 'utf8')));
      return parsed.success ? parsed.data : { ...empty, known: {} };
    } catch {
      return { ...empty, known: {} };
    }
  }

  async view(): Promise<ClusterSettings> {
    const stored = await this.read();
    return { runOn: stored.runOn, url: stored.url?.display ?? null };
  }

  /** Save "Run on" and the URL (`undefined`: keep the saved one; null: forget it). A bad URL is refused, unsaved. */
  save(runOn: RunTarget, url: string | null | undefined): Promise<ClusterSettings> {
    return this.update(async (stored) => {
      if (url === null) {
        // Forgotten means forgotten: runs on that queue need the URL entered again to be re-attached.
        if (stored.url) delete stored.known[stored.url.display];
        stored.url = null;
      } else if (url !== undefined) {
        // Only the URL in use is kept: one replaced before any run went to it (a typo, a wrong password) is gone.
        stored.url = await displayOf(url);
      }
      stored.runOn = runOn;
      return stored;
    }).then((stored) => ({ runOn: stored.runOn, url: stored.url?.display ?? null }));
  }

  /** The saved URL in full (for a new run or a test), or null. */
  async currentUrl(): Promise<{ full: string; display: string } | null> {
    return (await this.read()).url;
  }

  /** Keep a run's full URL so it can be re-attached after a restart. */
  async remember(display: string, full: string): Promise<void> {
    await this.update(async (stored) => {
      remember(stored, display, full);
      return stored;
    });
  }

  /** The full URL of a queue a run went to, or null when this data folder does not know its password any more. */
  async urlFor(display: string): Promise<string | null> {
    const stored = await this.read();
    if (stored.url?.display === display) return stored.url.full;
    return stored.known[display] ?? null;
  }

  private update(change: (stored: Stored) => Promise<Stored>): Promise<Stored> {
    const result = this.chain.then(async () => {
      const next = await change(await this.read());
      await mkdir(this.dataDir, { recursive: true, mode: 0o700 });
      // Created 0600 (writeFileAtomic's temporary file) and renamed over; chmod for a file made by hand.
      await writeFileAtomic(this.path, `${JSON.stringify(next, null, 2)}\n`, { durable: true });
      await chmod(this.path, 0o600).catch(() => undefined);
      return next;
    });
    this.chain = result.catch(() => undefined);
    return result;
  }
}

function remember(stored: Stored, display: string, full: string): void {
  delete stored.known[display];
  stored.known[display] = full;
  const names = Object.keys(stored.known);
  for (const name of names.slice(0, Math.max(0, names.length - MAX_KNOWN))) delete stored.known[name];
}
