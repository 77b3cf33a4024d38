/**
 * The executable model: what the runtime reads. Compiled once per deployment from the BPMN XML,
 * deeply frozen, with flat maps by id. Runtime code never touches bpmn-moddle objects.
 *
 * Deliberately not here: diagram interchange (shapes), lanes, documentation, anything the runtime
 * does not need to move a token.
 */

/** Element kinds the runtime has a behavior for (one file each in runtime/behaviors/). */
export type ElementKind =
  | 'startEvent'
  | 'endEvent'
  | 'intermediateThrowEvent'
  | 'task'
  | 'manualTask'
  | 'userTask'
  | 'serviceTask'
  | 'scriptTask'
  | 'exclusiveGateway'
  | 'parallelGateway'
  | 'inclusiveGateway'
  | 'subProcess'
  | 'intermediateCatchEvent'
  | 'boundaryEvent'
  | 'receiveTask'
  | 'sendTask'
  | 'eventBasedGateway'
  | 'callActivity';

/** What an end event does: `none` ends its token, `terminate` ends every token of its scope. */
export type EndEventKind = 'none' | 'terminate';

/**
 * The single event definition of an event (BPMN allows several; we reject "multiple" events at deploy).
 * Timer values are kept as written: an ISO 8601 text, or a FEEL expression (leading `=`) evaluated when the
 * timer is scheduled. `workingDays` (`fiscal:workingDays="true"` on the timer definition) counts the days of a
 * duration on the working-day calendar.
 */
export type EventDefinition =
  | { readonly type: 'timer'; readonly timer: TimerDefinition }
  | {
      readonly type: 'message';
      readonly messageName: string;
      /** Evaluated when the subscription opens (catch, boundary, receive task, event sub-process start). */
      readonly correlationKey?: CompiledExpression;
    }
  | { readonly type: 'signal'; readonly signalName: string }
  /** `errorCode` null on a catch means "any error"; on a throw it is always set. */
  | { readonly type: 'error'; readonly errorCode: string | null; readonly errorMessage?: string }
  /** `escalationCode` null on a catch means "any escalation". */
  | { readonly type: 'escalation'; readonly escalationCode: string | null }
  | { readonly type: 'terminate' };

export interface TimerDefinition {
  readonly kind: 'date' | 'duration' | 'cycle';
  /** ISO 8601 text, or a FEEL expression yielding one (`expression` set). */
  readonly text?: string;
  readonly expression?: CompiledExpression;
  readonly workingDays: boolean;
}

/** `<fiscal:in>` / `<fiscal:out>` mappings (call activities, message payloads): `target` gets the value of FEEL `source`. */
export interface VariableMapping {
  readonly source: CompiledExpression;
  readonly target: string;
}

export interface CalledElement {
  /** Process key (`calledElement` attribute). */
  readonly processKey: string;
  /** Which version: latest deployed, the one deployed together with the caller, a fixed version, or a version tag. */
  readonly binding: 'latest' | 'deployment' | 'version' | 'versionTag';
  readonly version?: number;
  readonly versionTag?: string;
  /** All variables are passed in and out (`fiscal:propagateAllVariables`; default true when no mappings are given). */
  readonly inputs: readonly VariableMapping[];
  readonly outputs: readonly VariableMapping[];
  readonly propagateAll: boolean;
}

/**
 * Multi-instance (BPMN multiInstanceLoopCharacteristics) plus the approval presets a designer picks
 * (`fiscal:approvalPreset`): 会签 `all` (every reviewer must approve; one rejection decides), 或签 `any` (the first
 * decision wins), 依次 `sequential` (one after another, a rejection stops), 比例 `ratio` (pass when
 * approvals ≥ `ratioPercent` % of instances; reject as soon as that can no longer be reached). Presets compile to
 * `isSequential` and a completion rule; the runtime writes the decision to `resultVariable`.
 */
