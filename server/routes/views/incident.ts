/** The JSON of an incident: where a token is parked and why, until a process admin retries it. */
import { z } from 'zod';
import type { IncidentRecord } from '../../../engine/index.js';
import { iso } from './paging.js';

export const IncidentSchema = z
  .object({
    id: z.string(),
    processInstanceId: z.string(),
    activityId: z.string().describe('The BPMN element where the token is parked'),
    code: z.string().describe('Engine error code, e.g. JOB_FAILED, NO_FLOW_MATCHED, NO_ASSIGNEE'),
    message: z.string(),
    state: z.enum(['open', 'resolved']),
    createdAt: z.string().describe('ISO-8601'),
    resolvedAt: z.string().nullable(),
    resolvedBy: z.string().nullable(),
  })
  .describe('Incident');

export function toIncidentJson(i: IncidentRecord): z.input<typeof IncidentSchema> {
  return {
    id: i.id,
    processInstanceId: i.instanceId,
    activityId: i.elementId,
    code: i.code,
    message: i.message,
    state: i.state,
    createdAt: iso(i.createdAt),
    resolvedAt: iso(i.resolvedAt),
    resolvedBy: i.resolvedBy,
  };
}
