/**
 * The inbox query (GET /task, GET /task/count, saved filters): one zod schema for the filters, and their
 * translation into the engine's TaskQuery. Authorization is added here and nowhere else: every non-admin query
 * carries `visibleTo` (a task is visible only to its assignee, its owner (委派), the user who completed it, or
 * while unassigned its candidate users), whatever the filters say.
 */
import { z } from 'zod';
import type { TaskQuery } from '../../engine/index.js';
import { isOrgCode } from '../../processes/org/org-codes.js';
import { errors } from '../http/api-error.js';
import { isAdmin, type Principal } from '../auth/principal.js';
import type { AppServices } from '../services.js';
import { pagingQuery, sortOrderQuery } from './views/paging.js';

const id = (what: string, max: number) => z.string().trim().min(1).max(max).describe(what);

/** An ISO-8601 date-time, kept as text (saved filters store it as given). */
const isoDateTime = z
  .string()
  .trim()
  .max(40)
  .refine((v) => /^\d{4}-\d{2}-\d{2}/.test(v) && !Number.isNaN(Date.parse(v)), {
    message: 'expected an ISO-8601 date-time, e.g. 2026-12-01T00:00:00Z',
  });

/** The filters of an inbox query, without paging (what a saved filter stores). */
export const TaskFilterSchema = z.object({
  assignee: id('Tasks assigned to this user', 64).optional(),
  candidateUser: id('Tasks this user is a candidate for', 64).optional(),
  processDefinitionKey: id('Process key', 255).optional(),
  processInstanceId: id('Process instance id', 36).optional(),
  processInstanceBusinessKey: id('Business key (单号) of the instance', 255).optional(),
  orgCode: z
    .string()
    .trim()
    .refine(isOrgCode, { message: 'not an org code' })
    .optional()
    .describe('Only instances of this org and its subtree'),
  taskDefinitionKey: id('Element id of the user task', 255).optional(),
  state: z
    .enum(['routing', 'created', 'suspended', 'completed', 'canceled'])
    .optional()
    .describe('Task state (default: created, the open tasks)'),
  dueBefore: isoDateTime.optional(),
  dueAfter: isoDateTime.optional(),
  createdAfter: isoDateTime.optional(),
  createdBefore: isoDateTime.optional(),
  sortBy: z.enum(['created', 'dueDate', 'priority']).optional().describe('Sort key (default created)'),
  sortOrder: sortOrderQuery.optional(),
});
export type TaskFilter = z.output<typeof TaskFilterSchema>;

/** GET /task: the filters plus paging. */
export const TaskListQuerySchema = TaskFilterSchema.extend(pagingQuery);

const SORT_COLUMN = { created: 'createdAt', dueDate: 'dueAt', priority: 'priority' } as const;

/**
 * The engine query for a filter, scoped to what the caller may see. `field` prefixes error fields
 * (`query` for GET /task, `body.query` for a saved filter).
 */
export async function toTaskQuery(
  services: AppServices,
  principal: Principal,
  filter: TaskFilter,
  field = 'query',
): Promise<TaskQuery> {
  let orgPathPrefix: string | undefined;
  if (filter.orgCode !== undefined) {
    const org = await services.orgs.getOrg(filter.orgCode);
    if (!org)
      throw errors.invalid(
        `${field}.orgCode`,
        `单位代码 ${filter.orgCode} 不存在`,
        `Org ${filter.orgCode} does not exist`,
      );
    orgPathPrefix = org.path;
  }
  const time = (v: string | undefined) => (v === undefined ? undefined : Date.parse(v));
  const query: TaskQuery = {
    assignee: filter.assignee,
    candidateUser: filter.candidateUser,
    processKey: filter.processDefinitionKey,
    instanceId: filter.processInstanceId,
    businessKey: filter.processInstanceBusinessKey,
    elementId: filter.taskDefinitionKey,
    state: filter.state,
    orgPathPrefix,
    dueBefore: time(filter.dueBefore),
    dueAfter: time(filter.dueAfter),
    createdAfter: time(filter.createdAfter),
    createdBefore: time(filter.createdBefore),
    sortBy: filter.sortBy === undefined ? undefined : SORT_COLUMN[filter.sortBy],
    sortOrder: filter.sortOrder,
    visibleTo: isAdmin(principal) ? undefined : { userId: principal.userId },
  };
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined)) as TaskQuery;
}
