/**
 * The only file that knows column names: maps rows to records and back. Times are DATETIME(3) on
 * MySQL (read back as Date, written as Date in UTC) and numbers on SQLite; records hold epoch ms.
 */
import type {
  CarbonCopyRecord,
  DefinitionRecord,
  ExecutionRecord,
  HistoryRecord,
  IncidentRecord,
  InstanceRecord,
  JobRecord,
  MessageRecord,
  StoredHistoryRecord,
  SubscriptionRecord,
  TaskRecord,
} from '../../core/runtime/records.js';

type Row = Record<string, unknown>;

export function toTime(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  if (typeof value === 'string')
    return /^\d+$/.test(value) ? Number(value) : Date.parse(`${value.replace(' ', 'T')}Z`);
  throw new Error(`Expected a time value, but got ${typeof value}`);
}

export function toOptionalTime(value: unknown): number | null {
  return value === null || value === undefined ? null : toTime(value);
}

export function dbTime(ms: number): Date;
export function dbTime(ms: number | null): Date | null;
export function dbTime(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function definitionFromRow(r: Row): DefinitionRecord {
  return {
    id: String(r.id),
    processKey: String(r.process_key),
    version: Number(r.version),
    name: str(r.name),
    versionTag: str(r.version_tag),
    checksum: String(r.checksum),
    xml: String(r.xml ?? ''),
    deployedBy: str(r.deployed_by),
    deployedAt: toTime(r.deployed_at),
  };
}

export function definitionToRow(d: DefinitionRecord): Row {
  return {
    id: d.id,
    process_key: d.processKey,
    version: d.version,
    name: d.name,
    version_tag: d.versionTag,
    checksum: d.checksum,
    xml: d.xml,
    deployed_by: d.deployedBy,
    deployed_at: dbTime(d.deployedAt),
  };
}

export function instanceFromRow(r: Row): InstanceRecord {
  return {
    id: String(r.id),
    definitionId: String(r.definition_id),
    processKey: String(r.process_key),
    businessKey: str(r.business_key),
    initiator: str(r.initiator),
    parentInstanceId: str(r.parent_instance_id),
    parentExecutionId: str(r.parent_execution_id),
    orgCode: str(r.org_code),
    orgPath: str(r.org_path),
    status: r.status as InstanceRecord['status'],
    version: Number(r.version),
    endReason: str(r.end_reason),
    startedAt: toTime(r.started_at),
    endedAt: toOptionalTime(r.ended_at),
    updatedAt: toTime(r.updated_at),
  };
}

export function instanceToRow(i: InstanceRecord): Row {
  return {
    id: i.id,
    definition_id: i.definitionId,
    process_key: i.processKey,
    business_key: i.businessKey,
    initiator: i.initiator,
    parent_instance_id: i.parentInstanceId,
    parent_execution_id: i.parentExecutionId,
    org_code: i.orgCode,
    org_path: i.orgPath,
    status: i.status,
    version: i.version,
    end_reason: i.endReason,
    started_at: dbTime(i.startedAt),
    ended_at: dbTime(i.endedAt),
    updated_at: dbTime(i.updatedAt),
  };
}

export function executionFromRow(r: Row): ExecutionRecord {
  return {
    id: String(r.id),
    instanceId: String(r.instance_id),
    parentId: str(r.parent_id),
    elementId: String(r.element_id),
    state: r.state as ExecutionRecord['state'],
    arrivedVia: str(r.arrived_via),
    variables: parseJson(r.vars_json),
    createdAt: toTime(r.created_at),
  };
}

export function executionToRow(e: ExecutionRecord): Row {
  return {
    id: e.id,
    instance_id: e.instanceId,
    parent_id: e.parentId,
    element_id: e.elementId,
    state: e.state,
    arrived_via: e.arrivedVia,
    vars_json: e.variables === null ? null : JSON.stringify(e.variables),
    created_at: dbTime(e.createdAt),
  };
}

export function taskFromRow(r: Row, candidates: { kind: string; value: string }[]): TaskRecord {
  return {
    id: String(r.id),
    instanceId: String(r.instance_id),
    executionId: String(r.execution_id),
    processKey: String(r.process_key),
    elementId: String(r.element_id),
    name: str(r.name),
    state: r.state as TaskRecord['state'],
    assignee: str(r.assignee),
    owner: str(r.owner),
    delegationState: str(r.delegation_state) as TaskRecord['delegationState'],
    signerOf: str(r.signer_of),
    signerMode: str(r.signer_mode) as TaskRecord['signerMode'],
    addedBy: str(r.added_by),
    candidateUsers: candidates.filter((c) => c.kind === 'user').map((c) => c.value),
    candidateRoles: candidates.filter((c) => c.kind === 'role').map((c) => c.value),
    orgScope: str(r.org_scope),
    formKey: str(r.form_key),
    priority: Number(r.priority),
    dueAt: toOptionalTime(r.due_at),
    createdAt: toTime(r.created_at),
    endedAt: toOptionalTime(r.ended_at),
    completedBy: str(r.completed_by),
  };
}

/** Task rows with their candidate rows (`task_id`, `kind`, `value`; any order). */
export function tasksFromRows(rows: readonly Row[], candidates: readonly Row[]): TaskRecord[] {
  const byTask = new Map<string, { kind: string; value: string }[]>();
  for (const c of candidates) {
    const list = byTask.get(String(c.task_id)) ?? [];
    list.push({ kind: String(c.kind), value: String(c.value) });
    byTask.set(String(c.task_id), list);
  }
  return rows.map((r) => taskFromRow(r, byTask.get(String(r.id)) ?? []));
}

export function taskToRow(t: TaskRecord): Row {
  return {
    id: t.id,
    instance_id: t.instanceId,
    execution_id: t.executionId,
    process_key: t.processKey,
    element_id: t.elementId,
    name: t.name,
    state: t.state,
    assignee: t.assignee,
    owner: t.owner,
    delegation_state: t.delegationState,
    signer_of: t.signerOf,
    signer_mode: t.signerMode,
    added_by: t.addedBy,
    org_scope: t.orgScope,
    form_key: t.formKey,
    priority: t.priority,
    due_at: dbTime(t.dueAt),
    created_at: dbTime(t.createdAt),
    ended_at: dbTime(t.endedAt),
    completed_by: t.completedBy,
  };
}

export function candidateRows(t: TaskRecord): Row[] {
  return [
    ...new Set(t.candidateUsers.map((v) => `user\u0000${v}`)),
    ...new Set(t.candidateRoles.map((v) => `role\u0000${v}`)),
  ].map((pair) => {
    const [kind, value] = pair.split('\u0000');
    return { task_id: t.id, kind, value };
  });
}

export function jobFromRow(r: Row): JobRecord {
  return {
    id: String(r.id),
    instanceId: str(r.instance_id),
    executionId: str(r.execution_id),
    definitionId: str(r.definition_id),
    elementId: String(r.element_id),
    kind: r.kind as JobRecord['kind'],
    taskType: str(r.task_type),
    state: r.state as JobRecord['state'],
    attempt: Number(r.attempt),
    retriesLeft: Number(r.retries_left),
    publishSeq: Number(r.publish_seq),
    fireCount: Number(r.fire_count),
    payload: parseJson(r.payload_json),
    lastError: str(r.last_error),
    dueAt: toTime(r.due_at),
    publishedAt: toOptionalTime(r.published_at),
    createdAt: toTime(r.created_at),
    updatedAt: toTime(r.updated_at),
  };
}

export function jobToRow(j: JobRecord): Row {
  return {
    id: j.id,
    instance_id: j.instanceId,
    execution_id: j.executionId,
    definition_id: j.definitionId,
    element_id: j.elementId,
    kind: j.kind,
    task_type: j.taskType,
    state: j.state,
    attempt: j.attempt,
    retries_left: j.retriesLeft,
    publish_seq: j.publishSeq,
    fire_count: j.fireCount,
    payload_json: j.payload === null ? null : JSON.stringify(j.payload),
    last_error: j.lastError,
    due_at: dbTime(j.dueAt),
    published_at: dbTime(j.publishedAt),
    created_at: dbTime(j.createdAt),
    updated_at: dbTime(j.updatedAt),
  };
}

export function incidentFromRow(r: Row): IncidentRecord {
  return {
    id: String(r.id),
    instanceId: String(r.instance_id),
    executionId: String(r.execution_id),
    elementId: String(r.element_id),
    jobId: str(r.job_id),
    code: String(r.code),
    message: String(r.message),
    state: r.state as IncidentRecord['state'],
    createdAt: toTime(r.created_at),
    resolvedAt: toOptionalTime(r.resolved_at),
    resolvedBy: str(r.resolved_by),
  };
}

export function incidentToRow(i: IncidentRecord): Row {
  return {
    id: i.id,
    instance_id: i.instanceId,
    execution_id: i.executionId,
    element_id: i.elementId,
    job_id: i.jobId,
    code: i.code,
    message: i.message,
    state: i.state,
    created_at: dbTime(i.createdAt),
    resolved_at: dbTime(i.resolvedAt),
    resolved_by: i.resolvedBy,
  };
}

export function historyToRow(instanceId: string, seq: number, idx: number, h: HistoryRecord): Row {
  return {
    instance_id: instanceId,
    seq,
    idx,
    type: h.type,
    element_id: h.elementId,
    element_type: h.elementType,
    execution_id: h.executionId,
    task_id: h.taskId,
    actor: h.actor,
    data_json: h.data === null ? null : JSON.stringify(h.data),
    at: dbTime(h.at),
  };
}

export function historyFromRow(r: Row): StoredHistoryRecord {
  return {
    id: Number(r.id),
    instanceId: String(r.instance_id),
    seq: Number(r.seq),
    idx: Number(r.idx),
    type: r.type as StoredHistoryRecord['type'],
    elementId: str(r.element_id),
    elementType: str(r.element_type),
    executionId: str(r.execution_id),
    taskId: str(r.task_id),
    actor: str(r.actor),
    at: toTime(r.at),
    data:
      r.data_json === null || r.data_json === undefined
        ? null
        : (JSON.parse(String(r.data_json)) as Record<string, unknown>),
  };
}

export function subscriptionFromRow(r: Row): SubscriptionRecord {
  return {
    id: String(r.id),
    kind: r.kind as SubscriptionRecord['kind'],
    name: String(r.name),
    correlationKey: str(r.correlation_key),
    instanceId: str(r.instance_id),
    executionId: str(r.execution_id),
    definitionId: str(r.definition_id),
    processKey: str(r.process_key),
    elementId: String(r.element_id),
    createdAt: toTime(r.created_at),
  };
}

export function subscriptionToRow(s: SubscriptionRecord): Row {
  return {
    id: s.id,
    kind: s.kind,
    name: s.name,
    correlation_key: s.correlationKey,
    instance_id: s.instanceId,
    execution_id: s.executionId,
    definition_id: s.definitionId,
    process_key: s.processKey,
    element_id: s.elementId,
    created_at: dbTime(s.createdAt),
  };
}

export function messageFromRow(r: Row): MessageRecord {
  return {
    id: String(r.id),
    messageId: String(r.message_id),
    name: String(r.name),
    correlationKey: str(r.correlation_key),
    variables: parseJson(r.variables_json) ?? {},
    state: r.state as MessageRecord['state'],
    instanceId: str(r.instance_id),
    expiresAt: toOptionalTime(r.expires_at),
    createdAt: toTime(r.created_at),
    correlatedAt: toOptionalTime(r.correlated_at),
  };
}

export function messageToRow(m: MessageRecord): Row {
  return {
    id: m.id,
    message_id: m.messageId,
    name: m.name,
    correlation_key: m.correlationKey,
    variables_json: JSON.stringify(m.variables),
    state: m.state,
    instance_id: m.instanceId,
    expires_at: dbTime(m.expiresAt),
    created_at: dbTime(m.createdAt),
    correlated_at: dbTime(m.correlatedAt),
  };
}

function parseJson(value: unknown): Record<string, unknown> | null {
  return value === null || value === undefined
    ? null
    : (JSON.parse(String(value)) as Record<string, unknown>);
}

export function carbonCopyToRow(c: CarbonCopyRecord): Row {
  return {
    id: c.id,
    instance_id: c.instanceId,
    task_id: c.taskId,
    user_id: c.userId,
    sent_by: c.sentBy,
    note: c.note,
    created_at: dbTime(c.createdAt),
    read_at: dbTime(c.readAt),
  };
}

export function carbonCopyFromRow(r: Row): CarbonCopyRecord {
  return {
    id: String(r.id),
    instanceId: String(r.instance_id),
    taskId: str(r.task_id),
    userId: String(r.user_id),
    sentBy: str(r.sent_by),
    note: str(r.note),
    createdAt: toTime(r.created_at),
    readAt: toOptionalTime(r.read_at),
  };
}