export interface MultiInstance {
  readonly isSequential: boolean;
  /** FEEL yielding a list; one instance per item, bound to `elementVariable`. */
  readonly collection?: CompiledExpression;
  readonly elementVariable?: string;
  /** FEEL yielding a count (when there is no collection). */
  readonly cardinality?: CompiledExpression;
  /** FEEL over nrOfInstances, nrOfActiveInstances, nrOfCompletedInstances, nrOfApproved, nrOfRejected. */
  readonly completionCondition?: CompiledExpression;
  readonly preset?: 'all' | 'any' | 'sequential' | 'ratio';
  readonly ratioPercent?: number;
  /** Variable each completed instance sets to true/false to count as approved/rejected (default `approved`). */
  readonly outcomeVariable: string;
  /** Where the decision of a preset ('approved' | 'rejected') is written when the activity completes (default `approvalResult`). */
  readonly resultVariable: string;
}

/** A FEEL expression as written (leading `=` removed); syntax already checked at deploy. */
export interface CompiledExpression {
  readonly source: string;
}

/** `fiscal:*` attributes of a user task that say who should get it and when it is due. */
export interface TaskAssignment {
  /** Literal user id, or a FEEL expression (written with a leading `=`) yielding one. */
  readonly assignee?: CompiledExpression | { readonly literal: string };
  /** Literal user ids, or one FEEL expression yielding a list of user ids. */
  readonly candidateUsers?: CompiledExpression | { readonly literal: readonly string[] };
  /** Role codes (经办人, 审核人 …) resolved by the routing step against the org directory. */
  readonly candidateRoles?: readonly string[];
  /** Org scope rule for the roles, kept as written; interpreted by routing. */
  readonly orgScope?: string;
  /** The division inside the scope's finance bureau (`treasury`, `budget` …), `fiscal:divisionType`. */
  readonly divisionType?: string;
  /** When the initiator is among the approvers: approve anyway, skip the step, or pass to their supervisor. */
  readonly ifInitiatorIsApprover?: 'approve' | 'skip' | 'supervisor';
  /** When the approver of the previous step is the approver here: approve each time, or once (skip this step). */
  readonly ifSameApprover?: 'each' | 'once';
  /** When nobody is found: raise an incident (default), pass automatically, or route to the process admin. */
  readonly ifNoApprover?: 'incident' | 'autoPass' | 'admin';
  /** ISO 8601 duration until the task is due, e.g. `P3D`. */
  readonly dueIn?: string;
  /** Count the days of `dueIn` on the working-day calendar (`fiscal:dueInWorkingDays`). */
  readonly dueInWorkingDays?: boolean;
  /** ISO 8601 duration before the due time when the holders are reminded (`fiscal:remindBefore`, e.g. `P1D`). */
  readonly remindBefore?: string;
  readonly formKey?: string;
  readonly priority?: number;
}

/** The approval operations a user task may offer (`fiscal:allowedOperations`, comma-separated; absent = all). */
export const APPROVAL_OPERATIONS = [
  'approve',
  'reject',
  'return',
  'withdraw',
  'transfer',
  'delegate',
  'addSigners',
  'removeSigners',
  'cc',
  'urge',
] as const;
export type ApprovalOperation = (typeof APPROVAL_OPERATIONS)[number];

/** How a user task behaves as an approval step. */
export interface ApprovalSettings {
  /**
   * After a 退回 from this step and the fix: `restart` runs the path again from the returned-to step;
   * `direct` jumps straight back to this step (`fiscal:resubmitStrategy`, default restart).
   */
  readonly resubmitStrategy: 'restart' | 'direct';
  /** 意见 required for approve / reject / return (`fiscal:commentRequired`). */
  readonly commentRequired: boolean;
  readonly allowedOperations: readonly ApprovalOperation[];
  /**
   * Field permissions of the step (enforced by the engine, not only the UI): `readOnly` variables may not be
   * written, `hidden` ones are neither written nor shown; when `editable` is given, only those may be written.
   */
  readonly fields: {
    readonly readOnly: readonly string[];
    readonly hidden: readonly string[];
    readonly editable?: readonly string[];
  };
}

