/**
 * Routes: free comments on a task (`task_comments`), Camunda's `/task/{id}/comment` shape. Whoever may see the
 * task may read and add comments; an instance's comments are listed for whoever may see the instance (read
 * scope, server/auth/scope.ts). The 意见 given with an operation (通过, 退回 …) stay in the instance history.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { errors } from '../http/api-error.js';
import { defineRoute, type RouteSpec } from '../http/route.js';
import { instanceVisibility } from '../auth/scope.js';
import { visibleTask } from './task-access.js';
import { TaskIdParams } from './tasks.js';
import { iso, pagingQuery } from './views/paging.js';
import { fromDbTime } from './views/db-time.js';

/** Longest comment, in characters. */
export const MAX_COMMENT_LENGTH = 2000;

const CommentSchema = z
  .object({
    id: z.string(),
    taskId: z.string(),
    processInstanceId: z.string(),
    userId: z.string(),
    message: z.string(),
    time: z.string(),
  })
  .describe('Comment');

interface CommentRow {
  id: string;
  task_id: string;
  instance_id: string;
  user_id: string;
  message: string;
  created_at: unknown;
}

function toCommentJson(r: CommentRow): z.input<typeof CommentSchema> {
  return {
    id: r.id,
    taskId: r.task_id,
    processInstanceId: r.instance_id,
    userId: r.user_id,
    message: r.message,
    time: iso(fromDbTime(r.created_at)),
  };
}

const createComment = defineRoute({
  method: 'post',
  path: '/task/{id}/comment/create',
  summary: 'Add a comment to a task',
  tags: ['Task comment'],
  access: 'user',
  params: TaskIdParams,
  body: z.object({
    message: z
      .string()
      .trim()
      .min(1)
      .max(MAX_COMMENT_LENGTH)
      .refine((m) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(m), {
        message: 'control characters are not allowed',
      })
      .describe(`At most ${MAX_COMMENT_LENGTH} characters`),
  }),
  response: CommentSchema,
  handler: async ({ params, body, services, principal }) => {
    const task = await visibleTask(services, principal, params.id);
    const row: CommentRow = {
      id: randomUUID(),
      task_id: task.id,
      instance_id: task.instanceId,
      user_id: principal.userId,
      message: body.message,
      created_at: new Date(services.now()),
    };
    await services.knex('task_comments').insert(row);
    return toCommentJson(row);
  },
});

const listTaskComments = defineRoute({
  method: 'get',
  path: '/task/{id}/comment',
  summary: 'Comments of a task, oldest first',
  tags: ['Task comment'],
  access: 'user',
  params: TaskIdParams,
  query: z.object(pagingQuery),
  response: z.array(CommentSchema),
  handler: async ({ params, query, services, principal }) => {
    const task = await visibleTask(services, principal, params.id);
    const rows = (await services
      .knex('task_comments')
      .where({ task_id: task.id })
      .orderBy([{ column: 'created_at' }, { column: 'id' }])
      .offset(query.firstResult)
      .limit(query.maxResults)) as CommentRow[];
    return rows.map(toCommentJson);
  },
});

const listInstanceComments = defineRoute({
  method: 'get',
  path: '/process-instance/{id}/comment',
  summary: 'Comments on every task of a process instance, oldest first',
  tags: ['Task comment'],
  access: 'user',
  params: z.object({ id: z.string().trim().min(1).max(64).describe('Process instance id') }),
  query: z.object(pagingQuery),
  response: z.array(CommentSchema),
  handler: async ({ params, query, services, principal }) => {
    const [instance] = await services.engine.listInstances({
      instanceId: params.id,
      visibleTo: instanceVisibility(principal),
      maxResults: 1,
    });
    if (!instance || instance.id !== params.id) throw errors.notFound('流程实例', params.id);
    const rows = (await services
      .knex('task_comments')
      .where({ instance_id: instance.id })
      .orderBy([{ column: 'created_at' }, { column: 'id' }])
      .offset(query.firstResult)
      .limit(query.maxResults)) as CommentRow[];
    return rows.map(toCommentJson);
  },
});

export const commentRoutes: RouteSpec[] = [createComment, listTaskComments, listInstanceComments];
