/**
 * Inbox events: what changed for whom after a commit, derived from the change set (pure). The engine hands them to
 * an `onInboxEvents` listener after the commit; the server fans them out to the browsers (SSE) through Redis.
 * They are notifications, not the truth: a client that missed one re-reads its inbox.
 */
import type { ChangeSet, TaskRecord } from './runtime/records.js';

export type InboxEventType =
  | 'task.opened'
  | 'task.taken'
  | 'task.returned'
  | 'task.urged'
  | 'task.dueSoon'
  | 'task.overdue'
  | 'instance.ended';

export interface InboxEvent {
  readonly type: InboxEventType;
  readonly instanceId: string;
  readonly taskId: string | null;
  readonly elementId: string | null;
  /** The users to notify (candidate roles go in `roles` for the server to expand). */
  readonly users: readonly string[];
  readonly roles: readonly string[];
  readonly at: number;
}

export function deriveInboxEvents(changes: ChangeSet): InboxEvent[] {
  const events: InboxEvent[] = [];
  const instanceId = changes.instance.id;
  const at = changes.instance.updatedAt;
  const holders = (t: TaskRecord) => (t.assignee ? [t.assignee] : [...t.candidateUsers]);
  const push = (
    type: InboxEventType,
    task: TaskRecord | null,
    users: readonly string[],
    roles: readonly string[] = [],
  ) =>
    events.push({
      type,
      instanceId,
      taskId: task?.id ?? null,
      elementId: task?.elementId ?? null,
      users: [...new Set(users)],
      roles: [...roles],
      at,
    });
  const tasks = new Map([...changes.tasksInserted, ...changes.tasksUpdated].map((t) => [t.id, t]));

  for (const task of changes.tasksInserted) {
    if (task.state === 'created')
      push('task.opened', task, holders(task), task.assignee ? [] : task.candidateRoles);
  }
  for (const id of changes.taskCandidatesReplaced) {
    const task = tasks.get(id);
    if (task?.state === 'created') push('task.opened', task, holders(task));
  }
  for (const h of changes.history) {
    const task = h.taskId ? (tasks.get(h.taskId) ?? null) : null;
    switch (h.type) {
      case 'TASK_CLAIMED':
        if (task)
          push(
            'task.taken',
            task,
            task.candidateUsers.filter((u) => u !== task.assignee),
            task.candidateRoles,
          );
        break;
      case 'TASK_TRANSFERRED':
      case 'TASK_DELEGATED':
        if (task) push('task.opened', task, [String(h.data?.to ?? h.data?.delegate ?? '')].filter(Boolean));
        if (task) push('task.taken', task, [String(h.data?.from ?? h.data?.owner ?? '')].filter(Boolean));
        break;
      case 'TASK_RESOLVED':
        if (task && task.owner) push('task.opened', task, [task.owner]);
        break;
      case 'TASK_RETURNED': {
        const target = String(h.data?.target ?? '');
        for (const t of changes.tasksInserted)
          if (t.elementId === target) push('task.returned', t, holders(t));
        break;
      }
      case 'TASK_URGED':
      case 'TASK_DUE_SOON':
      case 'TASK_OVERDUE': {
        const users = Array.isArray(h.data?.holders) ? (h.data!.holders as string[]) : [];
        const type =
          h.type === 'TASK_URGED'
            ? 'task.urged'
            : h.type === 'TASK_DUE_SOON'
              ? 'task.dueSoon'
              : 'task.overdue';
        events.push({ type, instanceId, taskId: h.taskId, elementId: h.elementId, users, roles: [], at });
        break;
      }
      case 'INSTANCE_COMPLETED':
      case 'INSTANCE_REJECTED':
      case 'INSTANCE_CANCELED':
        events.push({
          type: 'instance.ended',
          instanceId,
          taskId: null,
          elementId: null,
          users: changes.instance.initiator ? [changes.instance.initiator] : [],
          roles: [],
          at,
        });
        break;
      default:
        break;
    }
  }
  return events;
}
