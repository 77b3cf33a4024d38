/**
 * ProcessStore on knex: MySQL/MariaDB in production, SQLite as the embedded default. One transaction per
 * commit, guarded by the instance version; database errors that mean "try again" become TransientStoreError.
 */
import type { Knex } from 'knex';
import type { DefinitionStatistics, DiagramState } from '../../core/api-types.js';
import { TransientStoreError } from '../../core/errors.js';
import type { InstanceQuery, ProcessStore, TaskQuery } from '../../core/ports/store.js';
import type {
  CarbonCopyRecord,
  ChangeSet,
  DefinitionRecord,
  IncidentRecord,
  InstanceRecord,
  InstanceSnapshot,
  JobRecord,
  MessageRecord,
  StoredHistoryRecord,
  SubscriptionRecord,
  TaskRecord,
} from '../../core/runtime/records.js';
import {
  carbonCopyFromRow,
  dbTime,
  definitionFromRow,
  definitionToRow,
  historyFromRow,
  incidentFromRow,
  instanceFromRow,
  jobFromRow,
  jobToRow,
  messageFromRow,
  messageToRow,
  subscriptionFromRow,
  subscriptionToRow,
  tasksFromRows,
} from './rows.js';
import {
  countOf,
  isOpenTaskCountByOrg,
  openTaskCountByOrg,
  filterInstances,
  filterTasks,
  orderAndPageInstances,
  pageOfTasks,
} from './query-filters.js';
import { definitionStatistics, diagramState } from './statistics.js';
import {
  appendDeployAudit,
  chainHeadFromRow,
  commitAuditRows,
  readInstanceChainHead,
  type AuditOptions,
  type ChainHead,
} from './audit-log.js';
import { insertStatements, lostRace, OPEN_TASK_COUNTER_SHARDS, planCommit } from './commit-plan.js';
import {
  instanceLoadQueries,
  setTaskInstanceVariable,
  snapshotFromResults,
  TASK_INSTANCE_VARIABLE,
} from './instance-load.js';
import { affectedRowsOf, rowsOf, runBatch, runTransactionBatch } from './statement-batch.js';

/** The columns of a definition without its XML (lists and key lookups never need the file). */
const DEFINITION_COLUMNS = [
  'id',
  'process_key',
  'version',
  'name',
  'version_tag',
  'checksum',
  'deployed_by',
  'deployed_at',
];

/** Chain heads remembered between commands (cleared whole when full). */
const MAX_CACHED_CHAIN_HEADS = 10_000;

/** Task → instance ids remembered (cleared whole when full; ~100 bytes each). */
const MAX_CACHED_TASK_INSTANCES = 100_000;

export class KnexProcessStore implements ProcessStore {
  /** `options`: the audit context source and hash (audit-log.ts); absent, rows name the history actor only. */
  /** MySQL/MariaDB: loads and commits go as statement batches, one round trip each. */
  private readonly batched: boolean;
  /**
   * The audit chain head of each instance at the version it was last loaded or committed at here, by instance
   * id. A load leaves the head query out when it is here; a commit uses it only when its version is the one the
   * commit moves from (the version guard then proves it is still the head), and reads the head otherwise.
   */
  private readonly chainHeads = new Map<string, { version: number; head: ChainHead }>();
  /**
   * The instance of each task seen here (loaded, created, listed), by task id. A task never moves to another
   * instance and no row is ever deleted, so an entry never goes stale: a command on a known task loads its
   * instance by id, without the statement that looks the instance up.
   */
  private readonly taskInstances = new Map<string, string>();

  constructor(
    readonly knex: Knex,
    private readonly options: AuditOptions = {},
  ) {
    this.batched = String((knex.client as { config?: { client?: unknown } }).config?.client) === 'mysql2';
  }

  // definitions //////

  async insertDefinition(definition: DefinitionRecord): Promise<void> {
    await this.guard(() => this.knex('process_definitions').insert(definitionToRow(definition)));
  }

  async getDefinition(id: string): Promise<DefinitionRecord | undefined> {
    const row = await this.guard(() => this.knex('process_definitions').where({ id }).first());
    return row ? definitionFromRow(row) : undefined;
  }

