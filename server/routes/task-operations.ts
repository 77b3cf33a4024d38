/**
 * Routes: the approval operations on a task (docs/approval-operations.md), one engine command each: claim,
 * unclaim, 通过 complete, 拒绝 reject, 退回 return, 撤回 withdraw, 转办 transfer, 委派 delegate, resolve, 加签,
 * 减签, 抄送 and 催办, plus bulk approval with a result per task.
 *
 * Before the command: the task is loaded with the caller's scope (404 like an unknown id otherwise), the
 * maker–checker rule is applied (the initiator neither approves an approval step nor is made its holder, 403
 * `MAKER_CHECKER`), and target users are checked (task-access.ts). The engine then checks act rights, the step's
 * `fiscal:allowedOperations` and the task state; its refusals map to 409 `INVALID_STATE` with `details.reason`.
 * All of these honour `Idempotency-Key`.
 */
import { z } from 'zod';
import { defineRoute, type RouteSpec } from '../http/route.js';
import { errors, toApiError } from '../http/api-error.js';
import type { AppServices } from '../services.js';
import { checkMakerChecker, checkTargetUsers, taskContext, visibleTask } from './task-access.js';
import { TaskIdParams } from './tasks.js';
import {
  InstanceOutcomeSchema,
  TaskSchema,
  toInstanceOutcome,
  toTaskJson,
  toTaskJsonList,
} from './views/task-view.js';
import type { TaskRecord } from '../../engine/index.js';
import { checkTaskSubmission } from '../forms/task-submission.js';

const TAGS = ['Task operation'];

const comment = z.string().trim().min(1).max(2000).describe('意见 (comment)');
const variables = z
  .record(z.string().min(1).max(255), z.unknown())
  .describe('Variables to set (plain JSON values; money in 分, names ending in Fen)');
const userId = z.string().trim().min(1).max(64);
const userIds = (max: number) => z.array(userId).min(1).max(max);

/** The task as a row of the inbox, after a command. */
async function taskJson(services: AppServices, taskId: string) {
  const task = await services.engine.getTask(taskId);
  const { instance } = await taskContext(services, task);
  return toTaskJson(services.engine, task, instance);
}

async function instanceOutcome(services: AppServices, instanceId: string) {
  return toInstanceOutcome(await services.engine.getInstance(instanceId));
}

const claim = defineRoute({
  method: 'post',
  path: '/task/{id}/claim',
  summary: 'Claim a candidate task',
  tags: TAGS,
  access: 'user',
  params: TaskIdParams,
  response: TaskSchema,
  errors: [409],
  handler: async ({ params, services, principal }) => {
    const task = await visibleTask(services, principal, params.id);
    await checkMakerChecker(services, task, [{ userId: principal.userId }]);
    await services.engine.claimTask(task.id, { actor: principal.userId });
    return taskJson(services, task.id);
  },
});

const unclaim = defineRoute({
  method: 'post',
  path: '/task/{id}/unclaim',
  summary: 'Give a claimed task back to its candidates',
  tags: TAGS,
  access: 'user',
  params: TaskIdParams,
  response: TaskSchema,
  errors: [409],
  handler: async ({ params, services, principal }) => {
    const task = await visibleTask(services, principal, params.id);
    await services.engine.unclaimTask(task.id, { actor: principal.userId });
    return taskJson(services, task.id);
  },
});

