/**
 * Routes: running process instances (Camunda's `/process-instance`). Every read goes through the caller's
 * view scope (server/auth/scope.ts) in the SQL itself: a list holds only visible instances, and an instance
 * outside the scope answers 404 exactly like an unknown id. Terminating (终止) is for process admins, in scope.
 */
import type Koa from 'koa';
import { z } from 'zod';
import { ApiError, errors } from '../http/api-error.js';
import { defineRoute, type RouteSpec } from '../http/route.js';
import {
  InstanceDetailSchema,
  InstanceSchema,
  toInstanceDetailJson,
  toInstanceJson,
} from './views/instance.js';
import {
  instanceCountQuery,
  instanceListQuery,
  scopedInstanceQuery,
  visibleInstance,
} from './views/instance-query.js';
import { CountSchema } from './views/paging.js';

const TAG = ['Process Instance'];

const idParams = z.object({ id: z.string().min(1).max(64) });

const SCOPE_NOTE =
  'Only instances the caller may see: admins all; viewing roles (reviewer, chief, director …) their org ' +
  'subtree (a finance bureau’s staff its whole region); everyone the instances they started or hold or held ' +
  'a task of.';

const listRoute = defineRoute({
  method: 'get',
  path: '/process-instance',
  summary: 'List process instances',
  description: `Running instances unless \`status\` says otherwise. ${SCOPE_NOTE}`,
  tags: TAG,
  access: 'user',
  query: instanceListQuery,
  response: z.array(InstanceSchema),
  handler: async ({ query, principal, services }) => {
    const q = await scopedInstanceQuery(services, principal, query, { status: 'running' });
    return (await services.engine.listInstances(q)).map(toInstanceJson);
  },
});

const countRoute = defineRoute({
  method: 'get',
  path: '/process-instance/count',
  summary: 'Count process instances',
  description: `Same filters and scope as the list. ${SCOPE_NOTE}`,
  tags: TAG,
  access: 'user',
  query: instanceCountQuery,
  response: CountSchema,
  handler: async ({ query, principal, services }) => ({
    count: await services.engine.countInstances(
      await scopedInstanceQuery(services, principal, query, { status: 'running' }),
    ),
  }),
});

const getRoute = defineRoute({
  method: 'get',
  path: '/process-instance/{id}',
  summary: 'One process instance with its variables, active and completed elements, incidents',
  description: `404 for an id outside the caller’s scope. ${SCOPE_NOTE}`,
  tags: TAG,
  access: 'user',
  params: idParams,
  response: InstanceDetailSchema,
  handler: async ({ params, principal, services }) => {
    const record = await visibleInstance(services, principal, params.id);
    return toInstanceDetailJson(await services.engine.getInstance(record.id));
  },
});

const counts = (what: string) =>
  z.record(z.string(), z.number().int()).describe(`${what}: element id → count (absent when 0)`);

const DiagramStateSchema = z
  .object({
    processInstanceId: z.string(),
    processDefinitionId: z.string(),
    completed: counts('Elements completed'),
    active: counts('Elements holding tokens now'),
    incidents: counts('Elements with open incidents'),
    returned: counts('Steps where work was sent back (退回, or 驳回 to an earlier step)'),
    returnedTo: counts('Steps work was sent back to'),
    terminated: counts('Elements ended without completing'),
    sequenceFlowsTaken: counts('Sequence flows taken (flow id → times)'),
  })
  .describe('DiagramState');

const diagramStateRoute = defineRoute({
  method: 'get',
  path: '/process-instance/{id}/diagram-state',
  summary: 'What to paint on the diagram: completed, active, incident and returned elements',
  tags: TAG,
  access: 'user',
  params: idParams,
  response: DiagramStateSchema,
  handler: async ({ params, principal, services }) => {
    const record = await visibleInstance(services, principal, params.id);
    const state = await services.engine.diagramState(record.id);
    return {
      processInstanceId: record.id,
      processDefinitionId: record.definitionId,
      completed: { ...state.completed },
      active: { ...state.active },
      incidents: { ...state.incidents },
      returned: { ...state.returned },
      returnedTo: { ...state.returnedTo },
      terminated: { ...state.terminated },
      sequenceFlowsTaken: { ...state.sequenceFlowsTaken },
    };
  },
});

const terminateRoute = defineRoute({
  method: 'delete',
  path: '/process-instance/{id}',
  summary: 'Terminate (终止) a running instance',
  description:
    'Process admins and admins, within their view scope. The reason is required (`{ "reason": "…" }` in the ' +
    'body or `?reason=`) and kept on the instance. 409 when the instance has already ended.',
  tags: TAG,
  access: { anyRole: ['process_admin'] },
  params: idParams,
  query: z.object({ reason: z.string().max(1000).optional() }),
  body: z.object({ reason: z.string().max(1000).optional() }).optional(),
  response: InstanceDetailSchema,
  errors: [409],
  handler: async ({ params, query, body, principal, services, koa }) => {
    const reason = (body?.reason ?? (await reasonFromBody(koa)) ?? query.reason)?.trim();
    if (!reason)
      throw errors.invalid(
        'body.reason',
        '终止流程须填写原因',
        'A reason is required to terminate an instance',
      );
    const record = await visibleInstance(services, principal, params.id);
    if (record.status !== 'running')
      throw errors.conflict(
        'INSTANCE_ENDED',
        `流程实例 ${record.id} 已结束（${record.status}），不能终止`,
        `Process instance ${record.id} has already ended (${record.status})`,
        { id: record.id, status: record.status },
      );
    const view = await services.engine.terminateInstance(record.id, { actor: principal.userId, reason });
    return toInstanceDetailJson(view);
  },
});

export const instanceRoutes: RouteSpec[] = [
  listRoute,
  countRoute,
  getRoute,
  diagramStateRoute,
  terminateRoute,
];

/** The JSON body of a DELETE (the body parser reads only POST/PUT/PATCH bodies), limited to 16 KiB. */
async function reasonFromBody(koa: Koa.Context): Promise<string | undefined> {
  if (!koa.is('application/json')) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of koa.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 16_384) throw new ApiError(413, 'PAYLOAD_TOO_LARGE', '请求体过大', 'Request body too large');
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ApiError(400, 'INVALID_JSON', '请求体不是合法的 JSON', 'Body is not valid JSON');
  }
  const reason = (parsed as { reason?: unknown } | null)?.reason;
  if (reason === undefined) return undefined;
  if (typeof reason !== 'string' || reason.length > 1000)
    throw errors.invalid(
      'body.reason',
      '原因须为不超过 1000 字的文本',
      'reason must be a text of at most 1000 characters',
    );
  return reason;
}
