/**
 * The WHERE and ORDER BY of instance and task queries, in SQL on both MySQL/MariaDB and SQLite. Lists and counts
 * share one filter so a count always equals the length of the unpaged list; nothing is filtered in JavaScript
 * after a LIMIT.
 */
import type { Knex } from 'knex';
import type { InstanceQuery, TaskQuery } from '../../core/ports/store.js';
import { dbTime } from './rows.js';

/** Rows per page when the query gives no `maxResults`, and the most a page may hold. */
export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;

/** Keys of a TaskQuery that do not narrow which tasks are counted. */
const PAGING_KEYS_LIST = ['sortBy', 'sortOrder', 'firstResult', 'maxResults'];
const PAGING_KEYS = new Set(PAGING_KEYS_LIST);

/** `column LIKE 'prefix%'` with the prefix taken literally (`!` escapes `%`, `_` and itself on both dialects). */
export function whereStartsWith(q: Knex.QueryBuilder, column: string, prefix: string): Knex.QueryBuilder {
  const escaped = prefix.replace(/[!%_]/g, (c) => `!${c}`);
  return q.whereRaw(`?? LIKE ? ESCAPE '!'`, [column, `${escaped}%`]);
}

function orWhereStartsWith(q: Knex.QueryBuilder, column: string, prefix: string): Knex.QueryBuilder {
  const escaped = prefix.replace(/[!%_]/g, (c) => `!${c}`);
  return q.orWhereRaw(`?? LIKE ? ESCAPE '!'`, [column, `${escaped}%`]);
}

function isMysql(knex: Knex): boolean {
  const client = (knex.client as { config?: { client?: unknown } }).config?.client;
  return typeof client === 'string' && client.startsWith('mysql');
}

/** `process_instances as i` narrowed by every filter of the query (no order, no paging). */
export function filterInstances(knex: Knex, query: InstanceQuery): Knex.QueryBuilder {
  const q = knex('process_instances as i');
  if (query.instanceId !== undefined) q.where('i.id', query.instanceId);
  if (query.processKey !== undefined) q.where('i.process_key', query.processKey);
  if (query.businessKey !== undefined) q.where('i.business_key', query.businessKey);
  if (query.status !== undefined) q.where('i.status', query.status);
  if (query.initiator !== undefined) q.where('i.initiator', query.initiator);
  if (query.startedAfter !== undefined) q.where('i.started_at', '>=', dbTime(query.startedAfter));
  if (query.startedBefore !== undefined) q.where('i.started_at', '<=', dbTime(query.startedBefore));
  if (query.orgPathPrefix !== undefined) whereStartsWith(q, 'i.org_path', query.orgPathPrefix);
  if (query.parentInstanceId === null) q.whereNull('i.parent_instance_id');
  else if (query.parentInstanceId !== undefined) q.where('i.parent_instance_id', query.parentInstanceId);
  // stored JSON text, compared byte for byte (MySQL's default collation would ignore case and trailing spaces)
  const valueEquals = isMysql(knex) ? 'CAST(v.value_json AS BINARY) = CAST(? AS BINARY)' : 'v.value_json = ?';
  for (const { name, value } of query.variableEquals ?? []) {
    q.whereExists((v) =>
      v
        .select(knex.raw('1'))
        .from('variables as v')
        .whereRaw('v.instance_id = i.id')
        .whereRaw('v.scope_id = i.id')
        .where('v.name', name)
        .whereRaw(valueEquals, [JSON.stringify(value)]),
    );
  }
  const visible = query.visibleTo;
  if (visible !== undefined) {
    const user = visible.userId;
    q.where((w) => {
      for (const prefix of visible.orgPathPrefixes) orWhereStartsWith(w, 'i.org_path', prefix);
      w.orWhere('i.initiator', user);
      // holds or held one of its tasks (assigned, delegated it, completed it)
      w.orWhereExists((t) =>
        t
          .select(knex.raw('1'))
          .from('user_tasks as t')
          .whereRaw('t.instance_id = i.id')
          .andWhere((who) =>
            who.where('t.assignee', user).orWhere('t.owner', user).orWhere('t.completed_by', user),
          ),
      );
      // is or was a candidate of one of its tasks
      w.orWhereExists((c) =>
        c
          .select(knex.raw('1'))
          .from('task_candidates as c')
          .join('user_tasks as ct', 'ct.id', 'c.task_id')
          .whereRaw('ct.instance_id = i.id')
          .where({ 'c.kind': 'user', 'c.value': user }),
      );
      // was copied (抄送)
      w.orWhereExists((cc) =>
        cc
          .select(knex.raw('1'))
          .from('carbon_copies as cc')
          .whereRaw('cc.instance_id = i.id')
          .where('cc.user_id', user),
      );
    });
  }
  return q;
}