const complete = defineRoute({
  method: 'post',
  path: '/task/{id}/complete',
  summary: '通过: complete (approve) a task',
  description:
    'Sets the variables (the step’s field permissions apply) and records the comment (意见). A vote of a ' +
    'countersign (会签) must set its outcome variable (e.g. `approved: true|false`). Refused for the initiator on ' +
    'an approval step (403 MAKER_CHECKER).',
  tags: TAGS,
  access: 'user',
  params: TaskIdParams,
  body: z.object({ variables: variables.optional(), comment: comment.optional() }).optional(),
  response: TaskSchema,
  errors: [409],
  handler: async ({ params, body, services, principal, koa }) => {
    const task = await visibleTask(services, principal, params.id);
    await checkMakerChecker(services, task, [{ userId: principal.userId }]);
    await checkTaskSubmission(services, task, body?.variables);
    // a repeat of a completion that committed but whose answer was lost (the process died) is recognised by its key
    const key = koa.get('Idempotency-Key');
    await services.engine.completeTask(task.id, {
      actor: principal.userId,
      variables: body?.variables,
      comment: body?.comment,
      requestKey: key ? `${principal.userId}:${key}` : undefined,
    });
    return taskJson(services, task.id);
  },
});

const reject = defineRoute({
  method: 'post',
  path: '/task/{id}/reject',
  summary: '拒绝: reject (ends the instance as rejected, or returns it to `targetActivityId`)',
  tags: TAGS,
  access: 'user',
  params: TaskIdParams,
  body: z
    .object({ comment: comment.optional(), targetActivityId: z.string().trim().min(1).max(255).optional() })
    .optional(),
  response: InstanceOutcomeSchema,
  errors: [409],
  handler: async ({ params, body, services, principal }) => {
    const task = await visibleTask(services, principal, params.id);
    const view = await services.engine.rejectTask(task.id, {
      actor: principal.userId,
      comment: body?.comment,
      target: body?.targetActivityId ? { elementId: body.targetActivityId } : undefined,
    });
    return toInstanceOutcome(view);
  },
});

const returnTask = defineRoute({
  method: 'post',
  path: '/task/{id}/return',
  summary: '退回: return the task to an earlier step',
  description:
    'To `targetActivityId` (one of GET /task/{id}/return-targets), or with `target` to the `previous` step ' +
    '(default) or the `initiator`’s step. The returned-to task goes to whoever completed that step last.',
  tags: TAGS,
  access: 'user',
  params: TaskIdParams,
  body: z
    .object({
      targetActivityId: z.string().trim().min(1).max(255).optional(),
      target: z.enum(['previous', 'initiator']).optional(),
      comment,
    })
    .refine((b) => !(b.targetActivityId && b.target), {
      message: 'give targetActivityId or target, not both',
      path: ['target'],
    }),
  response: z.object({ targetActivityId: z.string() }).describe('ReturnResult'),
  errors: [409],
  handler: async ({ params, body, services, principal }) => {
    const task = await visibleTask(services, principal, params.id);
    const result = await services.engine.returnTask(task.id, {
      actor: principal.userId,
      comment: body.comment,
      target: body.targetActivityId ? { elementId: body.targetActivityId } : (body.target ?? 'previous'),
    });
    return { targetActivityId: result.targetElementId };
  },
});

const withdraw = defineRoute({
  method: 'post',
  path: '/task/{id}/withdraw',
  summary: '撤回: take back a task the caller completed, while the next step is untouched',
  tags: TAGS,
  access: 'user',
  params: TaskIdParams,
  response: InstanceOutcomeSchema,
  errors: [409],
  handler: async ({ params, services, principal }) => {
    const task = await visibleTask(services, principal, params.id);
    return toInstanceOutcome(await services.engine.withdrawTask(task.id, { actor: principal.userId }));
  },
});

/**
 * 转办 and 委派 differ only in what the engine does: both hand the task to one user in the caller's reach, and
 * neither may make the initiator the holder of an approval step.
 */
function handOverRoute(
  kind: 'transfer' | 'delegate',
  summary: string,
  run: (
    services: AppServices,
    taskId: string,
    options: { actor: string; to: string; comment?: string },
  ) => Promise<unknown>,
): RouteSpec {
  return defineRoute({
    method: 'post',
    path: `/task/{id}/${kind}`,
    summary,
    tags: TAGS,
    access: 'user',
    params: TaskIdParams,
    body: z.object({ userId, comment: comment.optional() }),
    response: TaskSchema,
    errors: [409],
    handler: async ({ params, body, services, principal }) => {
      const task = await visibleTask(services, principal, params.id);
      await checkTargetUsers(services, principal, [body.userId], 'body.userId', true);
      await checkMakerChecker(services, task, [{ userId: body.userId, field: 'body.userId' }]);
      await run(services, task.id, { actor: principal.userId, to: body.userId, comment: body.comment });
      return taskJson(services, task.id);
    },
  });
}

