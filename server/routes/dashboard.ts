/**
 * Routes: the managers' dashboards (统计分析). This file is a READ MODEL: unlike every other route it queries the
 * engine's tables (`process_instances`, `user_tasks`) directly with aggregate SQL, because counting through the
 * engine API one instance at a time would not scale to a province. It only reads; all writes stay in the engine.
 * Every query is limited to the caller's view scope (`viewRoots`, an org-path prefix), so a county sees only
 * its county, and the drill-down org must lie inside that scope.
 *
 * - `GET /dashboard/overview`: instances by state, by process, by org level, and per child org of the chosen
 *   org (province → city → county drill-down) with open and overdue tasks;
 * - `GET /dashboard/nodes`: per user-task node of one process, completed count with average and p95 duration,
 *   open count with average waiting time, overdue count, and a heat value (waiting time × open count) for the
 *   bottleneck map on the diagram.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { ApiError, errors } from '../http/api-error.js';
import { defineRoute, type RouteSpec } from '../http/route.js';
import type { Principal } from '../auth/principal.js';
import { VIEWING_ROLES, viewRoots } from '../auth/scope.js';
import { fromDbTime } from './views/db-time.js';

const TAG = ['Dashboard'];
const STATUSES = ['running', 'completed', 'canceled', 'rejected'] as const;
type Status = (typeof STATUSES)[number];
/** Task states that still wait for someone. */
const OPEN_TASK_STATES = ['routing', 'created', 'suspended'];
/** Most completed tasks read for the duration statistics of one process (the newest). */
const MAX_DURATION_ROWS = 50_000;
const LEVELS = ['province', 'city', 'county'] as const;

// schemas //////

const StatusCounts = z.object({
  running: z.number().int(),
  completed: z.number().int(),
  canceled: z.number().int(),
  rejected: z.number().int(),
  total: z.number().int(),
});

const OrgRef = z.object({
  code: z.string(),
  name: z.string(),
  level: z.enum(LEVELS),
  path: z.string(),
});

const OverviewSchema = z
  .object({
    scope: OrgRef.describe('The org the numbers cover (its whole subtree)'),
    parent: OrgRef.nullable().describe('The org one level up, when the caller may view it (drill up)'),
    roots: z.array(OrgRef).describe('The orgs the caller may view (their subtrees)'),
    byState: StatusCounts,
    byProcess: z.array(StatusCounts.extend({ key: z.string(), name: z.string().nullable() })),
    byLevel: z.object({ province: z.number().int(), city: z.number().int(), county: z.number().int() }),
    byChildOrg: z
      .array(
        StatusCounts.extend({
          code: z.string(),
          name: z.string(),
          level: z.enum(LEVELS),
          own: z.boolean().describe('The scope org itself and its orgs outside any child region (本级)'),
          drillable: z.boolean().describe('A region with regions below it'),
          openTasks: z.number().int(),
          overdueTasks: z.number().int(),
        }),
      )
      .describe('One row per child region (or child org), plus 本级'),
    openTasks: z.number().int(),
    overdueTasks: z.number().int(),
    generatedAt: z.string(),
  })
  .describe('DashboardOverview');

const NodesSchema = z
  .object({
    key: z.string(),
    definitionId: z.string().describe('The latest version, whose diagram the heat map is drawn on'),
    scope: OrgRef,
    nodes: z.array(
      z.object({
        elementId: z.string(),
        name: z.string().nullable(),
        completed: z.number().int(),
        avgDurationMs: z.number().int().nullable(),
        p95DurationMs: z.number().int().nullable(),
        open: z.number().int(),
        avgWaitMs: z.number().int().nullable(),
        overdue: z.number().int(),
        heat: z.number().describe('Average waiting hours × open tasks; 0 when nothing waits'),
      }),
    ),
  })
  .describe('DashboardNodes');

const orgCodeQuery = z
  .string()
  .min(1)
  .max(32)
  .optional()
  .describe('Drill-down org (default: the caller’s view root)');

// routes //////

