/**
 * Open and overdue user tasks per org level (province / city / county), in one grouped query, for /metrics.
 *
 * An instance's org is `process_instances.org_code` (the unit it was started for), falling back to the
 * initiator's org for instances without one (message, timer and signal starts; rows older than that column).
 * Tasks of instances with neither count under level `unknown`.
 */
import type { Knex } from 'knex';

export interface TaskCountsByLevel {
  readonly level: string;
  readonly open: number;
  readonly overdue: number;
}

const OPEN_STATES = ['routing', 'created', 'suspended'];

const hasInstanceOrg = new WeakMap<Knex, Promise<boolean>>();

export async function countTasksByLevel(knex: Knex, now: number): Promise<TaskCountsByLevel[]> {
  let probe = hasInstanceOrg.get(knex);
  if (!probe) {
    probe = knex.schema.hasColumn('process_instances', 'org_code');
    hasInstanceOrg.set(knex, probe);
    probe.catch(() => hasInstanceOrg.delete(knex));
  }
  const orgCode = (await probe) ? knex.raw('coalesce(pi.org_code, u.org_code)') : knex.ref('u.org_code');
  const rows: Array<{ level: string | null; open: number | string; overdue: number | string | null }> =
    await knex('user_tasks as ut')
      .join('process_instances as pi', 'pi.id', 'ut.instance_id')
      .leftJoin('users as u', 'u.id', 'pi.initiator')
      .leftJoin('orgs as o', 'o.code', orgCode)
      .whereIn('ut.state', OPEN_STATES)
      .groupBy('o.level')
      .select('o.level as level')
      .count({ open: '*' })
      .select(
        knex.raw('sum(case when ut.due_at is not null and ut.due_at < ? then 1 else 0 end) as overdue', [
          new Date(now),
        ]),
      );
  return rows.map((r) => ({
    level: r.level ?? 'unknown',
    open: Number(r.open),
    overdue: Number(r.overdue ?? 0),
  }));
}
