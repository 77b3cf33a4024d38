/**
 * The outbox's publishing side: jobs committed in `jobs` are handed to the work queue, which wakes a worker when
 * each is due. MariaDB is the truth, the queue only a wake-up: a job the queue lost (not handed over after a crash,
 * Redis wiped) is published again by the relay and the reconciler, under a fresh queue id; a job published twice
 * runs once, because a delivery for a job no longer pending at that attempt does nothing (Engine.handleJob).
 */
import type { Logger } from '../api-types.js';
import type { Clock } from '../ports/clock.js';
import type { ProcessStore } from '../ports/store.js';
import type { QueueName, WorkQueue } from '../ports/work-queue.js';
import type { JobRecord } from '../runtime/records.js';
import { PublishedMarks } from './published-marks.js';

/** How long commands leave new jobs to the relay after the queue failed to take one (unless a publish succeeds first). */
const PUBLISH_PAUSE_MS = 5000;

export interface JobPublisherOptions {
  readonly store: ProcessStore;
  readonly queue: WorkQueue;
  readonly clock: Clock;
  readonly logger: Logger | undefined;
  /** Relay: unpublished jobs older than graceMs are published; published but pending ones due more than horizonMs ago are looked at again. */
  readonly graceMs: number;
  readonly horizonMs: number;
  /** Longest wait for the queue to take (or answer about) one message. */
  readonly publishTimeoutMs: number;
}

export class JobPublisher {
  /** Outbox marks of published jobs, written together a moment after the commands that published them. */
  private readonly marks: PublishedMarks;
  /**
   * Until when (performance.now()) commands leave their new jobs to the relay instead of publishing them: set when
   * the queue failed to take a job, so that while Redis is unreachable a request does not wait `publishTimeoutMs`
   * on every commit; cleared by the next successful publish (the relay's, once Redis answers again).
   */
  private pausedUntil = 0;

  constructor(private readonly options: JobPublisherOptions) {
    this.marks = new PublishedMarks(async (marks, at) => {
      try {
        await options.store.markJobsPublished(marks, at);
      } catch (err) {
        options.logger?.warn(
          { err },
          'could not mark jobs published; they may be published twice (harmless)',
        );
      }
    });
  }

  /**
   * The pending, unpublished jobs a command just committed: handed to the queue now, their marks written with
   * other commands' a moment later; while the queue is failing they are left to the relay (after its grace).
   */
  async publishCommitted(jobs: readonly JobRecord[]): Promise<void> {
    const fresh = jobs.filter((j) => j.state === 'pending' && j.publishedAt === null);
    if (fresh.length > 0 && performance.now() >= this.pausedUntil)
      await this.publish(fresh, { markLater: true });
  }

  /**
   * Hands jobs to the queue and records it in the outbox; a queue that is down leaves them to the relay.
   * `markLater`: the record joins those of other commands a moment later (published-marks.ts), for the jobs of a
   * command; the relay's own publishing records at once.
   */
  async publish(jobs: readonly JobRecord[], options: { markLater?: boolean } = {}): Promise<void> {
    if (jobs.length === 0) return;
    const published: JobRecord[] = [];
    const now = this.options.clock.now();
    for (const job of jobs) {
      try {
        await withTimeout(
          this.options.queue.publish({
            queue: queueOf(job),
            jobId: queueJobId(job),
            data: jobMessage(job),
            delayMs: Math.max(0, job.dueAt - now),
          }),
          this.options.publishTimeoutMs,
        );
        published.push(job);
        this.pausedUntil = 0;
      } catch (err) {
        this.pausedUntil = performance.now() + PUBLISH_PAUSE_MS;
        this.options.logger?.warn(
          { err, jobId: job.id },
          'queue did not accept a job; the outbox relay will publish it',
        );
        break;
      }
    }
    this.marks.add(published, now);
    if (!options.markLater) await this.marks.flush();
  }

