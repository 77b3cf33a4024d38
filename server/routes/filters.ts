/**
 * Routes: saved inbox filters (Camunda's `/filter`), e.g. "郑州市 支付申请 3 天内到期". Each belongs to the user who
 * saved it: another user's filter answers 404 like an unknown id. The query is the GET /task filter object,
 * validated with the same schema and stored as given; running it applies the caller's scope like GET /task, so
 * a filter never shows more than its owner may see.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { isUniqueViolation } from '../../engine/index.js';
import { errors } from '../http/api-error.js';
import { defineRoute, type RouteSpec } from '../http/route.js';
import type { Principal } from '../auth/principal.js';
import type { AppServices } from '../services.js';
import { TaskFilterSchema, toTaskQuery, type TaskFilter } from './task-query.js';
import { TaskSchema, toTaskJsonList } from './views/task-view.js';
import { CountSchema, iso, pagingQuery } from './views/paging.js';
import { fromDbTime } from './views/db-time.js';

/** Most filters one user may save. */
export const MAX_FILTERS_PER_USER = 100;

const FilterSchema = z
  .object({
    id: z.string(),
    resourceType: z.literal('Task'),
    name: z.string(),
    owner: z.string(),
    query: z.record(z.string(), z.unknown()).describe('The GET /task filters'),
    created: z.string(),
    updated: z.string(),
  })
  .describe('Filter');

const FilterBody = z.object({
  name: z.string().trim().min(1).max(100),
  query: TaskFilterSchema.strict().default({}),
});

const FilterParams = z.object({ id: z.string().trim().min(1).max(64).describe('Filter id') });

interface FilterRow {
  id: string;
  user_id: string;
  name: string;
  query: string;
  created_at: unknown;
  updated_at: unknown;
}

function toFilterJson(r: FilterRow): z.input<typeof FilterSchema> {
  return {
    id: r.id,
    resourceType: 'Task',
    name: r.name,
    owner: r.user_id,
    query: JSON.parse(r.query) as Record<string, unknown>,
    created: iso(fromDbTime(r.created_at)),
    updated: iso(fromDbTime(r.updated_at)),
  };
}

/** The caller's filter, or the 404 of an unknown one. */
async function ownFilter(services: AppServices, principal: Principal, id: string): Promise<FilterRow> {
  const row = (await services.knex('saved_filters').where({ id, user_id: principal.userId }).first()) as
    FilterRow | undefined;
  if (!row) throw errors.notFound('过滤器', id);
  return row;
}

/** The stored query, validated again (a filter saved under an older schema fails as 409, not 500). */
function storedQuery(row: FilterRow): TaskFilter {
  const parsed = TaskFilterSchema.safeParse(JSON.parse(row.query));
  if (!parsed.success)
    throw errors.conflict(
      'FILTER_INVALID',
      `过滤器 ${row.name} 的查询条件已失效，请修改后再用`,
      `The query of filter ${row.name} is no longer valid; update it`,
      { id: row.id },
    );
  return parsed.data;
}

async function checkUniqueName(services: AppServices, principal: Principal, name: string, except?: string) {
  const q = services.knex('saved_filters').where({ user_id: principal.userId, name });
  if (except) q.whereNot({ id: except });
  if (await q.first('id')) throw nameTaken(name);
}

function nameTaken(name: string) {
  return errors.conflict('FILTER_NAME_TAKEN', `已有同名过滤器：${name}`, `A filter named ${name} exists`, {
    field: 'body.name',
  });
}

const listFilters = defineRoute({
  method: 'get',
  path: '/filter',
  summary: 'The caller’s saved filters, by name',
  tags: ['Filter'],
  access: 'user',
  response: z.array(FilterSchema),
  handler: async ({ services, principal }) => {
    const rows = (await services
      .knex('saved_filters')
      .where({ user_id: principal.userId })
      .orderBy([{ column: 'name' }, { column: 'id' }])) as FilterRow[];
    return rows.map(toFilterJson);
  },
});