  async findDefinition(processKey: string, version?: number): Promise<DefinitionRecord | undefined> {
    const row = await this.guard(() => {
      const q = this.knex('process_definitions')
        .select(DEFINITION_COLUMNS)
        .where({ process_key: processKey });
      return version === undefined ? q.orderBy('version', 'desc').first() : q.andWhere({ version }).first();
    });
    return row ? definitionFromRow(row) : undefined;
  }

  async listDefinitions(processKey?: string): Promise<Omit<DefinitionRecord, 'xml'>[]> {
    const rows = await this.guard(() => {
      const q = this.knex('process_definitions')
        .select(DEFINITION_COLUMNS)
        .orderBy([{ column: 'process_key' }, { column: 'version' }]);
      return processKey ? q.where({ process_key: processKey }) : q;
    });
    return rows.map((r: Record<string, unknown>) => {
      const { xml: _xml, ...rest } = definitionFromRow(r);
      return rest;
    });
  }

  // one instance //////

  async loadInstance(instanceId: string): Promise<InstanceSnapshot | undefined> {
    return this.load(instanceId);
  }

  /** The instance of a task, loaded for a command on the task (one round trip on MySQL). */
  async loadTaskInstance(taskId: string): Promise<InstanceSnapshot | undefined> {
    const known = this.taskInstances.get(taskId);
    if (known !== undefined) return this.load(known);
    if (this.batched) return this.load(taskId, { byTask: true });
    const instanceId = await this.findTaskInstanceId(taskId);
    return instanceId === undefined ? undefined : this.load(instanceId);
  }

  async commit(cs: ChangeSet): Promise<void> {
    const cached = this.chainHeads.get(cs.instance.id);
    this.chainHeads.delete(cs.instance.id);
    let auditRows: Record<string, unknown>[] = [];
    // The audit chain's head, read at or after the version this commit moves from (at the command's load, or
    // now): if the version guard holds, nobody has appended since.
    const headNow = (db: Knex | Knex.Transaction) =>
      cs.expectedVersion === null
        ? chainHeadFromRow(undefined)
        : cached?.version === cs.expectedVersion
          ? cached.head
          : readInstanceChainHead(db, cs.instance.id);
    await this.guard(async () => {
      if (this.batched) {
        auditRows = commitAuditRows(cs, await headNow(this.knex), this.options);
        const plan = planCommit(
          this.knex,
          cs,
          auditRows,
          Math.floor(Math.random() * OPEN_TASK_COUNTER_SHARDS),
        );
        await runTransactionBatch(
          this.knex,
          plan.map((p) => p.query),
          {
            check: (results) =>
              plan.forEach(({ mustAffectOne }, i) => {
                if (mustAffectOne && affectedRowsOf(results[i]) !== 1) throw mustAffectOne();
              }),
            // a statement failed (a duplicate history row, say): if the instance moved on, it lost a race
            explain: async (_err, select) => {
              if (cs.expectedVersion === null) return undefined;
              const [row] = await select(
                this.knex('process_instances').select('version').where({ id: cs.instance.id }),
              );
              return !row || Number(row.version) !== cs.expectedVersion ? lostRace(cs) : undefined;
            },
          },
        );
        return;
      }
      await this.knex.transaction(async (trx) => {
        auditRows = commitAuditRows(cs, await headNow(trx), this.options);
        const plan = planCommit(this.knex, cs, auditRows);
        for (const { query, mustAffectOne } of plan) {
          const answer: unknown = await query.transacting(trx);
          if (mustAffectOne && answer !== 1) throw mustAffectOne();
        }
      });
    });
    // committed: the rows just appended are the chain's head at the instance's new version
    this.rememberChainHead(cs.instance.id, cs.instance.version, chainHeadFromRow(auditRows.at(-1)));
    this.rememberTasks(cs.tasksInserted);
  }

  /**
   * Deploys a definition in one transaction: its row, its start-event subscriptions and start timers; the start
   * subscriptions and pending start timers of the previous versions of the same key are removed (Camunda 7 semantics).
   */
  async deployDefinition(
    definition: DefinitionRecord,
    starts: { subscriptions: SubscriptionRecord[]; jobs: JobRecord[] },
  ): Promise<void> {
    await this.guard(() =>
      this.knex.transaction(async (trx) => {
        await trx('process_definitions').insert(definitionToRow(definition));
        const older = trx('process_definitions')
          .select('id')
          .where({ process_key: definition.processKey })
          .andWhereNot({ id: definition.id });
        await trx('event_subscriptions').whereNull('instance_id').whereIn('definition_id', older).delete();
        await trx('jobs')
          .where({ kind: 'start-timer', state: 'pending' })
          .whereIn('definition_id', older)
          .update({ state: 'canceled', updated_at: dbTime(definition.deployedAt) });
        const inserts = [
          ...insertStatements(this.knex, 'event_subscriptions', starts.subscriptions.map(subscriptionToRow)),
          ...insertStatements(this.knex, 'jobs', starts.jobs.map(jobToRow)),
        ];
        for (const insert of inserts) await insert.transacting(trx);
        await appendDeployAudit(trx, definition, this.options);
      }),
    );
  }

