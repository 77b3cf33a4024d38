/**
 * Marks of jobs handed to the queue, written to the outbox (`jobs.published_at`) together, a moment later.
 *
 * Marking each command's jobs at once cost one more durable transaction per command that creates a job (a user
 * task's deadline, a timer): an UPDATE in its own autocommit, with its own log flush, as expensive in MariaDB as
 * the command's commit itself (bench/README.md). A mark only keeps the outbox relay from publishing the job again
 * (harmless: a job's queue id is the same for the same publish, and a delivery for a job no longer pending does
 * nothing), so marks may wait a little and go as one UPDATE: they are written at most FLUSH_AFTER_MS after the
 * publish, well inside the relay's grace period, or at once when many are waiting, and on stop.
 */
import type { JobRecord } from '../runtime/records.js';

/** How long a mark waits for others before they are written (well under the relay's 2 s grace). */
export const FLUSH_AFTER_MS = 100;
/** Marks that are written at once, without waiting. */
const FLUSH_AT = 500;

export type PublishedMark = Pick<JobRecord, 'id' | 'attempt' | 'publishSeq'>;

export class PublishedMarks {
  private waiting: { mark: PublishedMark; at: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    /** Writes marks published at one time (the store's markJobsPublished); failures are the writer's to log. */
    private readonly write: (marks: readonly PublishedMark[], at: number) => Promise<void>,
  ) {}

  /** Records jobs published at `at`; they are written within FLUSH_AFTER_MS. */
  add(marks: readonly PublishedMark[], at: number): void {
    for (const mark of marks) this.waiting.push({ mark, at });
    if (this.waiting.length >= FLUSH_AT) void this.flush();
    else if (!this.timer && this.waiting.length > 0) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_AFTER_MS);
      this.timer.unref();
    }
  }

  /** Writes every waiting mark now, as one UPDATE; resolves when this and every earlier write are done. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.waiting;
    this.waiting = [];
    const previous = this.writing;
    this.writing = (async () => {
      await previous;
      if (batch.length === 0) return;
      // the latest publish time stands for all: a mark only tells the relay "handed to the queue by then"
      const at = batch.reduce((latest, b) => Math.max(latest, b.at), 0);
      await this.write(
        batch.map((b) => b.mark),
        at,
      );
    })();
    await this.writing;
  }
}