const overviewRoute = defineRoute({
  method: 'get',
  path: '/dashboard/overview',
  summary: 'Instance and task counts of an org subtree, per state, process, level and child org',
  description:
    'Viewing roles and admins. `orgCode` must lie within the caller’s view scope (403 otherwise). Counts cover ' +
    'instances whose org lies in the subtree of `orgCode`; tasks are counted by their instance’s org.',
  tags: TAG,
  access: { anyRole: [...VIEWING_ROLES] },
  query: z.object({ orgCode: orgCodeQuery, processKey: z.string().min(1).max(255).optional() }),
  response: OverviewSchema,
  handler: async ({ query, principal, services }) => {
    const knex = services.knex;
    const { scope, roots } = await resolveScope(knex, principal, query.orgCode);
    const now = new Date(services.now());
    const instances = () => {
      const q = knex('process_instances as i').where('i.org_path', 'like', `${scope.path}%`);
      if (query.processKey) q.where('i.process_key', query.processKey);
      return q;
    };

    const byPathRows: { org_path: string; status: string; n: unknown }[] = await instances()
      .groupBy('i.org_path', 'i.status')
      .select('i.org_path', 'i.status')
      .count({ n: '*' });
    const byProcessRows: { process_key: string; status: string; n: unknown }[] = await instances()
      .groupBy('i.process_key', 'i.status')
      .select('i.process_key', 'i.status')
      .count({ n: '*' });
    const byLevelRows: { level: string; n: unknown }[] = await instances()
      .join('orgs as o', 'o.code', 'i.org_code')
      .groupBy('o.level')
      .select('o.level')
      .count({ n: '*' });
    const taskQuery = knex('user_tasks as t')
      .whereIn('t.state', OPEN_TASK_STATES)
      .andWhere('t.org_path', 'like', `${scope.path}%`);
    if (query.processKey) taskQuery.where('t.process_key', query.processKey);
    const taskRows: { org_path: string; open: unknown; overdue: unknown }[] = await taskQuery
      .groupBy('t.org_path')
      .select('t.org_path')
      .count({ open: '*' })
      .select(knex.raw('sum(case when t.due_at < ? then 1 else 0 end) as overdue', [now]));

    const names = await processNames(knex);
    const children = await childOrgs(knex, scope);
    const childRows = [
      ...children.map((c) => ({ ...c, own: false, counts: emptyCounts(), openTasks: 0, overdueTasks: 0 })),
      {
        ...scope,
        own: true,
        drillable: false,
        counts: emptyCounts(),
        openTasks: 0,
        overdueTasks: 0,
      },
    ];
    const bucketOf = (path: string) =>
      childRows.find((c) => !c.own && path.startsWith(c.path)) ?? childRows[childRows.length - 1]!;

    const byState = emptyCounts();
    for (const r of byPathRows) {
      add(byState, r.status, Number(r.n));
      add(bucketOf(r.org_path).counts, r.status, Number(r.n));
    }
    const byProcess = new Map<string, StatusCountsValue>();
    for (const r of byProcessRows) {
      const counts = byProcess.get(r.process_key) ?? emptyCounts();
      add(counts, r.status, Number(r.n));
      byProcess.set(r.process_key, counts);
    }
    const byLevel = { province: 0, city: 0, county: 0 };
    for (const r of byLevelRows)
      if ((LEVELS as readonly string[]).includes(r.level))
        byLevel[r.level as keyof typeof byLevel] += Number(r.n);
    let openTasks = 0;
    let overdueTasks = 0;
    for (const r of taskRows) {
      const bucket = bucketOf(r.org_path);
      bucket.openTasks += Number(r.open);
      bucket.overdueTasks += Number(r.overdue ?? 0);
      openTasks += Number(r.open);
      overdueTasks += Number(r.overdue ?? 0);
    }
    const parent = await parentInScope(knex, scope, roots);
    return {
      scope: orgRef(scope),
      parent: parent ? orgRef(parent) : null,
      roots: roots.map(orgRef),
      byState,
      byProcess: [...byProcess.entries()]
        .map(([key, counts]) => ({ key, name: names.get(key) ?? null, ...counts }))
        .sort((a, b) => b.total - a.total || a.key.localeCompare(b.key)),
      byLevel,
      byChildOrg: childRows
        .filter((c) => !c.own || c.counts.total > 0 || c.openTasks > 0 || children.length === 0)
        .map((c) => ({
          code: c.code,
          name: c.own && children.length > 0 ? `${c.name}（本级）` : c.name,
          level: c.level,
          own: c.own,
          drillable: c.drillable,
          openTasks: c.openTasks,
          overdueTasks: c.overdueTasks,
          ...c.counts,
        })),
      openTasks,
      overdueTasks,
      generatedAt: now.toISOString(),
    };
  },
});

