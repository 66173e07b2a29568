/**
 * The meta.json writes of a run this process runs. Writes of one run go one after another, each taking the run's
 * meta as it is when its turn comes, so the last one written is always the newest. A live run rewrites it at most
 * every META_EVERY_MS while its counts change and at least every HEARTBEAT_MS (so other processes see it alive), and
 * durably on every change of state. A write that fails is never silent: the caller waiting on it gets the error,
 * and one nobody waits on (the heartbeat, the end of a job) is logged with the run it was for.
 */
import { errorMessage } from '../errors.js';
import type { RunMeta, RunStore } from './journal.js';

/** Live runs rewrite their meta this often while they change (counts), and at least every HEARTBEAT_MS. */
export const META_EVERY_MS = 1000;
export const HEARTBEAT_MS = 5000;

/** Where the services say what went wrong with no one to tell (stderr in `titlewave serve`, the app's log). */
export type ServicesLog = (message: string) => void;

export class MetaWriter {
  private lastWrite = Date.now();
  /** Counts changed since the last write. */
  private dirty = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: RunStore,
    private readonly log: ServicesLog,
    /** The run's meta as it should be written now (counts included). */
    private readonly current: () => RunMeta,
  ) {}

  /** New records: the counts in the meta are behind. */
  touch(): void {
    this.dirty = true;
  }

  /** A live run's meta is due: its counts changed a while ago, or the heartbeat. */
  due(now: number): boolean {
    return this.dirty || now - this.lastWrite >= HEARTBEAT_MS;
  }

  /** Write the meta after any write already under way; rejects when this one fails. */
  write(durable = false): Promise<void> {
    this.lastWrite = Date.now();
    this.dirty = false;
    const write = this.chain.then(() => this.store.writeMeta(this.current(), durable));
    // The next write waits for this one, not for its success (it writes the newer meta anyway).
    this.chain = write.catch(() => undefined);
    return write;
  }

  /** Write the meta for no one waiting on it: a failure is logged, saying what was being saved. */
  async writeLogged(what: string, durable = false): Promise<void> {
    try {
      await this.write(durable);
    } catch (error) {
      this.log(`could not save ${what} of run ${this.current().id} (its meta.json): ${errorMessage(error)}`);
    }
  }

  /** Resolves once every write asked for so far is done (written or failed). */
  settled(): Promise<void> {
    return this.chain;
  }
}

/** The log of services whose host gave none: stderr, as one line. */
export const stderrLog: ServicesLog = (message) => {
  process.stderr.write(`titlewave: ${message}\n`);
};
