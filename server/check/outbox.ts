/**
 * I6: no outbox row stays unpublished past the reconcile horizon. A pending job is written with its state change
 * and published to the queue after commit; the relay publishes any row whose `published_at` is still null
 * (engine/adapters/knex/knex-process-store.ts, findUnpublishedJobs, by `updated_at`). A pending row older than
 * RECONCILE_HORIZON_MS that is still unpublished means the relay is not running or cannot reach the queue.
 */
import type { Invariant } from './types.js';

export const outbox: Invariant = {
  name: 'I6',
  title: 'no pending outbox row is unpublished for longer than the reconcile horizon',
  async check(knex, { horizonMs, now }) {
    const rows = await knex('jobs')
      .select('id', 'instance_id', 'element_id', 'kind', 'updated_at')
      .where({ state: 'pending' })
      .whereNull('published_at')
      .andWhere('updated_at', '<', new Date(now - horizonMs))
      .orderBy('updated_at')
      .limit(1000);
    return rows.map((r) => {
      const value: unknown = r.updated_at;
      const since =
        value instanceof Date ? value : new Date(typeof value === 'number' ? value : String(value));
      const ids: Record<string, string> = { jobId: String(r.id), elementId: String(r.element_id) };
      if (r.instance_id != null) ids.instanceId = String(r.instance_id);
      return {
        ids,
        message: `${String(r.kind)} job ${String(r.id)} is pending and unpublished since ${Number.isNaN(since.getTime()) ? String(r.updated_at) : since.toISOString()}, longer than ${horizonMs} ms`,
      };
    });
  },
};