  // reads //////

  async findSubscriptions(query: {
    kind: SubscriptionRecord['kind'];
    name: string;
    correlationKey?: string | null;
    level: 'instance' | 'definition';
    limit?: number;
  }): Promise<SubscriptionRecord[]> {
    const rows = await this.guard(() => {
      const q = this.knex('event_subscriptions').where({ kind: query.kind, name: query.name });
      if (query.level === 'instance') q.whereNotNull('instance_id');
      else q.whereNull('instance_id');
      if (query.correlationKey !== undefined) {
        if (query.correlationKey === null) q.whereNull('correlation_key');
        else q.where({ correlation_key: query.correlationKey });
      }
      return q
        .orderBy('created_at')
        .orderBy('id')
        .limit(query.limit ?? 1000);
    });
    return rows.map(subscriptionFromRow);
  }

  async getMessage(messageId: string): Promise<MessageRecord | undefined> {
    const row = await this.guard(() => this.knex('messages').where({ message_id: messageId }).first());
    return row ? messageFromRow(row) : undefined;
  }

  async insertMessage(message: MessageRecord): Promise<void> {
    await this.guard(() => this.knex('messages').insert(messageToRow(message)));
  }

  async listMessages(query: {
    state?: MessageRecord['state'];
    name?: string;
    limit?: number;
  }): Promise<MessageRecord[]> {
    const rows = await this.guard(() => {
      const q = this.knex('messages')
        .orderBy('created_at')
        .orderBy('id')
        .limit(query.limit ?? 1000);
      if (query.state) q.where({ state: query.state });
      if (query.name) q.where({ name: query.name });
      return q;
    });
    return rows.map(messageFromRow);
  }

  /** Buffered messages still alive at `now` (oldest first), optionally for one name and key. */
  async findBufferedMessages(
    now: number,
    filter: { name?: string; correlationKey?: string | null } = {},
    limit = 100,
  ): Promise<MessageRecord[]> {
    const rows = await this.guard(() => {
      const q = this.knex('messages').where({ state: 'buffered' }).andWhere('expires_at', '>', dbTime(now));
      if (filter.name !== undefined) q.where({ name: filter.name });
      if (filter.correlationKey !== undefined) {
        if (filter.correlationKey === null) q.whereNull('correlation_key');
        else q.where({ correlation_key: filter.correlationKey });
      }
      return q.orderBy('created_at').orderBy('id').limit(limit);
    });
    return rows.map(messageFromRow);
  }

  /** Marks buffered messages whose time-to-live has passed as expired; returns them. */
  async expireMessages(now: number): Promise<MessageRecord[]> {
    return this.guard(async () => {
      const rows = await this.knex('messages')
        .where({ state: 'buffered' })
        .andWhere('expires_at', '<=', dbTime(now))
        .limit(1000);
      if (rows.length === 0) return [];
      await this.knex('messages')
        .whereIn(
          'id',
          rows.map((r: { id: string }) => r.id),
        )
        .where({ state: 'buffered' })
        .update({ state: 'expired' });
      return rows.map(messageFromRow);
    });
  }

  async settleJob(jobId: string, attempt: number, state: JobRecord['state'], at: number): Promise<void> {
    await this.guard(() =>
      this.knex('jobs')
        .where({ id: jobId, attempt, state: 'pending' })
        .update({ state, updated_at: dbTime(at) }),
    );
  }

  /** Pending timer jobs (instance timers and start timers) due at `now`, in due order. */
  async findDueTimers(now: number, limit: number): Promise<JobRecord[]> {
    const rows = await this.guard(() =>
      this.knex('jobs')
        .where({ state: 'pending' })
        .whereIn('kind', ['timer', 'start-timer', 'task-deadline'])
        .andWhere('due_at', '<=', dbTime(now))
        .orderBy('due_at')
        .orderBy('id')
        .limit(limit),
    );
    return rows.map(jobFromRow);
  }