  /** Publishes jobs that were committed but never handed to the queue (crash or queue outage after commit). */
  async relayOutbox(): Promise<number> {
    const { store, clock, graceMs } = this.options;
    const jobs = await store.findUnpublishedJobs(clock.now() - graceMs, 500);
    await this.publish(jobs);
    return jobs.length;
  }

  /**
   * Publishes again, under a fresh queue id, pending jobs published and due more than the reconcile horizon ago
   * whose message the queue no longer holds (their wake-up was lost, e.g. Redis was wiped). Returns how many were
   * stale.
   */
  async reconcile(): Promise<number> {
    const cutoff = this.options.clock.now() - this.options.horizonMs;
    const stale = await this.options.store.findStalePublishedJobs(cutoff, cutoff, 1000);
    const republish: JobRecord[] = [];
    for (const job of stale) {
      // a job the queue still holds is late because of a backlog, not lost: publishing it again adds work
      if (await this.queueHolds(job)) continue;
      const again = await this.withFreshQueueId(job);
      if (again) republish.push(again);
    }
    await this.publish(republish);
    return stale.length;
  }

  /**
   * Publishes every pending job again under a fresh queue id (at start, for a queue that keeps nothing across
   * restarts): timers that fell due while nothing ran then fire at once. Each job is republished once per sweep.
   */
  async sweepPendingJobs(): Promise<number> {
    await this.relayOutbox();
    const startedAt = this.options.clock.now();
    const far = startedAt + 100 * 365 * 86_400_000;
    const seen = new Set<string>();
    for (;;) {
      const fresh = (await this.options.store.findStalePublishedJobs(startedAt + 1, far, 1000)).filter(
        (j) => !seen.has(j.id),
      );
      if (fresh.length === 0) return seen.size;
      const republish: JobRecord[] = [];
      for (const job of fresh) {
        seen.add(job.id);
        const again = await this.withFreshQueueId(job);
        if (again) republish.push(again);
      }
      await this.publish(republish);
    }
  }

  /** A job delivered before its due time (the queue woke it ahead of the engine's clock): published again, to wait for the rest. */
  async republishEarly(jobId: string): Promise<void> {
    const job = await this.options.store.getJob(jobId);
    if (job && job.state === 'pending') {
      const again = await this.withFreshQueueId(job);
      if (again) await this.publish([again]);
    }
  }

  /** Writes the marks still waiting (on stop). */
  flush(): Promise<void> {
    return this.marks.flush();
  }

  /** The job under its next queue id, or undefined when it moved on meanwhile (no longer pending at that attempt). */
  private async withFreshQueueId(job: JobRecord): Promise<JobRecord | undefined> {
    const seq = await this.options.store.bumpPublishSeq(job.id, job.attempt);
    return seq === undefined ? undefined : { ...job, publishSeq: seq, publishedAt: null };
  }

  /** Whether the queue still holds the job's current message (false when it cannot tell). */
  private async queueHolds(job: JobRecord): Promise<boolean> {
    const { queue, publishTimeoutMs } = this.options;
    if (!queue.holds) return false;
    try {
      return await withTimeout(queue.holds(queueOf(job), queueJobId(job)), publishTimeoutMs);
    } catch {
      return false;
    }
  }
}

/** A job's message id in the queue: the same for the same publish, so the queue dedupes it. */
function queueJobId(job: Pick<JobRecord, 'id' | 'attempt' | 'publishSeq'>): string {
  return `job-${job.id}-${job.attempt}-${job.publishSeq}`;
}

/** The queue message of a job: its id and attempt, and for a token's timer the instance (see Engine.handleJob). */
function jobMessage(job: JobRecord): Record<string, unknown> {
  return job.kind === 'timer' && job.instanceId
    ? { jobId: job.id, attempt: job.attempt, timerInstanceId: job.instanceId }
    : { jobId: job.id, attempt: job.attempt };
}

function queueOf(job: JobRecord): QueueName {
  if (job.kind === 'service') return 'service';
  if (job.kind === 'route') return 'route';
  if (job.kind === 'timer' || job.kind === 'start-timer' || job.kind === 'task-deadline') return 'timer';
  return 'continue';
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
