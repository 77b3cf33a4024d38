/**
 * Routes: incidents (Camunda's `/incident`): tokens parked by a failure (a service task out of retries, no flow
 * matched, nobody to assign) until a process admin retries them. Listed only for instances the caller may see;
 * retried by process admins within their scope.
 */
import { z } from 'zod';
import type { IncidentRecord } from '../../engine/index.js';
import { errors } from '../http/api-error.js';
import { defineRoute, type RouteSpec } from '../http/route.js';
import type { Principal } from '../auth/principal.js';
import { instanceVisibility } from '../auth/scope.js';
import type { AppServices } from '../services.js';
import { IncidentSchema, toIncidentJson } from './views/incident.js';
import { InstanceDetailSchema, toInstanceDetailJson } from './views/instance.js';
import { visibleInstance } from './views/instance-query.js';
import { CountSchema, page, pagingQuery } from './views/paging.js';

const TAG = ['Incident'];

const filterQuery = {
  processInstanceId: z.string().min(1).max(64).optional(),
  state: z.enum(['open', 'resolved']).optional().describe('Default: both'),
};

const listRoute = defineRoute({
  method: 'get',
  path: '/incident',
  summary: 'List incidents',
  description: 'Only incidents of instances the caller may see, oldest first.',
  tags: TAG,
  access: 'user',
  query: z.object({ ...filterQuery, ...pagingQuery }),
  response: z.array(IncidentSchema),
  handler: async ({ query, principal, services }) =>
    page(await visibleIncidents(services, principal, query), query).map(toIncidentJson),
});

const countRoute = defineRoute({
  method: 'get',
  path: '/incident/count',
  summary: 'Count incidents',
  tags: TAG,
  access: 'user',
  query: z.object(filterQuery),
  response: CountSchema,
  handler: async ({ query, principal, services }) => ({
    count: (await visibleIncidents(services, principal, query)).length,
  }),
});

const retryRoute = defineRoute({
  method: 'post',
  path: '/incident/{id}/retry',
  summary: 'Resolve an incident and try again',
  description:
    'Process admins and admins, for instances within their scope. A failed job gets `retries` more attempts ' +
    '(default 1); a parked token re-runs its element. `variables` are set first (e.g. a corrected account). ' +
    '409 when the incident is already resolved.',
  tags: TAG,
  access: { anyRole: ['process_admin'] },
  params: z.object({ id: z.string().min(1).max(64) }),
  body: z
    .object({
      retries: z.number().int().min(1).max(100).optional(),
      variables: z.record(z.string(), z.unknown()).optional(),
    })
    .default({}),
  response: InstanceDetailSchema,
  errors: [409],
  handler: async ({ params, body, principal, services }) => {
    const incident = await services.infrastructure.store.getIncident(params.id);
    if (!incident) throw errors.notFound('异常', params.id);
    await visibleInstance(services, principal, incident.instanceId).catch(() => {
      throw errors.notFound('异常', params.id);
    });
    if (incident.state !== 'open')
      throw errors.conflict(
        'INCIDENT_RESOLVED',
        `异常 ${incident.id} 已处理，无需重试`,
        `Incident ${incident.id} is already resolved`,
        { id: incident.id, state: incident.state },
      );
    const view = await services.engine.retryIncident(incident.id, {
      actor: principal.userId,
      retries: body.retries,
      variables: body.variables,
    });
    return toInstanceDetailJson(view);
  },
});

export const incidentRoutes: RouteSpec[] = [listRoute, countRoute, retryRoute];

/** The incidents matching the filters whose instances the principal may see. */
async function visibleIncidents(
  services: AppServices,
  principal: Principal,
  query: { processInstanceId?: string; state?: IncidentRecord['state'] },
): Promise<IncidentRecord[]> {
  const visibleTo = instanceVisibility(principal);
  if (query.processInstanceId !== undefined) {
    const [instance] = await services.engine.listInstances({
      instanceId: query.processInstanceId,
      visibleTo,
      maxResults: 1,
    });
    if (!instance) return [];
  }
  const incidents = await services.engine.listIncidents({
    instanceId: query.processInstanceId,
    state: query.state,
  });
  if (visibleTo === undefined || query.processInstanceId !== undefined) return incidents;
  const visible = new Map<string, boolean>();
  for (const id of new Set(incidents.map((i) => i.instanceId))) {
    const [instance] = await services.engine.listInstances({ instanceId: id, visibleTo, maxResults: 1 });
    visible.set(id, instance !== undefined);
  }
  return incidents.filter((i) => visible.get(i.instanceId));
}
