/**
 * The statements of one commit, built from its ChangeSet before any of them runs: the version-guarded instance
 * write first, then tokens, variables, tasks and candidates, jobs, incidents, subscriptions, messages, carbon
 * copies, history and audit rows. Statements whose affected-row count proves the commit still holds (the
 * version guard, a buffered message still buffered, a job still at the attempt the handler ran) carry the count
 * they must reach and the error to raise when they do not.
 *
 * The store runs the plan in one transaction: statement by statement on SQLite, as one batch on MySQL.
 */
import type { Knex } from 'knex';
import { ConcurrencyError } from '../../core/errors.js';
import type { ChangeSet } from '../../core/runtime/records.js';
import {
  candidateRows,
  carbonCopyToRow,
  dbTime,
  executionToRow,
  historyToRow,
  incidentToRow,
  instanceToRow,
  jobToRow,
  messageToRow,
  subscriptionToRow,
  taskToRow,
} from './rows.js';

export interface PlannedStatement {
  readonly query: Knex.QueryBuilder;
  /** The commit is void unless the statement affects exactly one row; then this error is raised. */
  readonly mustAffectOne?: () => Error;
}

/** Rows per INSERT statement (keeps SQLite under its bound-variable limit). */
const ROWS_PER_INSERT = 100;

/** Counter rows per org (migrations/20261128120000_create_open_task_counts.ts). */
export const OPEN_TASK_COUNTER_SHARDS = 16;

/**
 * The commit's statements, in order; then `auditRows` (audit-log.ts), then the org's open-task counter (in
 * `counterShard`), last so its row lock is held for the shortest time.
 */
export function planCommit(
  knex: Knex,
  cs: ChangeSet,
  auditRows: readonly Record<string, unknown>[],
  counterShard = 0,
): PlannedStatement[] {
  const plan: PlannedStatement[] = [];
  const add = (query: Knex.QueryBuilder, mustAffectOne?: () => Error) => plan.push({ query, mustAffectOne });
  const insertAll = (table: string, rows: readonly Record<string, unknown>[]) => {
    for (const query of insertStatements(knex, table, rows)) add(query);
  };

  const instanceRow = instanceToRow(cs.instance);
  if (cs.expectedVersion === null) {
    add(knex('process_instances').insert(instanceRow));
  } else {
    const { id, ...changes } = instanceRow;
    add(knex('process_instances').where({ id, version: cs.expectedVersion }).update(changes), () =>
      lostRace(cs),
    );
  }
  if (cs.executionsDeleted.length > 0) add(knex('executions').whereIn('id', cs.executionsDeleted).delete());
  for (const execution of cs.executionsUpdated) {
    const { id, ...changes } = executionToRow(execution);
    add(knex('executions').where({ id }).update(changes));
  }
  insertAll('executions', cs.executionsInserted.map(executionToRow));
  const variableRows = Object.entries(cs.variablesSet).map(([name, value]) => ({
    instance_id: cs.instance.id,
    scope_id: cs.instance.id,
    name,
    value_json: JSON.stringify(value === undefined ? null : value),
    updated_at: dbTime(cs.instance.updatedAt),
  }));
  if (variableRows.length > 0) {
    add(
      knex('variables')
        .insert(variableRows)
        .onConflict(['instance_id', 'scope_id', 'name'])
        .merge(['value_json', 'updated_at']),
    );
  }
  // the instance's org path rides along on its tasks (org-subtree counts without a join)
  const orgPath = cs.instance.orgPath ?? null;
  insertAll(
    'user_tasks',
    cs.tasksInserted.map((task) => ({ ...taskToRow(task), org_path: orgPath })),
  );
  insertAll('task_candidates', cs.tasksInserted.flatMap(candidateRows));
  for (const task of cs.tasksUpdated) {
    const { id, ...changes } = taskToRow(task);
    add(knex('user_tasks').where({ id }).update(changes));
  }
  if (cs.taskCandidatesReplaced.length > 0) {
    add(knex('task_candidates').whereIn('task_id', cs.taskCandidatesReplaced).delete());
    insertAll(
      'task_candidates',
      cs.tasksUpdated.filter((t) => cs.taskCandidatesReplaced.includes(t.id)).flatMap(candidateRows),
    );
  }
  insertAll('jobs', cs.jobsInserted.map(jobToRow));
  for (const job of cs.jobsUpdated) {
    const { id, ...changes } = jobToRow(job);
    add(knex('jobs').where({ id }).update(changes));
  }
  insertAll('incidents', cs.incidentsInserted.map(incidentToRow));
  for (const incident of cs.incidentsUpdated) {
    const { id, ...changes } = incidentToRow(incident);
    add(knex('incidents').where({ id }).update(changes));
  }
  if (cs.subscriptionsDeleted.length > 0)
    add(knex('event_subscriptions').whereIn('id', cs.subscriptionsDeleted).delete());
  insertAll('event_subscriptions', cs.subscriptionsInserted.map(subscriptionToRow));
  insertAll('messages', cs.messagesInserted.map(messageToRow));
  insertAll('carbon_copies', cs.carbonCopiesInserted.map(carbonCopyToRow));
  for (const consumed of cs.messagesConsumed) {
    add(
      knex('messages')
        .where({ id: consumed.id, state: 'buffered' })
        .update({ state: 'correlated', instance_id: cs.instance.id, correlated_at: dbTime(consumed.at) }),
      () => new ConcurrencyError(`Buffered message ${consumed.id} was correlated by another command`),
    );
  }
  for (const { job, expectedAttempt } of cs.guardedJobUpdates) {
    const { id, ...changes } = jobToRow(job);
    add(
      knex('jobs').where({ id, attempt: expectedAttempt, state: 'pending' }).update(changes),
      () => new ConcurrencyError(`Job ${id} was handled by another worker`),
    );
  }
  insertAll(
    'history_events',
    cs.history.map((h, idx) => historyToRow(cs.instance.id, cs.instance.version, idx, h)),
  );
  insertAll('audit_log', auditRows);
  if (cs.openTaskDelta !== 0) {
    add(
      knex('org_open_task_counts')
        .insert({ org_path: cs.instance.orgPath ?? '', shard: counterShard, open_count: cs.openTaskDelta })
        .onConflict(['org_path', 'shard'])
        .merge({ open_count: knex.raw('open_count + ?', [cs.openTaskDelta]) }),
    );
  }
  return plan;
}

/** INSERTs of `rows` into `table`, ROWS_PER_INSERT rows each. */
export function insertStatements(
  knex: Knex,
  table: string,
  rows: readonly Record<string, unknown>[],
): Knex.QueryBuilder[] {
  const statements: Knex.QueryBuilder[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT)
    statements.push(knex(table).insert(rows.slice(i, i + ROWS_PER_INSERT)));
  return statements;
}

/** The error of a commit whose instance another command moved past the expected version first. */
export function lostRace(cs: ChangeSet): ConcurrencyError {
  return new ConcurrencyError(
    `Expected instance ${cs.instance.id} at version ${cs.expectedVersion}, but another command changed it first`,
  );
}