const nodesRoute = defineRoute({
  method: 'get',
  path: '/dashboard/nodes',
  summary: 'Per-node durations, waiting work and bottleneck heat of one process within an org subtree',
  description:
    'Viewing roles and admins. Completed user tasks give the average and p95 duration (created → ended, the ' +
    `newest ${MAX_DURATION_ROWS} at most); open tasks give the count, average waiting time and overdue count. ` +
    '`heat` = average waiting hours × open count. Nodes of all versions are merged by element id.',
  tags: TAG,
  access: { anyRole: [...VIEWING_ROLES] },
  query: z.object({ processKey: z.string().min(1).max(255), orgCode: orgCodeQuery }),
  response: NodesSchema,
  handler: async ({ query, principal, services }) => {
    const knex = services.knex;
    const { scope } = await resolveScope(knex, principal, query.orgCode);
    const latest = await knex('process_definitions')
      .where('process_key', query.processKey)
      .orderBy('version', 'desc')
      .first('id');
    if (!latest) throw errors.notFound('流程', query.processKey);
    const now = services.now();
    const inScope = (q: Knex.QueryBuilder) =>
      q.where('t.process_key', query.processKey).andWhere('t.org_path', 'like', `${scope.path}%`);

    const done: { element_id: string; name: string | null; created_at: unknown; ended_at: unknown }[] =
      await inScope(knex('user_tasks as t'))
        .where('t.state', 'completed')
        .whereNotNull('t.ended_at')
        .orderBy('t.ended_at', 'desc')
        .limit(MAX_DURATION_ROWS)
        .select('t.element_id', 't.name', 't.created_at', 't.ended_at');
    const open: { element_id: string; name: string | null; created_at: unknown; due_at: unknown }[] =
      await inScope(knex('user_tasks as t'))
        .whereIn('t.state', OPEN_TASK_STATES)
        .select('t.element_id', 't.name', 't.created_at', 't.due_at');

    const nodes = new Map<
      string,
      { name: string | null; durations: number[]; waits: number[]; overdue: number }
    >();
    const node = (id: string, name: string | null) => {
      let n = nodes.get(id);
      if (!n) nodes.set(id, (n = { name, durations: [], waits: [], overdue: 0 }));
      n.name ??= name;
      return n;
    };
    for (const r of done)
      node(r.element_id, r.name).durations.push(fromDbTime(r.ended_at) - fromDbTime(r.created_at));
    for (const r of open) {
      const n = node(r.element_id, r.name);
      n.waits.push(Math.max(0, now - fromDbTime(r.created_at)));
      if (r.due_at !== null && r.due_at !== undefined && fromDbTime(r.due_at) < now) n.overdue++;
    }
    return {
      key: query.processKey,
      definitionId: String(latest.id),
      scope: orgRef(scope),
      nodes: [...nodes.entries()]
        .map(([elementId, n]) => {
          const avgWait = average(n.waits);
          return {
            elementId,
            name: n.name,
            completed: n.durations.length,
            avgDurationMs: average(n.durations),
            p95DurationMs: percentile(n.durations, 0.95),
            open: n.waits.length,
            avgWaitMs: avgWait,
            overdue: n.overdue,
            heat: avgWait === null ? 0 : (avgWait / 3_600_000) * n.waits.length,
          };
        })
        .sort((a, b) => b.heat - a.heat || a.elementId.localeCompare(b.elementId)),
    };
  },
});

export const dashboardRoutes: RouteSpec[] = [overviewRoute, nodesRoute];

// scope //////

interface OrgRow {
  readonly code: string;
  readonly name: string;
  readonly level: (typeof LEVELS)[number];
  readonly path: string;
  readonly kind: string;
  readonly parentCode: string | null;
}

function toOrgRow(r: Record<string, unknown>): OrgRow {
  return {
    code: String(r.code),
    name: String(r.name),
    level: r.level as OrgRow['level'],
    path: String(r.path),
    kind: String(r.kind),
    parentCode: r.parent_code === null || r.parent_code === undefined ? null : String(r.parent_code),
  };
}