  async getInstance(instanceId: string): Promise<InstanceRecord | undefined> {
    const row = await this.guard(() => this.knex('process_instances').where({ id: instanceId }).first());
    return row ? instanceFromRow(row) : undefined;
  }

  async listInstances(query: InstanceQuery): Promise<InstanceRecord[]> {
    const rows = await this.guard(() =>
      orderAndPageInstances(filterInstances(this.knex, query).select('i.*'), query),
    );
    return rows.map(instanceFromRow);
  }

  async countInstances(query: InstanceQuery): Promise<number> {
    const row = await this.guard(() => filterInstances(this.knex, query).count('* as n').first());
    return countOf(row);
  }

  async findTaskInstanceId(taskId: string): Promise<string | undefined> {
    const row = await this.guard(() =>
      this.knex('user_tasks').select('instance_id').where({ id: taskId }).first(),
    );
    return row ? String(row.instance_id) : undefined;
  }

  async getTask(taskId: string): Promise<TaskRecord | undefined> {
    const row = await this.guard(() => this.knex('user_tasks').where({ id: taskId }).first());
    if (!row) return undefined;
    const [task] = await this.withCandidates([row]);
    if (task) this.rememberTasks([task]);
    return task;
  }

  async listTasks(query: TaskQuery): Promise<TaskRecord[]> {
    const tasks = await this.readTaskPage(query);
    this.rememberTasks(tasks);
    return tasks;
  }

  private async readTaskPage(query: TaskQuery): Promise<TaskRecord[]> {
    if (this.batched && query.visibleTo === undefined) {
      // the page and the candidates of its tasks in one round trip: an instance's candidates (a superset, the
      // page's are picked by id), or those of the page's ids (its query runs twice, cheap for an element's tasks)
      const candidates =
        query.instanceId !== undefined
          ? this.knex('task_candidates as c')
              .select('c.task_id', 'c.kind', 'c.value')
              .join('user_tasks as ct', 'ct.id', 'c.task_id')
              .where('ct.instance_id', query.instanceId)
          : this.knex('task_candidates')
              .select('task_id', 'kind', 'value')
              .whereIn(
                'task_id',
                this.knex
                  .select('p.id')
                  .from(pageOfTasks(this.knex, query).clearSelect().select('t.id').as('p')),
              );
      const [tasks, candidateRows] = await this.guard(() =>
        runBatch(this.knex, [pageOfTasks(this.knex, query), candidates]),
      );
      return tasksFromRows(rowsOf(tasks), rowsOf(candidateRows));
    }
    // an inbox page (the visible set of a user) is worth not running twice: its candidates are read by id after it
    const rows = await this.guard(() => pageOfTasks(this.knex, query));
    return this.withCandidates(rows);
  }

  async countTasks(query: TaskQuery): Promise<number> {
    const row = await this.guard(() =>
      isOpenTaskCountByOrg(query)
        ? openTaskCountByOrg(this.knex, query.orgPathPrefix)
        : filterTasks(this.knex, query).count('* as n').first(),
    );
    return countOf(row);
  }

  async getJob(jobId: string): Promise<JobRecord | undefined> {
    const row = await this.guard(() => this.knex('jobs').where({ id: jobId }).first());
    return row ? jobFromRow(row) : undefined;
  }

  async getIncident(incidentId: string): Promise<IncidentRecord | undefined> {
    const row = await this.guard(() => this.knex('incidents').where({ id: incidentId }).first());
    return row ? incidentFromRow(row) : undefined;
  }

  async listCarbonCopies(query: {
    userId?: string;
    instanceId?: string;
    unreadOnly?: boolean;
  }): Promise<CarbonCopyRecord[]> {
    const rows = await this.guard(() => {
      const q = this.knex('carbon_copies').orderBy('created_at', 'desc').orderBy('id').limit(1000);
      if (query.userId) q.where({ user_id: query.userId });
      if (query.instanceId) q.where({ instance_id: query.instanceId });
      if (query.unreadOnly) q.whereNull('read_at');
      return q;
    });
    return rows.map(carbonCopyFromRow);
  }

