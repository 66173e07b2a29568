import { errorMessage } from '../errors.js';
/**
 * Paces a job's updates: `schedule()` asks for a flush, and flushes run one at a time, at most one per `intervalMs`
 * (10 a second by default), however many records arrive in between. `finish()` runs a last flush and stops.
 */
export class UpdateThrottle {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private wanted = false;
  private lastStart = -Infinity;
  private finished = false;

  constructor(
    private readonly flush: () => Promise<void> | void,
    private readonly intervalMs = 100,
  ) {}

  schedule(): void {
    if (this.finished) return;
    this.wanted = true;
    if (this.timer || this.running) return;
    const wait = Math.max(0, this.lastStart + this.intervalMs - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run();
    }, wait);
  }

  /** Wait for the flush in progress, flush once more, and stop scheduling. */
  async finish(): Promise<void> {
    this.finished = true;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.running) await this.running;
    this.lastStart = performance.now();
    this.wanted = false;
    await this.flush();
  }

  private async run(): Promise<void> {
    if (this.finished || !this.wanted) return;
    this.wanted = false;
    this.lastStart = performance.now();
    const running = (async () => {
      try {
        await this.flush();
      } catch (error) {
        process.emitWarning(`titlewave: an update failed: ${errorMessage(error)}`);
      }
    })();
    this.running = running;
    await running;
    this.running = null;
    if (this.wanted) this.schedule();
  }
}
