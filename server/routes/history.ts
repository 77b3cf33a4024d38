/**
 * Routes: history (Camunda's `/history/...`): instances including ended ones, the approval timeline (审批记录)
 * of one instance, its activity instances and its ended tasks. Scope-checked like the runtime reads: an
 * instance outside the caller's scope answers 404.
 */
import { z } from 'zod';
import { defineRoute, type RouteSpec } from '../http/route.js';
import { elementInfoOf } from './views/element-names.js';
import {
  ActivityInstanceSchema,
  HistoricTaskSchema,
  TimelineEntrySchema,
  buildActivityInstances,
  buildHistoricTasks,
  buildTimeline,
} from './views/history.js';
import { InstanceSchema, toInstanceJson } from './views/instance.js';
import {
  instanceCountQuery,
  instanceListQuery,
  scopedInstanceQuery,
  visibleInstance,
} from './views/instance-query.js';
import { CountSchema, booleanQuery } from './views/paging.js';
import { PeopleLookup } from './views/people.js';

const TAG = ['History'];

const SCOPE_NOTE =
  'Only instances the caller may see (their org subtree for viewing roles, what they are involved in ' +
  'otherwise; everything for admins); an instance outside the scope answers 404.';

const instanceIdQuery = z.object({ processInstanceId: z.string().min(1).max(64) });

const listRoute = defineRoute({
  method: 'get',
  path: '/history/process-instance',
  summary: 'List process instances, ended ones included',
  description: SCOPE_NOTE,
  tags: TAG,
  access: 'user',
  query: instanceListQuery,
  response: z.array(InstanceSchema),
  handler: async ({ query, principal, services }) =>
    (await services.engine.listInstances(await scopedInstanceQuery(services, principal, query))).map(
      toInstanceJson,
    ),
});

const countRoute = defineRoute({
  method: 'get',
  path: '/history/process-instance/count',
  summary: 'Count process instances, ended ones included',
  description: SCOPE_NOTE,
  tags: TAG,
  access: 'user',
  query: instanceCountQuery,
  response: CountSchema,
  handler: async ({ query, principal, services }) => ({
    count: await services.engine.countInstances(await scopedInstanceQuery(services, principal, query)),
  }),
});

const timelineRoute = defineRoute({
  method: 'get',
  path: '/history/process-instance/{id}/timeline',
  summary: 'The approval record (审批记录) of an instance',
  description:
    'In order: who (user id, name, org name), when, what (action code and 中文 label), at which step, and the ' +
    `意见. People-facing events only unless \`all=true\`. ${SCOPE_NOTE}`,
  tags: TAG,
  access: 'user',
  params: z.object({ id: z.string().min(1).max(64) }),
  query: z.object({ all: booleanQuery.describe('Include engine events (flows, jobs, element entries)') }),
  response: z.array(TimelineEntrySchema),
  handler: async ({ params, query, principal, services }) => {
    const instance = await visibleInstance(services, principal, params.id);
    const [records, elements] = await Promise.all([
      services.engine.history(instance.id),
      elementInfoOf(services.engine, instance.definitionId, instance.processKey),
    ]);
    return buildTimeline(records, elements, new PeopleLookup(services.orgs), query.all ?? false);
  },
});

const activityRoute = defineRoute({
  method: 'get',
  path: '/history/activity-instance',
  summary: 'The elements an instance entered and left',
  description: SCOPE_NOTE,
  tags: TAG,
  access: 'user',
  query: instanceIdQuery,
  response: z.array(ActivityInstanceSchema),
  handler: async ({ query, principal, services }) => {
    const instance = await visibleInstance(services, principal, query.processInstanceId);
    const [records, elements] = await Promise.all([
      services.engine.history(instance.id),
      elementInfoOf(services.engine, instance.definitionId, instance.processKey),
    ]);
    return buildActivityInstances(instance.id, records, elements);
  },
});

const taskRoute = defineRoute({
  method: 'get',
  path: '/history/task',
  summary: 'The ended tasks of an instance: who ended each, when, how, with which 意见',
  description: SCOPE_NOTE,
  tags: TAG,
  access: 'user',
  query: instanceIdQuery,
  response: z.array(HistoricTaskSchema),
  handler: async ({ query, principal, services }) => {
    const instance = await visibleInstance(services, principal, query.processInstanceId);
    const [completed, canceled, records] = await Promise.all([
      services.engine.listTasks({ instanceId: instance.id, state: 'completed', maxResults: 10_000 }),
      services.engine.listTasks({ instanceId: instance.id, state: 'canceled', maxResults: 10_000 }),
      services.engine.history(instance.id),
    ]);
    return buildHistoricTasks([...completed, ...canceled], records, new PeopleLookup(services.orgs));
  },
});

export const historyRoutes: RouteSpec[] = [listRoute, countRoute, timelineRoute, activityRoute, taskRoute];
