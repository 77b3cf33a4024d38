/**
 * Routes: process definitions (Camunda's `/process-definition`): list and read versions, their BPMN XML,
 * per-element statistics, and starting an instance by key. Any signed-in user may read definitions (the
 * start form needs them); whether they may start one is the process's `fiscal:starterRoles` (engine-checked).
 */
import { z } from 'zod';
import type { Engine } from '../../engine/index.js';
import { errors } from '../http/api-error.js';
import { defineRoute, type RouteSpec } from '../http/route.js';
import {
  DefinitionSchema,
  DefinitionStatisticsSchema,
  toDefinitionJson,
  type DefinitionRow,
} from './views/definition.js';
import { InstanceDetailSchema, toInstanceDetailJson } from './views/instance.js';
import { CountSchema, booleanQuery, page, pagingQuery, sortOrderQuery } from './views/paging.js';

const TAG = ['Process Definition'];

const idParams = z.object({ id: z.string().min(1).max(64) });
const keyParams = z.object({ key: z.string().min(1).max(255) });

const filterQuery = {
  key: z.string().max(255).optional().describe('Exact process key'),
  keyLike: z.string().max(255).optional().describe('Key contains this text'),
  name: z.string().max(255).optional().describe('Exact name'),
  nameLike: z.string().max(255).optional().describe('Name contains this text'),
  latestVersion: booleanQuery.describe('Only the latest version of each key'),
  version: z.coerce.number().int().min(1).optional(),
};
const listQuery = z.object({
  ...filterQuery,
  ...pagingQuery,
  sortBy: z.enum(['key', 'version', 'deployedAt']).default('key'),
  sortOrder: sortOrderQuery,
});
const countQuery = z.object(filterQuery);

const XmlSchema = z
  .object({ id: z.string(), bpmn20Xml: z.string().describe('The BPMN 2.0 XML as deployed') })
  .describe('ProcessDefinitionXml');

const listRoute = defineRoute({
  method: 'get',
  path: '/process-definition',
  summary: 'List process definitions',
  tags: TAG,
  access: 'user',
  query: listQuery,
  response: z.array(DefinitionSchema),
  handler: async ({ query, services }) => {
    const found = filterDefinitions(await services.engine.listDefinitions(query.key), query);
    const sign = query.sortOrder === 'desc' ? -1 : 1;
    found.sort((a, b) => {
      const primary =
        query.sortBy === 'version'
          ? a.version - b.version
          : query.sortBy === 'deployedAt'
            ? a.deployedAt - b.deployedAt
            : a.processKey.localeCompare(b.processKey);
      return sign * (primary || a.processKey.localeCompare(b.processKey) || a.version - b.version);
    });
    return page(found, query).map(toDefinitionJson);
  },
});

const countRoute = defineRoute({
  method: 'get',
  path: '/process-definition/count',
  summary: 'Count process definitions',
  tags: TAG,
  access: 'user',
  query: countQuery,
  response: CountSchema,
  handler: async ({ query, services }) => ({
    count: filterDefinitions(await services.engine.listDefinitions(query.key), query).length,
  }),
});

const latestByKeyRoute = defineRoute({
  method: 'get',
  path: '/process-definition/key/{key}',
  summary: 'The latest version of a process',
  tags: TAG,
  access: 'user',
  params: keyParams,
  response: DefinitionSchema,
  handler: async ({ params, services }) => toDefinitionJson(await latestOf(services.engine, params.key)),
});

const xmlByKeyRoute = defineRoute({
  method: 'get',
  path: '/process-definition/key/{key}/xml',
  summary: 'The BPMN XML of the latest version of a process',
  tags: TAG,
  access: 'user',
  params: keyParams,
  response: XmlSchema,
  handler: async ({ params, services }) => {
    const latest = await latestOf(services.engine, params.key);
    return { id: latest.id, bpmn20Xml: await services.engine.getDefinitionXml(latest.id) };
  },
});