/** The ORDER BY and paging of an instance list (default: newest first). */
export function orderAndPageInstances(q: Knex.QueryBuilder, query: InstanceQuery): Knex.QueryBuilder {
  const column = { startedAt: 'i.started_at', endedAt: 'i.ended_at', businessKey: 'i.business_key' }[
    query.sortBy ?? 'startedAt'
  ];
  return page(q.orderBy(column, query.sortOrder ?? 'desc').orderBy('i.id', 'asc'), query);
}

/** One page of the tasks a query asks for: `t.*` of `user_tasks as t`, filtered, ordered and paged. */
export function pageOfTasks(knex: Knex, query: TaskQuery): Knex.QueryBuilder {
  return orderAndPageTasks(filterTasks(knex, query, true), query).select('t.*');
}

/**
 * `user_tasks as t` narrowed by every filter of the query (no order, no paging). `forPage`: only the query's page
 * will be read from it (the visible set may then be cut to that page's candidates; never for a count).
 */
export function filterTasks(knex: Knex, query: TaskQuery, forPage = false): Knex.QueryBuilder {
  const q = knex('user_tasks as t');
  if (query.state !== undefined) q.where('t.state', query.state);
  else if (query.states !== undefined) q.whereIn('t.state', [...query.states]);
  else q.where('t.state', 'created');
  if (query.taskId !== undefined) q.where('t.id', query.taskId);
  if (query.instanceId !== undefined) q.where('t.instance_id', query.instanceId);
  if (query.processKey !== undefined) q.where('t.process_key', query.processKey);
  if (query.elementId !== undefined) q.where('t.element_id', query.elementId);
  if (query.completedBy !== undefined) q.where('t.completed_by', query.completedBy);
  if (query.dueAfter !== undefined) q.where('t.due_at', '>=', dbTime(query.dueAfter));
  if (query.dueBefore !== undefined) q.where('t.due_at', '<=', dbTime(query.dueBefore));
  if (query.createdAfter !== undefined) q.where('t.created_at', '>=', dbTime(query.createdAfter));
  if (query.createdBefore !== undefined) q.where('t.created_at', '<=', dbTime(query.createdBefore));
  if (query.businessKey !== undefined) {
    q.join('process_instances as i', 'i.id', 't.instance_id');
    q.where('i.business_key', query.businessKey);
  }
  // tasks carry their instance's org path (copied at creation)
  if (query.orgPathPrefix !== undefined) whereStartsWith(q, 't.org_path', query.orgPathPrefix);
  const roles = query.candidateRoles ?? [];
  if (query.assignee !== undefined || query.candidateUser !== undefined || roles.length > 0) {
    q.where((who) => {
      if (query.assignee !== undefined) who.orWhere('t.assignee', query.assignee);
      if (query.candidateUser !== undefined || roles.length > 0) {
        who.orWhereExists((c) => {
          c.select(knex.raw('1'))
            .from('task_candidates as c')
            .whereRaw('c.task_id = t.id')
            .andWhere((k) => {
              if (query.candidateUser !== undefined)
                k.orWhere({ 'c.kind': 'user', 'c.value': query.candidateUser });
              if (roles.length > 0)
                k.orWhere((r) => r.where('c.kind', 'role').whereIn('c.value', [...roles]));
            });
        });
      }
    });
  }
  if (query.visibleTo !== undefined) q.join(visibleTaskIds(knex, query, forPage).as('v'), 'v.vid', 't.id');
  return q;
}

/** The task column a sort key orders by. */
function taskSortColumn(query: TaskQuery): 'created_at' | 'due_at' | 'priority' | 'ended_at' {
  return ({ createdAt: 'created_at', dueAt: 'due_at', priority: 'priority', endedAt: 'ended_at' } as const)[
    query.sortBy ?? 'createdAt'
  ];
}

/** Keys a task query may hold for its page to be taken from each branch of the visible set (see below). */
const INBOX_KEYS = new Set(['visibleTo', 'state', 'states', ...PAGING_KEYS_LIST]);

