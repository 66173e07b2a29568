/**
 * Follows one job's events. A job's first events may arrive before the command that started it has returned its
 * id, so while a start is in flight, events of unknown jobs are held and replayed once the id is known; events of
 * any other job (an earlier, cancelled one) are ignored. Used by the Primes and Thumbnails tabs.
 */
import { errorMessage, invoke } from '../api.js';
import { useToast } from '../components/Toasts.js';
import { commonMessages } from '../i18n/common.js';
import { useT } from '../i18n/index.js';

export class JobFollower<P extends { jobId: string }> {
  private current: string | null = null;
  private starting = false;
  private held: P[] = [];

  constructor(private readonly apply: (payload: P) => void) {}

  get jobId(): string | null {
    return this.current;
  }

  /** The start command was sent. */
  begin(): void {
    this.current = null;
    this.starting = true;
    this.held = [];
  }

  /** The start command returned the job's id: replay what arrived meanwhile. */
  started(jobId: string): void {
    this.current = jobId;
    this.starting = false;
    const held = this.held;
    this.held = [];
    for (const payload of held) if (payload.jobId === jobId) this.apply(payload);
  }

  /** The start command failed, or the view was reset: follow nothing. */
  stop(): void {
    this.current = null;
    this.starting = false;
    this.held = [];
  }

  receive(payload: P): void {
    if (payload.jobId === this.current) this.apply(payload);
    // Bounded: a start is in flight for a moment only, and events come in batches of about 10 a second.
    else if (this.starting && this.held.length < 1000) this.held.push(payload);
  }
}

/** Cancel the job a follower follows (nothing when it follows none); a failure is shown as a toast. */
export function useCancelJob(follower: { readonly jobId: string | null }): () => Promise<void> {
  const t = useT(commonMessages);
  const toast = useToast();
  return async () => {
    const jobId = follower.jobId;
    if (!jobId) return;
    try {
      await invoke('job.cancel', jobId);
    } catch (error) {
      toast.show(t('commandFailed', { what: t('cancel'), message: errorMessage(error) }), 'error');
    }
  };
}
