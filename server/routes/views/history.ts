/**
 * History views built from an instance's append-only history rows: the approval timeline (审批记录: who, when,
 * what, which step, 意见), activity instances (element entered/left), and historic tasks (who completed a task,
 * when, with which outcome). Pure over the rows plus the name lookups; the route does the scope check.
 */
import { z } from 'zod';
import type { HistoryEventType, StoredHistoryRecord, TaskRecord } from '../../../engine/index.js';
import type { ElementInfo } from './element-names.js';
import { iso } from './paging.js';
import type { PeopleLookup, Person } from './people.js';

/** Chinese labels of the history actions (the English code travels alongside). */
export const ACTION_LABELS: Readonly<Record<HistoryEventType, string>> = {
  INSTANCE_STARTED: '发起',
  INSTANCE_COMPLETED: '办结',
  INSTANCE_CANCELED: '终止',
  INSTANCE_REJECTED: '驳回结束',
  ELEMENT_ACTIVATED: '进入环节',
  ELEMENT_COMPLETED: '完成环节',
  ELEMENT_TERMINATED: '环节中止',
  FLOW_TAKEN: '流转',
  TASK_CREATED: '待办生成',
  TASK_COMPLETED: '通过',
  TASK_CANCELED: '待办取消',
  TASK_CLAIMED: '签收',
  TASK_ROUTED: '分派',
  TASK_DUE_SOON: '即将到期',
  TASK_OVERDUE: '已超期',
  TASK_UNCLAIMED: '取消签收',
  TASK_TRANSFERRED: '转办',
  TASK_DELEGATED: '委派',
  TASK_RESOLVED: '委派办结',
  TASK_RETURNED: '退回',
  TASK_WITHDRAWN: '撤回',
  TASK_REJECTED: '驳回',
  SIGNERS_ADDED: '加签',
  SIGNER_REMOVED: '减签',
  CARBON_COPIED: '抄送',
  TASK_URGED: '催办',
  TOKENS_MOVED: '流程跳转',
  INSTANCE_MIGRATED: '流程迁移',
  JOB_CREATED: '作业创建',
  JOB_COMPLETED: '作业完成',
  JOB_FAILED: '作业失败',
  TIMER_FIRED: '定时触发',
  MESSAGE_CORRELATED: '收到消息',
  SIGNAL_RECEIVED: '收到信号',
  ERROR_THROWN: '抛出错误',
  ESCALATION_THROWN: '上报',
  CHILD_INSTANCE_CREATED: '启动子流程',
  VARIABLES_UPDATED: '修改数据',
  INCIDENT_RAISED: '发生异常',
  INCIDENT_RESOLVED: '异常已处理',
};

/** The events people read in an approval record; the rest is engine mechanics (kept with `all=true`). */
export const TIMELINE_EVENTS: ReadonlySet<HistoryEventType> = new Set<HistoryEventType>([
  'INSTANCE_STARTED',
  'INSTANCE_COMPLETED',
  'INSTANCE_CANCELED',
  'INSTANCE_REJECTED',
  'TASK_CREATED',
  'TASK_COMPLETED',
  'TASK_CLAIMED',
  'TASK_UNCLAIMED',
  'TASK_TRANSFERRED',
  'TASK_DELEGATED',
  'TASK_RESOLVED',
  'TASK_RETURNED',
  'TASK_WITHDRAWN',
  'TASK_REJECTED',
  'TASK_OVERDUE',
  'SIGNERS_ADDED',
  'SIGNER_REMOVED',
  'CARBON_COPIED',
  'TASK_URGED',
  'TOKENS_MOVED',
  'INSTANCE_MIGRATED',
  'MESSAGE_CORRELATED',
  'VARIABLES_UPDATED',
  'INCIDENT_RAISED',
  'INCIDENT_RESOLVED',
]);

const PersonSchema = z
  .object({
    userId: z.string(),
    name: z.string().nullable(),
    orgCode: z.string().nullable(),
    orgName: z.string().nullable(),
  })
  .describe('Person');

export const TimelineEntrySchema = z
  .object({
    seq: z.number().int().describe('Order within the instance'),
    time: z.string().describe('ISO-8601'),
    action: z.string().describe('History event code, e.g. TASK_COMPLETED'),
    actionLabel: z.string().describe('中文 label, e.g. 通过'),
    actor: PersonSchema.nullable().describe('Who did it; null for the engine itself (timers, routing)'),
    activityId: z.string().nullable(),
    activityName: z.string().nullable(),
    activityType: z.string().nullable(),
    taskId: z.string().nullable(),
    comment: z.string().nullable().describe('意见 or note given with the action'),
    details: z.record(z.string(), z.unknown()).nullable().describe('The rest of what the event recorded'),
  })
  .describe('TimelineEntry');

export const ActivityInstanceSchema = z
  .object({
    activityId: z.string(),
    activityName: z.string().nullable(),
    activityType: z.string().nullable(),
    processInstanceId: z.string(),
    taskId: z.string().nullable(),
    startTime: z.string(),
    endTime: z.string().nullable(),
    canceled: z.boolean().describe('Left without completing (terminated, interrupted)'),
  })
  .describe('HistoricActivityInstance');