const transfer = handOverRoute(
  'transfer',
  '转办: hand the task to another user for good',
  (services, id, o) => services.engine.transferTask(id, o),
);

const delegate = handOverRoute(
  'delegate',
  '委派: let another user work on the task and resolve it back',
  (services, id, o) => services.engine.delegateTask(id, o),
);

const resolve = defineRoute({
  method: 'post',
  path: '/task/{id}/resolve',
  summary: 'The delegate hands a delegated task back to its owner',
  tags: TAGS,
  access: 'user',
  params: TaskIdParams,
  body: z.object({ variables: variables.optional(), comment: comment.optional() }).optional(),
  response: TaskSchema,
  errors: [409],
  handler: async ({ params, body, services, principal }) => {
    const task = await visibleTask(services, principal, params.id);
    await services.engine.resolveTask(task.id, {
      actor: principal.userId,
      variables: body?.variables,
      comment: body?.comment,
    });
    return taskJson(services, task.id);
  },
});

const addSigners = defineRoute({
  method: 'post',
  path: '/task/{id}/add-signers',
  summary: '加签: add signers before, after or in parallel with the holder',
  description:
    '`before`: the holder’s task is suspended until every added signer has signed; `parallel`: they sign ' +
    'alongside; `after`: they sign once the holder has. Returns the signers’ new tasks.',
  tags: TAGS,
  access: 'user',
  params: TaskIdParams,
  body: z.object({
    userIds: userIds(20),
    mode: z.enum(['before', 'after', 'parallel']),
    comment: comment.optional(),
  }),
  response: z.array(TaskSchema),
  errors: [409],
  handler: async ({ params, body, services, principal }) => {
    const task = await visibleTask(services, principal, params.id);
    await checkTargetUsers(services, principal, body.userIds, 'body.userIds');
    await checkMakerChecker(
      services,
      task,
      body.userIds.map((u, i) => ({ userId: u, field: `body.userIds[${i}]` })),
    );
    const added = await services.engine.addSigners(task.id, {
      actor: principal.userId,
      users: body.userIds,
      mode: body.mode,
      comment: body.comment,
    });
    return toTaskJsonList(services.engine, added);
  },
});

const removeSigners = defineRoute({
  method: 'post',
  path: '/task/{id}/remove-signers',
  summary: '减签: remove pending added signers, or pending votes of a countersign',
  description:
    'Each user must hold a pending signer task added to this task, or a pending vote of the same countersign ' +
    'step; otherwise 400 naming `body.userIds[i]`. Returns the instance afterwards (a countersign may decide at once).',
  tags: TAGS,
  access: 'user',
  params: TaskIdParams,
  body: z.object({ userIds: userIds(50), comment: comment.optional() }),
  response: InstanceOutcomeSchema,
  errors: [409],
  handler: async ({ params, body, services, principal }) => {
    const task = await visibleTask(services, principal, params.id);
    const open = [
      ...(await services.engine.listTasks({
        instanceId: task.instanceId,
        state: 'created',
        maxResults: 1000,
      })),
      ...(await services.engine.listTasks({
        instanceId: task.instanceId,
        state: 'suspended',
        maxResults: 1000,
      })),
    ];
    const signerTasks = body.userIds.map((user, i) => {
      const found = open.find(
        (t) =>
          t.id !== task.id &&
          t.assignee === user &&
          (t.signerOf === task.id || (t.elementId === task.elementId && t.executionId !== task.executionId)),
      );
      if (!found)
        throw errors.invalid(
          `body.userIds[${i}]`,
          `${user} 不是此任务可减签的签署人`,
          `${user} holds no pending signer task or countersign vote of this task`,
        );
      return found;
    });
    for (const signer of signerTasks)
      await services.engine.removeSigner(signer.id, { actor: principal.userId, comment: body.comment });
    return instanceOutcome(services, task.instanceId);
  },
});