/**
 * The ids of the tasks `query.visibleTo` may see, as a small derived table `vid`: each branch is an index range
 * (assignee+state, owner, completed_by, candidate kind+value), where an OR of EXISTS over `t` would scan every
 * open task. Completed-by rows only matter when closed tasks are asked for.
 *
 * The inbox (nothing asked but the visible tasks in some states, one page in some order) takes the page from each
 * branch first: the first `firstResult + maxResults` of each branch in the page's order hold every task of the
 * page, so a reviewer who sees 800 tasks has 800 index entries read but only a few dozen rows joined and sorted.
 */
function visibleTaskIds(knex: Knex, query: TaskQuery, forPage: boolean): Knex.QueryBuilder {
  const user = query.visibleTo!.userId;
  const states = query.state !== undefined ? [query.state] : [...(query.states ?? ['created'])];
  const closedAsked = states.some((s) => s === 'completed' || s === 'canceled');
  const column = taskSortColumn(query);
  const pageFirst =
    forPage && Object.entries(query).every(([key, value]) => value === undefined || INBOX_KEYS.has(key));
  const firstOf = (branch: Knex.QueryBuilder, alias: string): Knex.QueryBuilder => {
    if (!pageFirst) return branch;
    const top = branch
      .select(`${alias}.${column} as sort_key`)
      .orderBy(`${alias}.${column}`, query.sortOrder ?? 'asc')
      .orderBy(`${alias}.id`, 'asc')
      .limit(pageEnd(query));
    return knex.select('vid', 'sort_key').from(top.as(`${alias}_page`));
  };
  const branches = [
    firstOf(
      knex.select('a.id as vid').from('user_tasks as a').where('a.assignee', user).whereIn('a.state', states),
      'a',
    ),
    firstOf(
      knex.select('o.id as vid').from('user_tasks as o').where('o.owner', user).whereIn('o.state', states),
      'o',
    ),
    firstOf(
      knex
        .select('ct.id as vid')
        .from('task_candidates as c')
        .join('user_tasks as ct', 'ct.id', 'c.task_id')
        .where({ 'c.kind': 'user', 'c.value': user })
        .whereNull('ct.assignee')
        .whereIn('ct.state', states),
      'ct',
    ),
  ];
  if (closedAsked)
    branches.push(
      firstOf(knex.select('d.id as vid').from('user_tasks as d').where('d.completed_by', user), 'd'),
    );
  const [first, ...rest] = branches;
  for (const branch of rest) first!.union(branch);
  return first!;
}

/** The ORDER BY and paging of a task list (default: oldest first). */
function orderAndPageTasks(q: Knex.QueryBuilder, query: TaskQuery): Knex.QueryBuilder {
  return page(
    q.orderBy(`t.${taskSortColumn(query)}`, query.sortOrder ?? 'asc').orderBy('t.id', 'asc'),
    query,
  );
}

/** The number a `count(* as n)` row holds (MySQL returns a string or bigint, SQLite a number). */
export function countOf(row: unknown): number {
  return Number((row as { n?: unknown } | undefined)?.n ?? 0);
}

type Paging = { firstResult?: number; maxResults?: number };

function page(q: Knex.QueryBuilder, query: Paging): Knex.QueryBuilder {
  const { first, max } = pageBounds(query);
  return q.offset(first).limit(max);
}

function pageBounds(query: Paging): { first: number; max: number } {
  const first = Math.max(0, Math.floor(query.firstResult ?? 0));
  const max = Math.min(Math.max(0, Math.floor(query.maxResults ?? DEFAULT_PAGE)), MAX_PAGE);
  return { first, max };
}

/** How many rows in order a page needs, its own and those before it. */
function pageEnd(query: Paging): number {
  const { first, max } = pageBounds(query);
  return first + max;
}

/**
 * Whether a task count asks only "how many open tasks in this org subtree (or everywhere)": the question the
 * per-org open-task counters answer (migrations/20261128120000_create_open_task_counts.ts).
 */
export function isOpenTaskCountByOrg(query: TaskQuery): boolean {
  return Object.entries(query).every(
    ([key, value]) =>
      value === undefined ||
      PAGING_KEYS.has(key) ||
      key === 'orgPathPrefix' ||
      (key === 'state' && value === 'created'),
  );
}

/** The open tasks of an org subtree (all orgs without a prefix), summed over the org counters: `{ n }`. */
export function openTaskCountByOrg(knex: Knex, orgPathPrefix: string | undefined): Knex.QueryBuilder {
  const q = knex('org_open_task_counts').sum('open_count as n');
  if (orgPathPrefix !== undefined) whereStartsWith(q, 'org_path', orgPathPrefix);
  return q.first();
}