  async markCarbonCopyRead(id: string, userId: string, at: number): Promise<boolean> {
    const updated = await this.guard(() =>
      this.knex('carbon_copies')
        .where({ id, user_id: userId })
        .whereNull('read_at')
        .update({ read_at: dbTime(at) }),
    );
    return updated === 1;
  }

  async listJobs(query: {
    instanceId?: string;
    definitionId?: string;
    state?: JobRecord['state'];
    kind?: JobRecord['kind'];
  }): Promise<JobRecord[]> {
    const rows = await this.guard(() => {
      const q = this.knex('jobs').orderBy('created_at').orderBy('id').limit(1000);
      if (query.instanceId) q.where({ instance_id: query.instanceId });
      if (query.definitionId) q.where({ definition_id: query.definitionId });
      if (query.state) q.where({ state: query.state });
      if (query.kind) q.where({ kind: query.kind });
      return q;
    });
    return rows.map(jobFromRow);
  }

  async listIncidents(query: {
    instanceId?: string;
    state?: IncidentRecord['state'];
  }): Promise<IncidentRecord[]> {
    const rows = await this.guard(() => {
      const q = this.knex('incidents').orderBy('created_at').orderBy('id').limit(1000);
      if (query.instanceId) q.where({ instance_id: query.instanceId });
      if (query.state) q.where({ state: query.state });
      return q;
    });
    return rows.map(incidentFromRow);
  }

  async loadVariables(instanceId: string): Promise<Record<string, unknown>> {
    const rows = await this.guard(() =>
      this.knex('variables')
        .where({ instance_id: instanceId, scope_id: instanceId })
        .select('name', 'value_json'),
    );
    const variables: Record<string, unknown> = Object.create(null);
    for (const row of rows) variables[String(row.name)] = JSON.parse(String(row.value_json));
    return variables;
  }

  async listHistory(instanceId: string): Promise<StoredHistoryRecord[]> {
    const rows = await this.guard(() =>
      this.knex('history_events').where({ instance_id: instanceId }).orderBy('seq').orderBy('idx'),
    );
    return rows.map(historyFromRow);
  }

  async completedElementIds(instanceId: string): Promise<string[]> {
    const rows = await this.guard(() =>
      this.knex('history_events')
        .distinct('element_id')
        .where({ instance_id: instanceId, type: 'ELEMENT_COMPLETED' }),
    );
    return rows.map((r: { element_id: string }) => r.element_id).sort();
  }

  async definitionStatistics(definitionId: string): Promise<Omit<DefinitionStatistics, 'definitionId'>> {
    return this.guard(() => definitionStatistics(this.knex, definitionId));
  }

  async diagramState(instanceId: string): Promise<DiagramState> {
    return this.guard(() => diagramState(this.knex, instanceId));
  }

  // outbox //////

  async findUnpublishedJobs(olderThan: number, limit: number): Promise<JobRecord[]> {
    const rows = await this.guard(() =>
      this.knex('jobs')
        .where({ state: 'pending' })
        .whereNull('published_at')
        .andWhere('updated_at', '<', dbTime(olderThan))
        .orderBy('due_at')
        .limit(limit),
    );
    return rows.map(jobFromRow);
  }

  async findStalePublishedJobs(
    publishedBefore: number,
    dueBefore: number,
    limit: number,
  ): Promise<JobRecord[]> {
    const rows = await this.guard(() =>
      this.knex('jobs')
        .where({ state: 'pending' })
        .andWhere('published_at', '<', dbTime(publishedBefore))
        .andWhere('due_at', '<', dbTime(dueBefore))
        .orderBy('due_at')
        .limit(limit),
    );
    return rows.map(jobFromRow);
  }

  async markJobsPublished(
    jobs: readonly Pick<JobRecord, 'id' | 'attempt' | 'publishSeq'>[],
    at: number,
  ): Promise<void> {
    if (jobs.length === 0) return;
    await this.guard(() =>
      this.knex('jobs')
        .where({ state: 'pending' })
        .andWhere((q) => {
          for (const job of jobs)
            q.orWhere({ id: job.id, attempt: job.attempt, publish_seq: job.publishSeq });
        })
        .update({ published_at: dbTime(at) }),
    );
  }

