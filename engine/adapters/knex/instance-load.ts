/**
 * The reads that load one instance for a command: the instance row, its tokens, variables, open tasks with their
 * candidates, pending jobs, open incidents, event subscriptions and the head of its audit chain. The queries are
 * built once, here, for both dialects: SQLite runs them one after the other, MySQL sends them in one round trip
 * (statement-batch.ts).
 *
 * An instance is named by its id, or — for a command on a task — by a MySQL session variable that the batch sets
 * from the task's row first, so "which instance is this task in?" costs no round trip of its own.
 */
import type { Knex } from 'knex';
import type { InstanceSnapshot } from '../../core/runtime/records.js';
import { chainHeadFromRow, instanceChainHeadQuery, instanceChainId, type ChainHead } from './audit-log.js';
import {
  executionFromRow,
  incidentFromRow,
  instanceFromRow,
  jobFromRow,
  subscriptionFromRow,
  tasksFromRows,
} from './rows.js';

type Row = Record<string, unknown>;

/** The task states a command sees as open (routing, waiting, suspended). */
const OPEN_TASK_STATES = ['routing', 'created', 'suspended'];

/** The session variable a task-addressed load sets to its instance id (MySQL). */
export const TASK_INSTANCE_VARIABLE = '@fbpm_task_instance';

/** The statement that sets TASK_INSTANCE_VARIABLE from a task id (NULL when the task does not exist). */
export function setTaskInstanceVariable(knex: Knex, taskId: string): Knex.Raw {
  return knex.raw(`SET ${TASK_INSTANCE_VARIABLE} := (SELECT instance_id FROM user_tasks WHERE id = ?)`, [
    taskId,
  ]);
}

/** The load's queries, in the order their results are read (the instance row first: see the chain head). */
export function instanceLoadQueries(knex: Knex, instance: string | Knex.Raw): Knex.QueryBuilder[] {
  return [
    knex('process_instances').where('id', instance),
    knex('executions').where('instance_id', instance).orderBy('created_at').orderBy('id'),
    knex('variables')
      .select('name', 'value_json')
      .where('instance_id', instance)
      .andWhere('scope_id', instance),
    knex('user_tasks').where('instance_id', instance).whereIn('state', OPEN_TASK_STATES),
    knex('task_candidates as c')
      .select('c.task_id', 'c.kind', 'c.value')
      .join('user_tasks as t', 't.id', 'c.task_id')
      .where('t.instance_id', instance)
      .whereIn('t.state', OPEN_TASK_STATES),
    knex('jobs').where('instance_id', instance).andWhere('state', 'pending'),
    knex('incidents').where('instance_id', instance).andWhere('state', 'open'),
    knex('event_subscriptions').where('instance_id', instance),
    // read after the instance row, so the head is at least as new as the version the command starts from
    typeof instance === 'string'
      ? instanceChainHeadQuery(knex, instance)
      : knex('audit_log')
          .select('seq', 'row_hash')
          .where('chain_id', knex.raw(`CONCAT(?, ${TASK_INSTANCE_VARIABLE})`, [instanceChainId('')]))
          .orderBy('seq', 'desc')
          .limit(1),
  ];
}

/** The snapshot (and the audit chain head) from the results of instanceLoadQueries, in their order. */
export function snapshotFromResults(
  results: readonly Row[][],
): { snapshot: InstanceSnapshot; chainHead: ChainHead } | undefined {
  const [instances, executions, variables, tasks, candidates, jobs, incidents, subscriptions, heads] =
    results;
  const row = instances?.[0];
  if (!row) return undefined;
  const vars: Record<string, unknown> = Object.create(null);
  for (const v of variables!) vars[String(v.name)] = JSON.parse(String(v.value_json));
  return {
    snapshot: {
      instance: instanceFromRow(row),
      executions: executions!.map(executionFromRow),
      variables: vars,
      openTasks: tasksFromRows(tasks!, candidates!),
      pendingJobs: jobs!.map(jobFromRow),
      openIncidents: incidents!.map(incidentFromRow),
      openSubscriptions: subscriptions!.map(subscriptionFromRow),
    },
    chainHead: chainHeadFromRow(heads?.[0]),
  };
}