const startRoute = defineRoute({
  method: 'post',
  path: '/process-definition/key/{key}/start',
  summary: 'Start an instance of the latest version',
  description:
    'The caller becomes the initiator and the instance belongs to the caller’s org (its subtree’s viewers see ' +
    'it). A process that declares `fiscal:starterRoles` answers 403 to callers holding none of them.',
  tags: TAG,
  access: 'user',
  params: keyParams,
  body: z.object({
    businessKey: z.string().min(1).max(255).optional().describe('单号'),
    variables: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('Start variables (amounts as integer 分)'),
  }),
  response: InstanceDetailSchema,
  errors: [409],
  handler: async ({ params, body, principal, services, koa }) => {
    // a repeat of a start whose answer was lost (the process died) finds the instance that start created
    const key = koa.get('Idempotency-Key');
    try {
      const view = await services.engine.startInstance(params.key, {
        businessKey: body.businessKey,
        variables: body.variables,
        initiator: principal.userId,
        org: { code: principal.orgCode, path: principal.orgPath },
        requestKey: key ? `${principal.userId}:${key}` : undefined,
      });
      return toInstanceDetailJson(view);
    } catch (err) {
      const e = err as { code?: unknown; details?: { reason?: unknown }; message?: string };
      if (e?.code === 'INVALID_STATE' && e.details?.reason === 'NOT_A_STARTER')
        throw errors.forbidden(
          `您没有发起流程 ${params.key} 的权限`,
          `You may not start process ${params.key}: ${e.message ?? ''}`,
          { key: params.key, reason: 'NOT_A_STARTER' },
        );
      if (e?.code === 'NOT_FOUND') throw errors.notFound('流程定义', params.key);
      throw err;
    }
  },
});

const byIdRoute = defineRoute({
  method: 'get',
  path: '/process-definition/{id}',
  summary: 'One process definition',
  tags: TAG,
  access: 'user',
  params: idParams,
  response: DefinitionSchema,
  handler: async ({ params, services }) => toDefinitionJson(await byId(services.engine, params.id)),
});

const xmlByIdRoute = defineRoute({
  method: 'get',
  path: '/process-definition/{id}/xml',
  summary: 'The BPMN XML of a process definition',
  tags: TAG,
  access: 'user',
  params: idParams,
  response: XmlSchema,
  handler: async ({ params, services }) => {
    const definition = await byId(services.engine, params.id);
    return { id: definition.id, bpmn20Xml: await services.engine.getDefinitionXml(definition.id) };
  },
});

const statisticsRoute = defineRoute({
  method: 'get',
  path: '/process-definition/{id}/statistics',
  summary: 'Per-element counts of a definition’s instances',
  description:
    'Counts over all instances of the definition, whatever their org: process admins and admins only (the ' +
    'counts are not restricted to a view scope).',
  tags: TAG,
  access: { anyRole: ['process_admin'] },
  params: idParams,
  response: DefinitionStatisticsSchema,
  handler: async ({ params, services }) => {
    const definition = await byId(services.engine, params.id);
    const stats = await services.engine.definitionStatistics(definition.id);
    return {
      id: definition.id,
      key: definition.processKey,
      version: definition.version,
      instancesByStatus: { ...stats.instancesByStatus },
      elements: stats.elements.map((e) => ({
        id: e.elementId,
        instances: e.instances,
        openTasks: e.openTasks,
        incidents: e.incidents,
        completed: e.completed,
      })),
    };
  },
});

export const definitionRoutes: RouteSpec[] = [
  listRoute,
  countRoute,
  latestByKeyRoute,
  xmlByKeyRoute,
  startRoute,
  byIdRoute,
  xmlByIdRoute,
  statisticsRoute,
];

// helpers //////

function filterDefinitions(
  all: DefinitionRow[],
  q: {
    key?: string;
    keyLike?: string;
    name?: string;
    nameLike?: string;
    latestVersion?: boolean;
    version?: number;
  },
): DefinitionRow[] {
  const latest = new Map<string, number>();
  for (const d of all) latest.set(d.processKey, Math.max(latest.get(d.processKey) ?? 0, d.version));
  return all.filter(
    (d) =>
      (q.key === undefined || d.processKey === q.key) &&
      (q.keyLike === undefined || d.processKey.includes(q.keyLike)) &&
      (q.name === undefined || d.name === q.name) &&
      (q.nameLike === undefined || (d.name ?? '').includes(q.nameLike)) &&
      (q.version === undefined || d.version === q.version) &&
      (!q.latestVersion || latest.get(d.processKey) === d.version),
  );
}

async function latestOf(engine: Engine, key: string): Promise<DefinitionRow> {
  const versions = await engine.listDefinitions(key);
  const latest = versions.reduce<DefinitionRow | undefined>(
    (best, d) => (!best || d.version > best.version ? d : best),
    undefined,
  );
  if (!latest) throw errors.notFound('流程定义', key);
  return latest;
}

async function byId(engine: Engine, id: string): Promise<DefinitionRow> {
  const found = (await engine.listDefinitions()).find((d) => d.id === id);
  if (!found) throw errors.notFound('流程定义', id);
  return found;
}
