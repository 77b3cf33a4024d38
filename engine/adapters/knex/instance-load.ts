/**
 * The reads that load one instance for a command: the instance row with its variables, its tokens, open tasks
 * with their candidates, pending jobs, open incidents, event subscriptions and the head of its audit chain. The
 * queries are built once, here, for both dialects: SQLite runs them one after the other, MySQL sends them in one
 * round trip (statement-batch.ts). A row and its children come in one joined statement where the children are
 * few (an instance's variables, a task's candidates): every statement costs MariaDB ~0.1 ms of CPU however small
 * its answer (bench/README.md), more than the repeated parent columns.
 *
 * An instance is named by its id, or — for a command on a task whose instance the store does not know yet — by a
 * MySQL session variable that the batch sets from the task's row first, so "which instance is this task in?"
 * costs no round trip of its own. The chain head is left out when the store remembers it (knex-process-store.ts).
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

/** Column aliases of the joined children (no table of the load has columns of these names). */
const VARIABLE_NAME = 'joined_variable_name';
const VARIABLE_VALUE = 'joined_variable_value_json';
const CANDIDATE_KIND = 'joined_candidate_kind';
const CANDIDATE_VALUE = 'joined_candidate_value';

/**
 * The load's queries, in the order snapshotFromResults reads them (the instance row first: see the chain head,
 * which is the last query and only there when `withChainHead`).
 */
export function instanceLoadQueries(
  knex: Knex,
  instance: string | Knex.Raw,
  withChainHead = true,
): Knex.QueryBuilder[] {
  const queries = [
    knex('process_instances as i')
      .leftJoin('variables as v', (on) => on.on('v.instance_id', 'i.id').andOn('v.scope_id', 'i.id'))
      .select('i.*', `v.name as ${VARIABLE_NAME}`, `v.value_json as ${VARIABLE_VALUE}`)
      .where('i.id', instance),
    knex('executions').where('instance_id', instance).orderBy('created_at').orderBy('id'),
    knex('user_tasks as t')
      .leftJoin('task_candidates as c', 'c.task_id', 't.id')
      .select('t.*', `c.kind as ${CANDIDATE_KIND}`, `c.value as ${CANDIDATE_VALUE}`)
      .where('t.instance_id', instance)
      .whereIn('t.state', OPEN_TASK_STATES),
    knex('jobs').where('instance_id', instance).andWhere('state', 'pending'),
    knex('incidents').where('instance_id', instance).andWhere('state', 'open'),
    knex('event_subscriptions').where('instance_id', instance),
  ];
  if (!withChainHead) return queries;
  // read after the instance row, so the head is at least as new as the version the command starts from
  queries.push(
    typeof instance === 'string'
      ? instanceChainHeadQuery(knex, instance)
      : knex('audit_log')
          .select('seq', 'row_hash')
          .where('chain_id', knex.raw(`CONCAT(?, ${TASK_INSTANCE_VARIABLE})`, [instanceChainId('')]))
          .orderBy('seq', 'desc')
          .limit(1),
  );
  return queries;
}

/**
 * The snapshot from the results of instanceLoadQueries, in their order, and the audit chain head when the load
 * read it.
 */
export function snapshotFromResults(
  results: readonly Row[][],
): { snapshot: InstanceSnapshot; chainHead: ChainHead | undefined } | undefined {
  const [instanceRows, executions, taskRows, jobs, incidents, subscriptions, heads] = results;
  const row = instanceRows?.[0];
  if (!row) return undefined;
  const vars: Record<string, unknown> = Object.create(null);
  for (const v of instanceRows!)
    if (v[VARIABLE_NAME] !== null && v[VARIABLE_NAME] !== undefined)
      vars[String(v[VARIABLE_NAME])] = JSON.parse(String(v[VARIABLE_VALUE]));
  // one row per task and candidate (a task without candidates once, with NULLs)
  const tasks = new Map<string, Row>();
  const candidates: Row[] = [];
  for (const t of taskRows!) {
    tasks.set(String(t.id), t);
    if (t[CANDIDATE_KIND] !== null && t[CANDIDATE_KIND] !== undefined)
      candidates.push({ task_id: t.id, kind: t[CANDIDATE_KIND], value: t[CANDIDATE_VALUE] });
  }
  return {
    snapshot: {
      instance: instanceFromRow(row),
      executions: executions!.map(executionFromRow),
      variables: vars,
      openTasks: tasksFromRows([...tasks.values()], candidates),
      pendingJobs: jobs!.map(jobFromRow),
      openIncidents: incidents!.map(incidentFromRow),
      openSubscriptions: subscriptions!.map(subscriptionFromRow),
    },
    chainHead: heads === undefined ? undefined : chainHeadFromRow(heads[0]),
  };
}
