/**
 * I7: the per-org open-task counters equal the open tasks. Every commit that opens or closes tasks adds its
 * difference to a counter row of the instance's org in the same transaction
 * (migrations/20261128120000_create_open_task_counts.ts); the manager's subtree counts are sums of them. A
 * counter that drifted from `COUNT(*) … WHERE state = 'created'` means a write path that bypasses the commit.
 */
import { num, type Invariant } from './types.js';

export const openTaskCounters: Invariant = {
  name: 'I7',
  title: 'the open-task counter of every org equals its open tasks',
  async check(knex) {
    const counted = await knex('org_open_task_counts')
      .select('org_path')
      .sum('open_count as n')
      .groupBy('org_path');
    const actual = await knex('user_tasks')
      .select(knex.raw("COALESCE(org_path, '') as org_path"))
      .count('* as n')
      .where('state', 'created')
      .groupByRaw("COALESCE(org_path, '')");
    const expected = new Map<string, number>();
    for (const r of actual) expected.set(String(r.org_path), num(r.n));
    const seen = new Map<string, number>();
    for (const r of counted) seen.set(String(r.org_path), num(r.n));
    const orgs = new Set([...expected.keys(), ...seen.keys()]);
    return [...orgs]
      .filter((org) => (expected.get(org) ?? 0) !== (seen.get(org) ?? 0))
      .sort()
      .map((org) => ({
        ids: { orgPath: org },
        message: `org ${org || '(none)'} has ${expected.get(org) ?? 0} open tasks, but its counters say ${seen.get(org) ?? 0}`,
      }));
  },
};