export const HistoricTaskSchema = z
  .object({
    id: z.string(),
    processInstanceId: z.string(),
    processDefinitionKey: z.string(),
    taskDefinitionKey: z.string().describe('The user task element id'),
    name: z.string().nullable(),
    assignee: z.string().nullable(),
    completedBy: PersonSchema.nullable(),
    outcome: z
      .enum(['approved', 'rejected', 'returned', 'withdrawn', 'resolved', 'canceled'])
      .describe('How the task ended'),
    comment: z.string().nullable().describe('意见'),
    startTime: z.string(),
    endTime: z.string(),
  })
  .describe('HistoricTask');

/** The timeline: history rows in order, with people and element names filled in. */
export async function buildTimeline(
  records: readonly StoredHistoryRecord[],
  elements: ReadonlyMap<string, ElementInfo>,
  people: PeopleLookup,
  all: boolean,
): Promise<z.input<typeof TimelineEntrySchema>[]> {
  const kept = records.filter((r) => all || TIMELINE_EVENTS.has(r.type));
  return Promise.all(
    kept.map(async (r, position) => {
      // a routing decision's `route` (its flows and condition inputs, kept for replay) may hold hidden fields
      const { comment, note, route: _route, ...rest } = r.data ?? {};
      const text = typeof comment === 'string' ? comment : typeof note === 'string' ? note : null;
      const element = r.elementId ? elements.get(r.elementId) : undefined;
      return {
        seq: position + 1,
        time: iso(r.at),
        action: r.type,
        actionLabel: ACTION_LABELS[r.type] ?? r.type,
        actor: r.actor ? await people.person(r.actor) : null,
        activityId: r.elementId,
        activityName: element?.name ?? null,
        activityType: r.elementType ?? element?.type ?? null,
        taskId: r.taskId,
        comment: text,
        details: Object.keys(rest).length > 0 ? rest : null,
      };
    }),
  );
}

/** Element entered → left, paired by token and element, in the order entered. */
export function buildActivityInstances(
  instanceId: string,
  records: readonly StoredHistoryRecord[],
  elements: ReadonlyMap<string, ElementInfo>,
): z.input<typeof ActivityInstanceSchema>[] {
  type Open = z.input<typeof ActivityInstanceSchema> & { executionId: string | null };
  const result: Open[] = [];
  const open = new Map<string, Open>();
  const keyOf = (r: StoredHistoryRecord) => `${r.executionId ?? ''}|${r.elementId ?? ''}`;
  for (const r of records) {
    if (!r.elementId) continue;
    if (r.type === 'ELEMENT_ACTIVATED') {
      const entry: Open = {
        activityId: r.elementId,
        activityName: elements.get(r.elementId)?.name ?? null,
        activityType: r.elementType ?? elements.get(r.elementId)?.type ?? null,
        processInstanceId: instanceId,
        taskId: null,
        startTime: iso(r.at),
        endTime: null,
        canceled: false,
        executionId: r.executionId,
      };
      result.push(entry);
      open.set(keyOf(r), entry);
    } else if (r.type === 'TASK_CREATED') {
      const entry = open.get(keyOf(r));
      if (entry && entry.taskId === null) entry.taskId = r.taskId;
    } else if (r.type === 'ELEMENT_COMPLETED' || r.type === 'ELEMENT_TERMINATED') {
      const entry = open.get(keyOf(r));
      if (!entry) continue;
      entry.endTime = iso(r.at);
      entry.canceled = r.type === 'ELEMENT_TERMINATED';
      open.delete(keyOf(r));
    }
  }
  return result.map(({ executionId: _executionId, ...entry }) => entry);
}

const OUTCOME_BY_EVENT: Partial<Record<HistoryEventType, z.infer<typeof HistoricTaskSchema>['outcome']>> = {
  TASK_COMPLETED: 'approved',
  TASK_REJECTED: 'rejected',
  TASK_RETURNED: 'returned',
  TASK_WITHDRAWN: 'withdrawn',
  TASK_RESOLVED: 'resolved',
};

/** Ended tasks with who ended them, how, and the 意见 given. */
export async function buildHistoricTasks(
  tasks: readonly TaskRecord[],
  records: readonly StoredHistoryRecord[],
  people: PeopleLookup,
): Promise<z.input<typeof HistoricTaskSchema>[]> {
  const ending = new Map<string, StoredHistoryRecord>();
  for (const r of records) if (r.taskId && OUTCOME_BY_EVENT[r.type]) ending.set(r.taskId, r);
  const ended = tasks
    .filter((t) => t.endedAt !== null && (t.state === 'completed' || t.state === 'canceled'))
    .sort((a, b) => a.endedAt! - b.endedAt! || a.createdAt - b.createdAt);
  return Promise.all(
    ended.map(async (t) => {
      const event = ending.get(t.id);
      const comment = event?.data?.comment;
      const by = t.completedBy ?? event?.actor ?? null;
      const person: Person | null = by ? await people.person(by) : null;
      return {
        id: t.id,
        processInstanceId: t.instanceId,
        processDefinitionKey: t.processKey,
        taskDefinitionKey: t.elementId,
        name: t.name,
        assignee: t.assignee,
        completedBy: person,
        outcome:
          t.state === 'canceled' && !event ? 'canceled' : event ? OUTCOME_BY_EVENT[event.type]! : 'approved',
        comment: typeof comment === 'string' ? comment : null,
        startTime: iso(t.createdAt),
        endTime: iso(t.endedAt!),
      };
    }),
  );
}