  async bumpPublishSeq(jobId: string, attempt: number): Promise<number | undefined> {
    return this.guard(() =>
      this.knex.transaction(async (trx) => {
        const row = await trx('jobs').where({ id: jobId, attempt, state: 'pending' }).first();
        if (!row) return undefined;
        const next = Number(row.publish_seq) + 1;
        const updated = await trx('jobs')
          .where({ id: jobId, attempt, publish_seq: row.publish_seq, state: 'pending' })
          .update({ publish_seq: next, published_at: null });
        return updated === 1 ? next : undefined;
      }),
    );
  }

  async close(): Promise<void> {
    await this.knex.destroy();
  }

  // helpers //////

  /** Loads an instance by id, or (MySQL, `byTask`) by the id of one of its tasks. */
  private async load(id: string, options: { byTask?: boolean } = {}): Promise<InstanceSnapshot | undefined> {
    // the head is read unless remembered (at whichever version: commit checks it)
    const withChainHead = options.byTask === true || !this.chainHeads.has(id);
    const loaded = await this.guard(async () => {
      if (this.batched) {
        const queries = options.byTask
          ? [
              setTaskInstanceVariable(this.knex, id),
              ...instanceLoadQueries(this.knex, this.knex.raw(TASK_INSTANCE_VARIABLE)),
            ]
          : instanceLoadQueries(this.knex, id, withChainHead);
        const results = await runBatch(this.knex, queries);
        return snapshotFromResults(results.slice(options.byTask ? 1 : 0).map(rowsOf));
      }
      const results: Record<string, unknown>[][] = [];
      for (const query of instanceLoadQueries(this.knex, id, withChainHead)) results.push(await query);
      return snapshotFromResults(results);
    });
    if (!loaded) return undefined;
    const { snapshot, chainHead } = loaded;
    if (chainHead !== undefined)
      this.rememberChainHead(snapshot.instance.id, snapshot.instance.version, chainHead);
    this.rememberTasks(snapshot.openTasks);
    return snapshot;
  }

  private rememberChainHead(instanceId: string, version: number, head: ChainHead): void {
    if (this.chainHeads.size >= MAX_CACHED_CHAIN_HEADS) this.chainHeads.clear();
    this.chainHeads.set(instanceId, { version, head });
  }

  private rememberTasks(tasks: readonly { id: string; instanceId: string }[]): void {
    for (const task of tasks) {
      if (this.taskInstances.size >= MAX_CACHED_TASK_INSTANCES) this.taskInstances.clear();
      this.taskInstances.set(task.id, task.instanceId);
    }
  }

  private async withCandidates(rows: Record<string, unknown>[]): Promise<TaskRecord[]> {
    if (rows.length === 0) return [];
    const candidates: { task_id: string; kind: string; value: string }[] = await this.guard(() =>
      this.knex('task_candidates').whereIn(
        'task_id',
        rows.map((r) => String(r.id)),
      ),
    );
    return tasksFromRows(rows, candidates);
  }

  /** Runs a database call, turning retryable failures into TransientStoreError. */
  private async guard<T>(fn: () => PromiseLike<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isTransientDatabaseError(err)) {
        throw new TransientStoreError(`Database unavailable or busy: ${(err as Error).message}`, err);
      }
      throw err;
    }
  }
}

/** Deadlock, lock-wait timeout, snapshot conflict, lost or refused connection, pool timeout, SQLite busy. */
export function isTransientDatabaseError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { errno?: number; code?: string; name?: string; message?: string; fatal?: boolean };
  // mysql2 marks an error that killed the connection `fatal`; a connection lost inside a transaction surfaces as
  // knex's ROLLBACK on the dead connection ("Can't add new command when connection is in closed state"), fatal
  // but without code or errno. The transaction did not commit, so running the command again is safe.
  if (e.fatal === true) return true;
  if (e.errno === 1213 || e.errno === 1205 || e.errno === 1020 || e.errno === 2006 || e.errno === 2013)
    return true;
  const transientCodes = [
    'PROTOCOL_CONNECTION_LOST',
    'ECONNRESET',
    'ECONNREFUSED',
    'ETIMEDOUT',
    'EPIPE',
    'PROTOCOL_SEQUENCE_TIMEOUT',
    'ER_LOCK_DEADLOCK',
    'ER_LOCK_WAIT_TIMEOUT',
    'SQLITE_BUSY',
    'SQLITE_LOCKED',
  ];
  if (e.code && transientCodes.includes(e.code)) return true;
  return e.name === 'KnexTimeoutError';
}
