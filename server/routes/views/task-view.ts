/**
 * How tasks look over the API (Camunda 7 names where they exist): the inbox row with its instance's business key
 * and initiator and the operations its step allows, the task form (variables filtered by the step's field
 * permissions), the instance after an operation that may end it, and carbon copies (抄送). Times are ISO-8601.
 */
import { z } from 'zod';
import type { Engine, InstanceRecord, InstanceView, TaskRecord } from '../../../engine/index.js';
import { compiledStep } from './approval-step.js';
import { iso } from './paging.js';

export const TaskSchema = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    taskDefinitionKey: z.string().describe('Element id of the user task'),
    processDefinitionKey: z.string(),
    processDefinitionId: z.string().nullable(),
    processInstanceId: z.string(),
    businessKey: z.string().nullable(),
    initiator: z.string().nullable(),
    state: z.enum(['routing', 'created', 'suspended', 'completed', 'canceled']),
    assignee: z.string().nullable(),
    owner: z.string().nullable().describe('委派: who delegated it and gets it back'),
    delegationState: z.enum(['pending', 'resolved']).nullable(),
    candidateUsers: z.array(z.string()),
    candidateGroups: z.array(z.string()).describe('Candidate role codes'),
    signerOf: z.string().nullable().describe('加签: the task this signer was added to'),
    signerMode: z.enum(['before', 'after', 'parallel']).nullable(),
    formKey: z.string().nullable(),
    priority: z.number().int(),
    created: z.string(),
    due: z.string().nullable(),
    endTime: z.string().nullable(),
    completedBy: z.string().nullable(),
    operations: z
      .array(z.string())
      .describe('Approval operations the step allows (fiscal:allowedOperations); empty when unknown'),
  })
  .describe('Task');
export type TaskJson = z.input<typeof TaskSchema>;

/** Instance facts a task row shows. */
type InstanceFacts = Pick<InstanceRecord, 'definitionId' | 'businessKey' | 'initiator'>;

/** Rows for many tasks: each instance and each compiled step is looked up once. */
export async function toTaskJsonList(engine: Engine, tasks: readonly TaskRecord[]): Promise<TaskJson[]> {
  const instances = new Map<string, Promise<InstanceFacts | undefined>>();
  for (const t of tasks)
    if (!instances.has(t.instanceId))
      instances.set(
        t.instanceId,
        engine.listInstances({ instanceId: t.instanceId, maxResults: 1 }).then((rows) => rows[0]),
      );
  return Promise.all(
    tasks.map(async (task) => toTaskJson(engine, task, await instances.get(task.instanceId)!)),
  );
}

export async function toTaskJson(
  engine: Engine,
  task: TaskRecord,
  instance: InstanceFacts | undefined,
): Promise<TaskJson> {
  const step = instance
    ? await compiledStep(engine, instance.definitionId, task.processKey, task.elementId).catch(
        () => undefined,
      )
    : undefined;
  return {
    id: task.id,
    name: task.name,
    taskDefinitionKey: task.elementId,
    processDefinitionKey: task.processKey,
    processDefinitionId: instance?.definitionId ?? null,
    processInstanceId: task.instanceId,
    businessKey: instance?.businessKey ?? null,
    initiator: instance?.initiator ?? null,
    state: task.state,
    assignee: task.assignee,
    owner: task.owner,
    delegationState: task.delegationState,
    candidateUsers: [...task.candidateUsers],
    candidateGroups: [...task.candidateRoles],
    signerOf: task.signerOf,
    signerMode: task.signerMode,
    formKey: task.formKey,
    priority: task.priority,
    created: iso(task.createdAt),
    due: iso(task.dueAt),
    endTime: iso(task.endedAt),
    completedBy: task.completedBy,
    operations: [...(step?.approval?.allowedOperations ?? [])],
  };
}

export const TaskFormSchema = z
  .object({
    task: TaskSchema,
    formKey: z.string().nullable(),
    variables: z
      .record(z.string(), z.unknown())
      .describe('Instance variables minus the step’s hidden fields'),
    fields: z.object({
      readOnly: z.array(z.string()),
      hidden: z.array(z.string()),
      editable: z.array(z.string()).nullable().describe('null: every field not read-only or hidden'),
    }),
  })
  .describe('TaskForm');

export const ReturnTargetSchema = z
  .object({
    activityId: z.string(),
    name: z.string().nullable(),
    assignee: z.string().nullable().describe('Who completed that step last and gets the returned task'),
  })
  .describe('ReturnTarget');

/** The instance after an operation that may end it (拒绝, 撤回, 减签). */
export const InstanceOutcomeSchema = z
  .object({
    id: z.string(),
    processDefinitionKey: z.string(),
    businessKey: z.string().nullable(),
    state: z.string().describe('running, completed, canceled, rejected'),
    ended: z.boolean(),
    endReason: z.string().nullable(),
    activeActivityIds: z.array(z.string()),
  })
  .describe('InstanceOutcome');

export function toInstanceOutcome(view: InstanceView): z.input<typeof InstanceOutcomeSchema> {
  return {
    id: view.id,
    processDefinitionKey: view.processKey,
    businessKey: view.businessKey,
    state: view.status,
    ended: view.status !== 'running',
    endReason: view.endReason,
    activeActivityIds: view.activeElementIds,
  };
}

export const CarbonCopySchema = z
  .object({
    id: z.string(),
    processInstanceId: z.string(),
    taskId: z.string().nullable(),
    userId: z.string(),
    sentBy: z.string().nullable(),
    note: z.string().nullable(),
    created: z.string(),
    readTime: z.string().nullable(),
  })
  .describe('CarbonCopy');

export function toCarbonCopyJson(c: {
  id: string;
  instanceId: string;
  taskId: string | null;
  userId: string;
  sentBy: string | null;
  note: string | null;
  createdAt: number;
  readAt: number | null;
}): z.input<typeof CarbonCopySchema> {
  return {
    id: c.id,
    processInstanceId: c.instanceId,
    taskId: c.taskId,
    userId: c.userId,
    sentBy: c.sentBy,
    note: c.note,
    created: iso(c.createdAt),
    readTime: iso(c.readAt),
  };
}
