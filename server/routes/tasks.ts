/**
 * Routes: the task inbox (待办) and single-task reads. Lists are always scoped: a non-admin sees only tasks
 * they hold, delegated, completed, or may claim as a candidate (task-query.ts); a single task outside that scope
 * answers 404 like an unknown id (task-access.ts). Also the carbon copies (抄送) sent to the caller.
 */
import { z } from 'zod';
import { defineRoute, type RouteSpec } from '../http/route.js';
import { errors } from '../http/api-error.js';
import { taskContext, visibleTask } from './task-access.js';
import { TaskListQuerySchema, toTaskQuery } from './task-query.js';
import {
  CarbonCopySchema,
  ReturnTargetSchema,
  TaskFormSchema,
  TaskSchema,
  toCarbonCopyJson,
  toTaskJson,
  toTaskJsonList,
} from './views/task-view.js';
import { booleanQuery, CountSchema, page, pagingQuery } from './views/paging.js';

export const TaskIdParams = z.object({ id: z.string().trim().min(1).max(64).describe('Task id') });

const listTasks = defineRoute({
  method: 'get',
  path: '/task',
  summary: 'List tasks (the inbox)',
  description:
    'Open tasks by default (`state=created`). Non-admins see only tasks assigned to them, delegated by them, ' +
    'completed by them, or unassigned with them as a candidate, whatever the filters. `orgCode` narrows to ' +
    'instances of that org subtree. Each row lists the operations its step allows.',
  tags: ['Task'],
  access: 'user',
  query: TaskListQuerySchema,
  response: z.array(TaskSchema),
  handler: async ({ query, services, principal }) => {
    const { firstResult, maxResults, ...filter } = query;
    const taskQuery = await toTaskQuery(services, principal, filter);
    const tasks = await services.engine.listTasks({ ...taskQuery, firstResult, maxResults });
    return toTaskJsonList(services.engine, tasks);
  },
});

const countTasks = defineRoute({
  method: 'get',
  path: '/task/count',
  summary: 'Count tasks (same filters as GET /task)',
  tags: ['Task'],
  access: 'user',
  query: TaskListQuerySchema.omit({ firstResult: true, maxResults: true }),
  response: CountSchema,
  handler: async ({ query, services, principal }) => ({
    count: await services.engine.countTasks(await toTaskQuery(services, principal, query)),
  }),
});

const getTask = defineRoute({
  method: 'get',
  path: '/task/{id}',
  summary: 'One task',
  tags: ['Task'],
  access: 'user',
  params: TaskIdParams,
  response: TaskSchema,
  handler: async ({ params, services, principal }) => {
    const task = await visibleTask(services, principal, params.id);
    const { instance } = await taskContext(services, task);
    return toTaskJson(services.engine, task, instance);
  },
});

const getTaskForm = defineRoute({
  method: 'get',
  path: '/task/{id}/form',
  summary: 'The task form: variables as the step shows them, and the field permissions',
  description:
    'Variables hidden at this step (`fiscal:hiddenFields`) are left out; `readOnly` fields may not be written ' +
    'on completion, and when `editable` is given only those fields may be written (the engine enforces both).',
  tags: ['Task'],
  access: 'user',
  params: TaskIdParams,
  response: TaskFormSchema,
  handler: async ({ params, services, principal }) => {
    await visibleTask(services, principal, params.id);
    const view = await services.engine.getTaskView(params.id);
    const { instance } = await taskContext(services, view.task);
    return {
      task: await toTaskJson(services.engine, view.task, instance),
      formKey: view.task.formKey,
      variables: view.variables,
      fields: view.fields,
    };
  },
});

const getReturnTargets = defineRoute({
  method: 'get',
  path: '/task/{id}/return-targets',
  summary: 'Steps the task may be returned to (退回), nearest first',
  tags: ['Task'],
  access: 'user',
  params: TaskIdParams,
  response: z.array(ReturnTargetSchema),
  handler: async ({ params, services, principal }) => {
    const task = await visibleTask(services, principal, params.id);
    if (task.state !== 'created' && task.state !== 'suspended') return [];
    const targets = await services.engine.returnTargets(params.id);
    return targets.map((t) => ({ activityId: t.elementId, name: t.name, assignee: t.actor }));
  },
});

const CarbonCopyQuery = z.object({
  unreadOnly: booleanQuery.describe('Only copies not yet read'),
  ...pagingQuery,
});

const listCarbonCopies = defineRoute({
  method: 'get',
  path: '/carbon-copy',
  summary: 'Carbon copies (抄送) sent to the caller, newest first',
  tags: ['Task'],
  access: 'user',
  query: CarbonCopyQuery,
  response: z.array(CarbonCopySchema),
  handler: async ({ query, services, principal }) => {
    const copies = await services.engine.listCarbonCopies({
      userId: principal.userId,
      unreadOnly: query.unreadOnly ?? false,
    });
    const newestFirst = [...copies].sort((a, b) => b.createdAt - a.createdAt || a.id.localeCompare(b.id));
    return page(newestFirst, query).map(toCarbonCopyJson);
  },
});

const countCarbonCopies = defineRoute({
  method: 'get',
  path: '/carbon-copy/count',
  summary: 'Count the carbon copies sent to the caller',
  tags: ['Task'],
  access: 'user',
  query: z.object({ unreadOnly: booleanQuery }),
  response: CountSchema,
  handler: async ({ query, services, principal }) => ({
    count: (
      await services.engine.listCarbonCopies({
        userId: principal.userId,
        unreadOnly: query.unreadOnly ?? false,
      })
    ).length,
  }),
});

const readCarbonCopy = defineRoute({
  method: 'post',
  path: '/carbon-copy/{id}/read',
  summary: 'Mark a carbon copy read',
  description: 'Only the recipient may mark it; marking it again changes nothing.',
  tags: ['Task'],
  access: 'user',
  params: z.object({ id: z.string().trim().min(1).max(64) }),
  handler: async ({ params, services, principal }) => {
    if (await services.engine.markCarbonCopyRead(params.id, principal.userId)) return;
    const mine = await services.engine.listCarbonCopies({ userId: principal.userId });
    if (!mine.some((c) => c.id === params.id)) throw errors.notFound('抄送', params.id);
  },
});

export const taskRoutes: RouteSpec[] = [
  listTasks,
  countTasks,
  getTask,
  getTaskForm,
  getReturnTargets,
  listCarbonCopies,
  countCarbonCopies,
  readCarbonCopy,
];