export interface ExecutableElement {
  readonly id: string;
  readonly kind: ElementKind;
  /** The BPMN type as in the XML, e.g. `bpmn:UserTask` (used in messages and history). */
  readonly bpmnType: string;
  readonly name?: string;
  /** Id of the enclosing sub-process, or null at process level. */
  readonly scopeId: string | null;
  /** Ids of incoming / outgoing sequence flows, in document order. */
  readonly incoming: readonly string[];
  readonly outgoing: readonly string[];
  /** Default flow id of a gateway or activity. */
  readonly defaultFlowId?: string;
  /** End events only. */
  readonly endEventKind?: EndEventKind;
  /** User tasks only. */
  readonly assignment?: TaskAssignment;
  /** User tasks only. */
  readonly approval?: ApprovalSettings;
  /** Service tasks only: the handler key (`fiscal:taskType`). */
  readonly taskType?: string;
  /** Service tasks only: how many attempts in all (`fiscal:retries`, default 3). */
  readonly retries?: number;
  /** Service tasks only: ISO 8601 duration of the first backoff (`fiscal:retryBackoff`, default PT10S), doubled each time. */
  readonly retryBackoff?: string;
  /** Script tasks only: the FEEL expression whose value is written to `resultVariable`. */
  readonly script?: CompiledExpression;
  readonly resultVariable?: string;
  /** Sub-processes only: the id of its none start event, and the ids of its direct child flow nodes. */
  readonly startEventId?: string;
  readonly childIds?: readonly string[];
  /** Events: the event definition (absent for none events). */
  readonly eventDefinition?: EventDefinition;
  /** Boundary events: the activity they are attached to, and whether they interrupt it (`cancelActivity`). */
  readonly attachedToId?: string;
  readonly cancelActivity?: boolean;
  /** Activities: ids of the boundary events attached to them, in document order. */
  readonly boundaryIds?: readonly string[];
  /** Sub-processes and the process scope: ids of their event sub-processes. */
  readonly eventSubProcessIds?: readonly string[];
  /** Event sub-processes: true; their single start event carries the trigger. */
  readonly triggeredByEvent?: boolean;
  /** Start events of event sub-processes: whether they interrupt the enclosing scope (`isInterrupting`, default true). */
  readonly interrupting?: boolean;
  /** Call activities only. */
  readonly calledElement?: CalledElement;
  /** Activities with multi-instance loop characteristics. */
  readonly multiInstance?: MultiInstance;
  /** Send tasks / message throw and end events: the message to publish. */
  readonly messageName?: string;
  /** Its payload: `<fiscal:in>` mappings evaluated when the message is sent (none: an empty payload). */
  readonly messagePayload?: readonly VariableMapping[];
}

export interface ExecutableFlow {
  readonly id: string;
  readonly name?: string;
  readonly sourceId: string;
  readonly targetId: string;
  readonly condition?: CompiledExpression;
}

export interface ExecutableProcess {
  /** The process id in the XML; it is the key that versions are counted under. */
  readonly key: string;
  readonly name?: string;
  /** `fiscal:versionTag`, free text chosen by the designer. */
  readonly versionTag?: string;
  /** Who may start it: users holding one of these roles (`fiscal:starterRoles`); empty = anyone the server lets in. */
  readonly starterRoles: readonly string[];
  /** Id of the process-level none start event (absent when the process starts only by timer, message or signal). */
  readonly startEventId?: string;
  /** Ids of process-level start events with a timer, message or signal definition. */
  readonly eventStartIds: readonly string[];
  /** Ids of the event sub-processes directly inside the process. */
  readonly eventSubProcessIds: readonly string[];
  readonly elements: Readonly<Record<string, ExecutableElement>>;
  readonly flows: Readonly<Record<string, ExecutableFlow>>;
}

/** One compiled deployment unit: every executable process of a BPMN file. */
export interface ExecutableModel {
  readonly processes: Readonly<Record<string, ExecutableProcess>>;
}
