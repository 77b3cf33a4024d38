/**
 * The JSON of process instances: a list row (from the instance record) and the detail (variables, where the
 * tokens are, what has completed, incidents). camelCase, ISO-8601 times; no optimistic-lock version or
 * execution ids.
 */
import { z } from 'zod';
import type { InstanceRecord, InstanceView } from '../../../engine/index.js';
import { IncidentSchema, toIncidentJson } from './incident.js';
import { iso } from './paging.js';

export const INSTANCE_STATUSES = ['running', 'completed', 'canceled', 'rejected'] as const;

export const InstanceSchema = z
  .object({
    id: z.string(),
    processDefinitionId: z.string(),
    processDefinitionKey: z.string(),
    businessKey: z.string().nullable().describe('单号'),
    initiator: z.string().nullable().describe('User id of who started it'),
    orgCode: z.string().nullable().describe('The org the instance belongs to (the initiator’s org at start)'),
    parentInstanceId: z.string().nullable().describe('The calling instance (call activity), or null'),
    status: z.enum(INSTANCE_STATUSES),
    ended: z.boolean(),
    endReason: z.string().nullable(),
    startedAt: z.string().describe('ISO-8601'),
    endedAt: z.string().nullable(),
  })
  .describe('ProcessInstance');

export const InstanceDetailSchema = InstanceSchema.extend({
  processDefinitionVersion: z.number().int(),
  variables: z.record(z.string(), z.unknown()).describe('Instance variables (amounts as integer 分)'),
  activeActivityIds: z.array(z.string()).describe('Elements holding a token now'),
  completedActivityIds: z.array(z.string()).describe('Elements completed at least once'),
  incidents: z.array(IncidentSchema),
}).describe('ProcessInstanceDetail');

export function toInstanceJson(i: InstanceRecord): z.input<typeof InstanceSchema> {
  return {
    id: i.id,
    processDefinitionId: i.definitionId,
    processDefinitionKey: i.processKey,
    businessKey: i.businessKey,
    initiator: i.initiator,
    orgCode: i.orgCode,
    parentInstanceId: i.parentInstanceId,
    status: i.status,
    ended: i.status !== 'running',
    endReason: i.endReason,
    startedAt: iso(i.startedAt),
    endedAt: iso(i.endedAt),
  };
}

export function toInstanceDetailJson(v: InstanceView): z.input<typeof InstanceDetailSchema> {
  return {
    id: v.id,
    processDefinitionId: v.definitionId,
    processDefinitionKey: v.processKey,
    processDefinitionVersion: v.definitionVersion,
    businessKey: v.businessKey,
    initiator: v.initiator,
    orgCode: v.orgCode,
    parentInstanceId: v.parentInstanceId,
    status: v.status,
    ended: v.status !== 'running',
    endReason: v.endReason,
    startedAt: iso(v.startedAt),
    endedAt: iso(v.endedAt),
    variables: v.variables,
    activeActivityIds: v.activeElementIds,
    completedActivityIds: v.completedElementIds,
    incidents: v.incidents.map(toIncidentJson),
  };
}
