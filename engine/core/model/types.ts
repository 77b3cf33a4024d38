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
  | 'subProcess';

/** What an end event does: `none` ends its token, `terminate` ends every token of its scope. */
export type EndEventKind = 'none' | 'terminate';

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
  /** ISO 8601 duration until the task is due, e.g. `P3D`. */
  readonly dueIn?: string;
  readonly formKey?: string;
  readonly priority?: number;
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
  /** Id of the process-level none start event. */
  readonly startEventId: string;
  readonly elements: Readonly<Record<string, ExecutableElement>>;
  readonly flows: Readonly<Record<string, ExecutableFlow>>;
}

/** One compiled deployment unit: every executable process of a BPMN file. */
export interface ExecutableModel {
  readonly processes: Readonly<Record<string, ExecutableProcess>>;
}
