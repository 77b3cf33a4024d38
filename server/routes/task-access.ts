/**
 * Who may touch a task over the API, checked before any engine command:
 *
 * - **Visibility.** A task id is loaded with the scoped query (`visibleTo`: assignee, owner, completer, or a
 *   candidate while unassigned; admins see all). A task the caller may not see answers exactly like an unknown
 *   id: 404 `NOT_FOUND`. Act rights (holder or candidate) are then checked by the engine.
 * - **Maker–checker (审批与经办分离).** The initiator of an instance may not approve it: on an *approval step*
 *   (a step of a checking role, a vote, or named approvers — not a 经办人 step nor the initiator's own 填报/修改
 *   step; see views/approval-step.ts) the initiator may not
 *   complete or bulk-approve the task, claim it, or be made its holder by 转办, 委派 or 加签 → 403
 *   `MAKER_CHECKER`. The initiator's own step (e.g. the 修改 step after a 退回) stays theirs. 退回 and 拒绝 by
 *   the initiator are not approvals and are left to the engine's act rights.
 * - **Target users** (转办, 委派, 加签, 抄送): each must exist, be enabled, and sit in the caller's reach: the
 *   org subtrees the caller views (server/auth/scope.ts `viewRoots`) plus the view root of every org where the
 *   caller holds a role or belongs (a finance bureau or division reaches its whole region; any other org its own
 *   subtree). Admins reach everyone. Otherwise 400 `INVALID_USER` naming the field; unknown and out-of-reach
 *   users answer alike so the directory does not leak through this check.
 */
import type { InstanceRecord, TaskRecord } from '../../engine/index.js';
import { ApiError, errors } from '../http/api-error.js';
import { isAdmin, type Principal } from '../auth/principal.js';
import { viewRootOf, viewRoots } from '../auth/scope.js';
import type { AppServices } from '../services.js';
import { compiledStep, isApprovalStep, type CompiledElement } from './views/approval-step.js';

/** The task, if the caller may see it; otherwise the 404 of an unknown task. */
export async function visibleTask(
  services: AppServices,
  principal: Principal,
  taskId: string,
): Promise<TaskRecord> {
  const notFound = () => errors.notFound('任务', taskId);
  const task = await services.engine.getTask(taskId).catch((err: { code?: string }) => {
    if (err?.code === 'NOT_FOUND') throw notFound();
    throw err;
  });
  if (isAdmin(principal)) return task;
  const scoped = await services.engine.listTasks({
    taskId,
    state: task.state,
    visibleTo: { userId: principal.userId },
    maxResults: 1,
  });
  if (!scoped.some((t) => t.id === taskId)) throw notFound();
  return task;
}

/** The task's instance and compiled step (for maker–checker and the operations list). */
export async function taskContext(
  services: AppServices,
  task: TaskRecord,
): Promise<{ instance: InstanceRecord; step: CompiledElement | undefined }> {
  const [instance] = await services.engine.listInstances({ instanceId: task.instanceId, maxResults: 1 });
  if (!instance) throw errors.notFound('任务', task.id);
  const step = await compiledStep(services.engine, instance.definitionId, task.processKey, task.elementId);
  return { instance, step };
}

/**
 * Refuses when one of `users` is the initiator of the task's instance and the task is an approval step. A user
 * without `field` would act on the task themselves; with `field` they would be made its holder by the caller.
 */
export async function checkMakerChecker(
  services: AppServices,
  task: TaskRecord,
  users: readonly { readonly userId: string; readonly field?: string }[],
): Promise<void> {
  const { instance, step } = await taskContext(services, task);
  if (!instance.initiator || !isApprovalStep(step)) return;
  const initiator = users.find((u) => u.userId === instance.initiator);
  if (initiator) throw makerChecker(task, instance.initiator, initiator.field);
}

export function makerChecker(task: TaskRecord, initiator: string, field?: string): ApiError {
  return new ApiError(
    403,
    'MAKER_CHECKER',
    field === undefined
      ? `您是此申请的发起人，不能审批自己发起的申请（任务 ${task.id}，步骤 ${task.elementId}）`
      : `${initiator} 是此申请的发起人，不能成为其审批任务的办理人`,
    field === undefined
      ? `The initiator may not approve their own application (task ${task.id}, step ${task.elementId})`
      : `${initiator} started this application and may not be made the holder of its approval task`,
    { taskId: task.id, elementId: task.elementId, ...(field === undefined ? {} : { field }) },
  );
}

/** The org path prefixes whose users the caller may pick as targets; undefined = everyone (admin). */
export function targetRoots(principal: Principal): string[] | undefined {
  const roots = viewRoots(principal);
  if (roots === undefined) return undefined;
  const all = new Set([
    ...roots,
    viewRootOf(principal.orgPath),
    ...principal.roles.map((g) => viewRootOf(g.orgPath)),
  ]);
  return [...all];
}

/** Checks every target user (exists, enabled, within the caller's reach); `field` is e.g. `body.userIds`. */
export async function checkTargetUsers(
  services: AppServices,
  principal: Principal,
  userIds: readonly string[],
  field: string,
  single = false,
): Promise<void> {
  const roots = targetRoots(principal);
  for (const [i, userId] of userIds.entries()) {
    const where = single ? field : `${field}[${i}]`;
    const user = await services.orgs.getUser(userId);
    let ok = !!user && !user.disabled;
    if (ok && roots !== undefined) {
      const org = await services.orgs.getOrg(user!.orgCode);
      ok = !!org && roots.some((root) => org.path.startsWith(root));
    }
    if (!ok)
      throw new ApiError(
        400,
        'INVALID_USER',
        `用户 ${userId} 不存在、已停用或不在您可选的范围内`,
        `User ${userId} does not exist, is disabled, or is outside the users you may choose`,
        { field: where, userId },
      );
  }
}