const carbonCopy = defineRoute({
  method: 'post',
  path: '/task/{id}/cc',
  summary: '抄送: copy the task’s instance to users for information',
  tags: TAGS,
  access: 'user',
  params: TaskIdParams,
  body: z.object({ userIds: userIds(50), note: z.string().trim().max(500).optional() }),
  errors: [409],
  handler: async ({ params, body, services, principal }) => {
    const task = await visibleTask(services, principal, params.id);
    await checkTargetUsers(services, principal, body.userIds, 'body.userIds');
    await services.engine.carbonCopy(task.instanceId, {
      actor: principal.userId,
      users: body.userIds,
      note: body.note,
      taskId: task.id,
    });
  },
});

const urge = defineRoute({
  method: 'post',
  path: '/task/{id}/urge',
  summary: '催办: remind the holders of an open task',
  description:
    'At most once per task per interval (default 1 hour): earlier → 409 with `details.reason` URGED_TOO_SOON.',
  tags: TAGS,
  access: 'user',
  params: TaskIdParams,
  body: z.object({ note: z.string().trim().max(500).optional() }).optional(),
  errors: [409],
  handler: async ({ params, body, services, principal }) => {
    const task = await visibleTask(services, principal, params.id);
    await services.engine.urgeTask(task.id, { actor: principal.userId, note: body?.note });
  },
});

const BulkResultSchema = z
  .object({
    taskId: z.string(),
    ok: z.boolean(),
    code: z.string().optional(),
    message: z.string().optional(),
    reason: z.string().optional(),
  })
  .describe('BulkApproveResult');

const bulkApprove = defineRoute({
  method: 'post',
  path: '/task/bulk-approve',
  summary: '批量通过: approve many tasks, each on its own',
  description:
    'One result per task id, in order: `ok`, or the error `code` and `message` (NOT_FOUND for a task the caller ' +
    'may not see, MAKER_CHECKER, INVALID_STATE with `reason` …). One failure never fails the others.',
  tags: TAGS,
  access: 'user',
  body: z.object({
    taskIds: z.array(z.string().trim().min(1).max(64)).min(1).max(500),
    comment: comment.optional(),
  }),
  response: z.array(BulkResultSchema),
  handler: async ({ body, services, principal, koa }) => {
    const language = koa.acceptsLanguages('zh', 'en') === 'en' ? 'en' : 'zh';
    const refuse = (taskId: string, err: unknown) => {
      const e = toApiError(err);
      const reason = (e.details as { reason?: unknown } | undefined)?.reason;
      return {
        taskId,
        ok: false,
        code: e.code,
        message: e.body(language).message,
        ...(typeof reason === 'string' ? { reason } : {}),
      };
    };
    const results = [];
    for (const taskId of body.taskIds) {
      try {
        const task: TaskRecord = await visibleTask(services, principal, taskId);
        await checkMakerChecker(services, task, [{ userId: principal.userId }]);
        await services.engine.completeTask(task.id, { actor: principal.userId, comment: body.comment });
        results.push({ taskId, ok: true });
      } catch (err) {
        if (toApiError(err).status >= 500) services.logger.error({ err, taskId }, 'bulk approve item failed');
        results.push(refuse(taskId, err));
      }
    }
    return results;
  },
});

export const taskOperationRoutes: RouteSpec[] = [
  bulkApprove,
  claim,
  unclaim,
  complete,
  reject,
  returnTask,
  withdraw,
  transfer,
  delegate,
  resolve,
  addSigners,
  removeSigners,
  carbonCopy,
  urge,
];