const createFilter = defineRoute({
  method: 'post',
  path: '/filter/create',
  summary: 'Save a filter',
  description:
    '`query` takes the filters of GET /task (without paging). Names are unique per user (409 otherwise).',
  tags: ['Filter'],
  access: 'user',
  body: FilterBody,
  response: FilterSchema,
  errors: [409],
  handler: async ({ body, services, principal }) => {
    await toTaskQuery(services, principal, body.query, 'body.query');
    await checkUniqueName(services, principal, body.name);
    const [{ n }] = (await services
      .knex('saved_filters')
      .where({ user_id: principal.userId })
      .count({ n: '*' })) as [{ n: number | string }];
    if (Number(n) >= MAX_FILTERS_PER_USER)
      throw errors.conflict(
        'TOO_MANY_FILTERS',
        `每人至多保存 ${MAX_FILTERS_PER_USER} 个过滤器`,
        `At most ${MAX_FILTERS_PER_USER} filters per user`,
      );
    const now = new Date(services.now());
    const row: FilterRow = {
      id: randomUUID(),
      user_id: principal.userId,
      name: body.name,
      query: JSON.stringify(body.query),
      created_at: now,
      updated_at: now,
    };
    await services
      .knex('saved_filters')
      .insert(row)
      .catch((err: unknown) => {
        throw isUniqueViolation(err) ? nameTaken(body.name) : err;
      });
    return toFilterJson(row);
  },
});

const getFilter = defineRoute({
  method: 'get',
  path: '/filter/{id}',
  summary: 'One saved filter',
  tags: ['Filter'],
  access: 'user',
  params: FilterParams,
  response: FilterSchema,
  handler: async ({ params, services, principal }) =>
    toFilterJson(await ownFilter(services, principal, params.id)),
});

const updateFilter = defineRoute({
  method: 'put',
  path: '/filter/{id}',
  summary: 'Replace a saved filter’s name and query',
  tags: ['Filter'],
  access: 'user',
  params: FilterParams,
  body: FilterBody,
  response: FilterSchema,
  errors: [409],
  handler: async ({ params, body, services, principal }) => {
    const row = await ownFilter(services, principal, params.id);
    await toTaskQuery(services, principal, body.query, 'body.query');
    await checkUniqueName(services, principal, body.name, row.id);
    const updated = {
      name: body.name,
      query: JSON.stringify(body.query),
      updated_at: new Date(services.now()),
    };
    await services
      .knex('saved_filters')
      .where({ id: row.id, user_id: principal.userId })
      .update(updated)
      .catch((err: unknown) => {
        throw isUniqueViolation(err) ? nameTaken(body.name) : err;
      });
    return toFilterJson({ ...row, ...updated });
  },
});

const deleteFilter = defineRoute({
  method: 'delete',
  path: '/filter/{id}',
  summary: 'Delete a saved filter',
  tags: ['Filter'],
  access: 'user',
  params: FilterParams,
  handler: async ({ params, services, principal }) => {
    const row = await ownFilter(services, principal, params.id);
    await services.knex('saved_filters').where({ id: row.id, user_id: principal.userId }).delete();
  },
});

const runFilter = defineRoute({
  method: 'get',
  path: '/filter/{id}/list',
  summary: 'The tasks a saved filter finds (scoped like GET /task)',
  tags: ['Filter'],
  access: 'user',
  params: FilterParams,
  query: z.object(pagingQuery),
  response: z.array(TaskSchema),
  handler: async ({ params, query, services, principal }) => {
    const row = await ownFilter(services, principal, params.id);
    const taskQuery = await toTaskQuery(services, principal, storedQuery(row), 'filter.query');
    const tasks = await services.engine.listTasks({ ...taskQuery, ...query });
    return toTaskJsonList(services.engine, tasks);
  },
});

const countFilter = defineRoute({
  method: 'get',
  path: '/filter/{id}/count',
  summary: 'How many tasks a saved filter finds',
  tags: ['Filter'],
  access: 'user',
  params: FilterParams,
  response: CountSchema,
  handler: async ({ params, services, principal }) => {
    const row = await ownFilter(services, principal, params.id);
    const taskQuery = await toTaskQuery(services, principal, storedQuery(row), 'filter.query');
    return { count: await services.engine.countTasks(taskQuery) };
  },
});

export const filterRoutes: RouteSpec[] = [
  listFilters,
  createFilter,
  getFilter,
  updateFilter,
  deleteFilter,
  runFilter,
  countFilter,
];
