/**
 * Trying again what a brief store outage or a lost race interrupted. A command is re-run whole (engine.ts); a
 * read is simply read again, since it wrote nothing. Both wait the same short, jittered backoff, so that a lost
 * connection costs milliseconds, not a redelivery from the queue seconds later.
 */
import { isRetryable } from './errors.js';
import type { ProcessStore } from './ports/store.js';

/** Waits before the next attempt after `attempt`: 2^attempt ms, at most 200 ms, ±50 % jitter. */
export function backoff(attempt: number): Promise<void> {
  const ms = Math.min(200, 2 ** attempt) * (0.5 + Math.random());
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `read`, again while it fails with a retryable store error, `attempts` times in all. */
export async function retryRead<T>(read: () => Promise<T>, attempts: number): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (!isRetryable(err) || attempt >= attempts) throw err;
      await backoff(attempt);
    }
  }
}

/** The store's methods that only read (safe to run again). */
const READS: ReadonlySet<keyof ProcessStore> = new Set<keyof ProcessStore>([
  'getDefinition',
  'findDefinition',
  'listDefinitions',
  'loadInstance',
  'loadTaskInstance',
  'getInstance',
  'listInstances',
  'countInstances',
  'getTask',
  'findTaskInstanceId',
  'listTasks',
  'countTasks',
  'getJob',
  'listCarbonCopies',
  'listJobs',
  'findDueTimers',
  'findSubscriptions',
  'getMessage',
  'listMessages',
  'findBufferedMessages',
  'getIncident',
  'listIncidents',
  'loadVariables',
  'listHistory',
  'completedElementIds',
  'definitionStatistics',
  'diagramState',
  'findUnpublishedJobs',
  'findStalePublishedJobs',
]);

/**
 * The store with every read retried (`retryRead`) and every write passed through as it is: what the job
 * handlers use, so that a delivery is not failed back to the queue (and its exponential redelivery) by one lost
 * connection before its command.
 */
export function withRetriedReads(store: ProcessStore, attempts: number): ProcessStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => Promise<unknown>;
      if (!READS.has(property as keyof ProcessStore)) return method.bind(target);
      return (...args: unknown[]) => retryRead(() => method.apply(target, args), attempts);
    },
  });
}