const orgRef = (o: OrgRow) => ({ code: o.code, name: o.name, level: o.level, path: o.path });

/**
 * The org whose subtree the numbers cover (`orgCode`, or the caller's first view root) and the caller's view
 * roots as orgs. An org outside the caller's scope answers 403 naming `query.orgCode`.
 */
async function resolveScope(
  knex: Knex,
  principal: Principal,
  orgCode: string | undefined,
): Promise<{ scope: OrgRow; roots: OrgRow[] }> {
  const rootPaths = viewRoots(principal);
  const roots =
    rootPaths === undefined
      ? (await knex('orgs').whereNull('parent_code').orderBy('path')).map(toOrgRow)
      : (await knex('orgs').whereIn('path', rootPaths).orderBy('path')).map(toOrgRow);
  if (roots.length === 0)
    throw errors.forbidden('您没有可查看的机构范围', 'You have no org scope to view', { field: 'principal' });
  if (orgCode === undefined) return { scope: roots[0]!, roots };
  const row = await knex('orgs').where('code', orgCode).first();
  if (!row)
    throw new ApiError(422, 'UNKNOWN_ORG', `机构 ${orgCode} 不存在`, `Org ${orgCode} does not exist`, {
      field: 'query.orgCode',
      orgCode,
    });
  const scope = toOrgRow(row);
  if (rootPaths !== undefined && !rootPaths.some((p) => scope.path.startsWith(p)))
    throw errors.forbidden(
      `无权查看机构 ${scope.name} 的统计`,
      `You may not view the statistics of org ${orgCode}`,
      { field: 'query.orgCode', orgCode },
    );
  return { scope, roots };
}

/** The parent org when it is still inside the caller's scope (a county user cannot drill up to the city). */
async function parentInScope(knex: Knex, scope: OrgRow, roots: OrgRow[]): Promise<OrgRow | undefined> {
  if (!scope.parentCode) return undefined;
  const row = await knex('orgs').where('code', scope.parentCode).first();
  if (!row) return undefined;
  const parent = toOrgRow(row);
  return roots.some((r) => parent.path.startsWith(r.path)) ? parent : undefined;
}

/** The regions directly below a region (drill-down), or every direct child org of any other org. */
async function childOrgs(knex: Knex, scope: OrgRow): Promise<(OrgRow & { drillable: boolean })[]> {
  const direct = (await knex('orgs').where('parent_code', scope.code).orderBy('code')).map(toOrgRow);
  const regions = direct.filter((o) => o.kind === 'region');
  const chosen = scope.kind === 'region' && regions.length > 0 ? regions : direct;
  const withChildren = new Set(
    (
      await knex('orgs')
        .whereIn(
          'parent_code',
          chosen.map((o) => o.code),
        )
        .andWhere('kind', 'region')
        .distinct('parent_code')
    ).map((r: { parent_code: string }) => String(r.parent_code)),
  );
  return chosen.map((o) => ({ ...o, drillable: o.kind === 'region' && withChildren.has(o.code) }));
}

/** Latest name of each process key. */
async function processNames(knex: Knex): Promise<Map<string, string | null>> {
  const rows: { process_key: string; name: string | null; version: number }[] = await knex(
    'process_definitions',
  ).select('process_key', 'name', 'version');
  const names = new Map<string, { name: string | null; version: number }>();
  for (const r of rows) {
    const seen = names.get(r.process_key);
    if (!seen || seen.version < r.version) names.set(r.process_key, { name: r.name, version: r.version });
  }
  return new Map([...names].map(([k, v]) => [k, v.name]));
}

// arithmetic //////

type StatusCountsValue = Record<Status, number> & { total: number };

function emptyCounts(): StatusCountsValue {
  return { running: 0, completed: 0, canceled: 0, rejected: 0, total: 0 };
}

function add(counts: StatusCountsValue, status: string, n: number): void {
  if ((STATUSES as readonly string[]).includes(status)) counts[status as Status] += n;
  counts.total += n;
}

function average(values: number[]): number | null {
  return values.length === 0 ? null : Math.round(values.reduce((s, v) => s + v, 0) / values.length);
}

/** Nearest-rank percentile. */
function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}
