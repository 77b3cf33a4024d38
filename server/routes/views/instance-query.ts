/**
 * The instance filters shared by `/process-instance` and `/history/process-instance` (Camunda's names), turned
 * into an engine InstanceQuery that ALWAYS carries the caller's `visibleTo` scope, so the database returns only
 * what the caller may see. Also the scoped read of one instance: out of scope reads as not found.
 */
import { z } from 'zod';
import type { InstanceQuery, InstanceRecord } from '../../../engine/index.js';
import { errors } from '../../http/api-error.js';
import type { Principal } from '../../auth/principal.js';
import { instanceVisibility } from '../../auth/scope.js';
import type { AppServices } from '../../services.js';
import { INSTANCE_STATUSES } from './instance.js';
import { dateTimeQuery, pagingQuery, sortOrderQuery } from './paging.js';

export const instanceFilterQuery = {
  processInstanceId: z.string().min(1).max(64).optional(),
  processDefinitionKey: z.string().min(1).max(255).optional(),
  businessKey: z.string().min(1).max(255).optional().describe('单号'),
  status: z.enum(INSTANCE_STATUSES).optional(),
  initiator: z.string().min(1).max(64).optional().describe('User id of who started it'),
  orgCode: z.string().min(1).max(32).optional().describe('Instances of this org and the orgs below it'),
  startedAfter: dateTimeQuery.describe('ISO-8601'),
  startedBefore: dateTimeQuery.describe('ISO-8601'),
  variables: z
    .string()
    .max(2000)
    .optional()
    .describe(
      'Comma-separated `name_eq_value` conditions (Camunda style); the value is a JSON literal (100, true, null, "x") or else text',
    ),
};

export const instanceListQuery = z.object({
  ...instanceFilterQuery,
  ...pagingQuery,
  sortBy: z.enum(['startedAt', 'endedAt', 'businessKey']).default('startedAt'),
  sortOrder: sortOrderQuery,
});

export const instanceCountQuery = z.object(instanceFilterQuery);

type Filters = z.output<typeof instanceCountQuery> &
  Partial<Pick<z.output<typeof instanceListQuery>, 'sortBy' | 'sortOrder' | 'firstResult' | 'maxResults'>>;

/** The engine query for the filters, restricted to what the principal may see. */
export async function scopedInstanceQuery(
  services: AppServices,
  principal: Principal,
  q: Filters,
  defaults: { status?: InstanceRecord['status'] } = {},
): Promise<InstanceQuery> {
  let orgPathPrefix: string | undefined;
  if (q.orgCode !== undefined) {
    const org = await services.orgs.getOrg(q.orgCode);
    if (!org)
      throw errors.invalid('query.orgCode', `机构 ${q.orgCode} 不存在`, `Org ${q.orgCode} does not exist`);
    orgPathPrefix = org.path;
  }
  return {
    instanceId: q.processInstanceId,
    processKey: q.processDefinitionKey,
    businessKey: q.businessKey,
    status: q.status ?? defaults.status,
    initiator: q.initiator,
    orgPathPrefix,
    startedAfter: q.startedAfter,
    startedBefore: q.startedBefore,
    variableEquals: q.variables === undefined ? undefined : parseVariableConditions(q.variables),
    visibleTo: instanceVisibility(principal),
    sortBy: q.sortBy,
    sortOrder: q.sortOrder,
    firstResult: q.firstResult,
    maxResults: q.maxResults,
  };
}

/** The instance if the principal may see it; 404 otherwise (out of scope reads as unknown). */
export async function visibleInstance(
  services: AppServices,
  principal: Principal,
  instanceId: string,
): Promise<InstanceRecord> {
  const [found] = await services.engine.listInstances({
    instanceId,
    visibleTo: instanceVisibility(principal),
    maxResults: 1,
  });
  if (!found) throw errors.notFound('流程实例', instanceId);
  return found;
}

/** `amountFen_eq_100,urgent_eq_true` → conditions; 400 naming `query.variables` otherwise. */
export function parseVariableConditions(text: string): NonNullable<InstanceQuery['variableEquals']> {
  return text
    .split(',')
    .filter((part) => part.length > 0)
    .map((part) => {
      const match = /^([A-Za-z_][A-Za-z0-9_]*?)_(eq|neq|gt|gteq|lt|lteq|like)_(.*)$/.exec(part);
      if (!match)
        throw errors.invalid(
          'query.variables',
          `变量条件格式应为 名称_eq_值：${part}`,
          `A variable condition reads name_eq_value: ${part}`,
        );
      const [, name, operator, raw] = match as unknown as [string, string, string, string];
      if (operator !== 'eq')
        throw errors.invalid(
          'query.variables',
          `变量条件暂只支持 eq：${part}`,
          `Only the eq operator is supported: ${part}`,
        );
      return { name, value: literal(raw) };
    });
}

function literal(raw: string): string | number | boolean | null {
  try {
    const value: unknown = JSON.parse(raw);
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value))
      return value as string | number | boolean | null;
  } catch {
    // not JSON: plain text
  }
  return raw;
}
