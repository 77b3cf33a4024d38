/** The API's JSON shapes the pages use (see /api/openapi.json for the full contract). */
export interface Task {
  id: string;
  name: string | null;
  taskDefinitionKey: string;
  processDefinitionKey: string;
  processDefinitionId: string | null;
  processInstanceId: string;
  businessKey: string | null;
  initiator: string | null;
  state: 'routing' | 'created' | 'suspended' | 'completed' | 'canceled';
  assignee: string | null;
  owner: string | null;
  delegationState: 'pending' | 'resolved' | null;
  candidateUsers: string[];
  candidateGroups: string[];
  signerOf: string | null;
  signerMode: string | null;
  formKey: string | null;
  priority: number;
  created: string;
  due: string | null;
  endTime: string | null;
  completedBy: string | null;
  operations: string[];
}

export interface TaskForm {
  task: Task;
  formKey: string | null;
  variables: Record<string, unknown>;
  fields: { readOnly: string[]; hidden: string[]; editable: string[] | null };
}

export interface Instance {
  id: string;
  processDefinitionId: string;
  processDefinitionKey: string;
  businessKey: string | null;
  initiator: string | null;
  orgCode: string | null;
  status: 'running' | 'completed' | 'canceled' | 'rejected';
  ended: boolean;
  endReason: string | null;
  startedAt: string;
  endedAt: string | null;
}

export interface Incident {
  id: string;
  processInstanceId: string;
  activityId: string;
  code: string;
  message: string;
  state: 'open' | 'resolved';
  createdAt: string;
  resolvedAt: string | null;
}

export interface InstanceDetail extends Instance {
  processDefinitionVersion: number;
  variables: Record<string, unknown>;
  activeActivityIds: string[];
  completedActivityIds: string[];
  incidents: Incident[];
}

export interface Person {
  userId: string;
  name: string | null;
  orgCode: string | null;
  orgName: string | null;
}

export interface TimelineEntry {
  seq: number;
  time: string;
  action: string;
  actionLabel: string;
  actor: Person | null;
  activityId: string | null;
  activityName: string | null;
  taskId: string | null;
  comment: string | null;
}

export interface DiagramState {
  completed: Record<string, number>;
  active: Record<string, number>;
  incidents: Record<string, number>;
  returned: Record<string, number>;
  returnedTo: Record<string, number>;
  terminated: Record<string, number>;
  sequenceFlowsTaken: Record<string, number>;
}

export interface RemainingPath {
  processInstanceId: string;
  ended: boolean;
  current: {
    activityId: string;
    name: string | null;
    type: string;
    commentRequired: boolean;
    allowedOperations: string[];
    formKey: string | null;
  }[];
  steps: {
    activityId: string;
    name: string | null;
    type: string;
    certain: boolean;
    approvers: Person[];
    rule: {
      candidateRoles: string[];
      orgScope: string | null;
      divisionType: string | null;
      label: string;
    } | null;
    countersign: boolean;
    note: string | null;
  }[];
}

export interface Definition {
  id: string;
  key: string;
  version: number;
  name: string | null;
  versionTag: string | null;
}

export interface FormField {
  name: string;
  label: string;
  type:
    | 'text'
    | 'textarea'
    | 'integer'
    | 'amountFen'
    | 'percent'
    | 'date'
    | 'boolean'
    | 'code'
    | 'user'
    | 'org'
    | 'attachments'
    | 'table';
  required?: boolean;
  help?: string;
  maxLength?: number;
  min?: number;
  max?: number;
  codeList?: string;
  options?: { value: string; label: string }[];
  columns?: FormField[];
}

export interface FormDefinition {
  key: string;
  title: string;
  fields: FormField[];
}

export interface User {
  id: string;
  name: string;
  orgCode: string;
  orgName: string;
}

export interface Org {
  code: string;
  name: string;
  shortName: string;
  kind: string;
  level: 'province' | 'city' | 'county';
  parentCode: string | null;
  path: string;
}

export interface CarbonCopy {
  id: string;
  processInstanceId: string;
  taskId: string | null;
  userId: string;
  sentBy: string | null;
  note: string | null;
  created: string;
  readTime: string | null;
}
