/**
 * Moddle definitions → the executable model (types.ts): one `ExecutableProcess` per deployable process, with
 * sub-processes (plain and event sub-processes) flattened into the same `elements` map (linked by `scopeId`,
 * `childIds`, `startEventId`, `eventSubProcessIds`), `incoming`/`outgoing` as sequence flow ids in document
 * order, and FEEL normalized (leading `=` dropped).
 *
 * Optional fields appear only where they apply: `eventDefinition` on events with one (and on receive / send
 * tasks: their message), `boundaryIds` on activities that have boundary events, `eventSubProcessIds` on
 * sub-processes that contain event sub-processes (the process always has the list), `interrupting` on the start
 * events of event sub-processes, `attachedToId` / `cancelActivity` on boundary events. A boundary event's
 * `scopeId` is the scope of its activity.
 *
 * Only call this on definitions that `validateDefinitions` accepted: it throws on anything the rules reject.
 * Maps keyed by element id are created with `Object.create(null)`, so ids such as `__proto__` or
 * `constructor` are ordinary keys; the result is deeply frozen.
 */
import { normalizeExpression } from '../expr/feel.js';
import { PROCESS_START_DEFINITIONS } from './rules/executable-process.js';
import {
  type BpmnElement,
  type ModelIndex,
  SEQUENCE_FLOW,
  elementId,
  elementProp,
  eventDefinition,
  eventDefinitionType,
  expressionText,
  indexDefinitions,
  isEventSubProcess,
  isWalkedSubProcess,
  noneStartEvents,
  numberProp,
  stringProp,
  variableMappings,
} from './rules/rule.js';
import { supportedElement } from './rules/supported-elements.js';
import { APPROVAL_OPERATIONS } from './types.js';
import type {
  ApprovalOperation,
  ApprovalSettings,
  CalledElement,
  CompiledExpression,
  EventDefinition,
  ExecutableElement,
  ExecutableFlow,
  ExecutableModel,
  ExecutableProcess,
  MultiInstance,
  TaskAssignment,
  TimerDefinition,
  VariableMapping,
} from './types.js';

export const DEFAULT_RETRIES = 3;
export const DEFAULT_RETRY_BACKOFF = 'PT10S';
/** Multi-instance: the variable each instance sets to true/false (approved/rejected). */
export const DEFAULT_OUTCOME_VARIABLE = 'approved';
/** Multi-instance presets: where the decision ('approved' | 'rejected') is written. */
export const DEFAULT_RESULT_VARIABLE = 'approvalResult';

/** Compiles validated definitions into the frozen executable model. */
export function compileDefinitions(definitions: BpmnElement): ExecutableModel {
  const index = indexDefinitions(definitions);
  const boundaries = boundariesByActivity(index);
  const processes = Object.create(null) as Record<string, ExecutableProcess>;
  for (const process of index.deployable) {
    const compiled = compileProcess(process, index, boundaries);
    processes[compiled.key] = compiled;
  }
  return deepFreeze({ processes });
}

// helpers //////

function compileProcess(
  process: BpmnElement,
  index: ModelIndex,
  boundaries: ReadonlyMap<BpmnElement, readonly BpmnElement[]>,
): ExecutableProcess {
  const key = requireId(process);
  const elements = Object.create(null) as Record<string, ExecutableElement>;
  const flows = Object.create(null) as Record<string, ExecutableFlow>;

  // scopes in walk order (parents before children), no recursion
  const scopes: BpmnElement[] = [process];
  for (let i = 0; i < scopes.length; i++) {
    const scope = scopes[i] as BpmnElement;
    const scopeId = scope === process ? null : requireId(scope);
    for (const element of index.children.get(scope) ?? []) {
      if (element.$type === SEQUENCE_FLOW) {
        const flow = compileFlow(element);
        flows[flow.id] = flow;
        continue;
      }
      const supported = supportedElement(element, scope);
      if (!supported) continue; // data objects and other ignored elements carry no behavior
      const compiled = compileElement(element, supported.kind, { scope, scopeId, index, boundaries });
      elements[compiled.id] = compiled;
      if (isWalkedSubProcess(element)) scopes.push(element);
    }
  }

  const direct = index.children.get(process) ?? [];
  const start = noneStartEvents(direct)[0];
  const eventStarts = direct.filter(
    (element) =>
      element.$type === 'bpmn:StartEvent' &&
      PROCESS_START_DEFINITIONS.includes(eventDefinitionType(element) ?? ''),
  );
  if (!start && eventStarts.length === 0) {
    throw new Error(`Expected process ${key} to have a start event, but it has none`);
  }

  return {
    key,
    ...optional('name', stringProp(process, 'name')),
    ...optional('versionTag', stringProp(process, 'versionTag')),
    starterRoles: commaList(stringProp(process, 'starterRoles') ?? ''),
    ...optional('startEventId', start ? requireId(start) : undefined),
    eventStartIds: eventStarts.map(requireId),
    eventSubProcessIds: direct.filter(isEventSubProcess).map(requireId),
    elements,
    flows,
  };
}

interface CompileContext {
  /** The process or sub-process the element sits in, and its id (null at process level). */
  readonly scope: BpmnElement;
  readonly scopeId: string | null;
  readonly index: ModelIndex;
  readonly boundaries: ReadonlyMap<BpmnElement, readonly BpmnElement[]>;
}

function compileElement(
  element: BpmnElement,
  kind: ExecutableElement['kind'],
  { scope, scopeId, index, boundaries }: CompileContext,
): ExecutableElement {
  const id = requireId(element);
  const attachedTo = kind === 'boundaryEvent' ? elementProp(element, 'attachedToRef') : undefined;
  const loop = elementProp(element, 'loopCharacteristics');
  const attached = boundaries.get(element) ?? [];
  const base = {
    id,
    kind,
    bpmnType: element.$type,
    ...optional('name', stringProp(element, 'name')),
    // a boundary event belongs to the scope of the activity it is attached to
    scopeId: attachedTo ? scopeIdOf(attachedTo, index) : scopeId,
    incoming: (index.incoming.get(element) ?? []).map(requireId),
    outgoing: (index.outgoing.get(element) ?? []).map(requireId),
    ...optional('defaultFlowId', elementId(elementProp(element, 'default'))),
    ...optional('eventDefinition', compileEventDefinition(element)),
    ...optional('boundaryIds', attached.length > 0 ? attached.map(requireId) : undefined),
    ...optional(
      'multiInstance',
      loop?.$type === 'bpmn:MultiInstanceLoopCharacteristics' ? compileMultiInstance(loop) : undefined,
    ),
  };

  switch (kind) {
    case 'startEvent':
      return isEventSubProcess(scope) ? { ...base, interrupting: element.isInterrupting !== false } : base;
    case 'endEvent': {
      const terminate = eventDefinitionType(element) === 'bpmn:TerminateEventDefinition';
      return {
        ...base,
        endEventKind: terminate ? 'terminate' : 'none',
        ...messageThrow(element),
      };
    }
    case 'intermediateThrowEvent':
      return { ...base, ...messageThrow(element) };
    case 'boundaryEvent':
      return {
        ...base,
        attachedToId: requireId(attachedTo),
        cancelActivity: element.cancelActivity !== false,
      };
    case 'sendTask':
      return { ...base, ...messageThrow(element) };
    case 'userTask':
      return { ...base, assignment: compileAssignment(element), approval: compileApproval(element) };
    case 'serviceTask':
      return {
        ...base,
        taskType: (stringProp(element, 'taskType') ?? '').trim(),
        retries: numberProp(element, 'retries') ?? DEFAULT_RETRIES,
        retryBackoff: stringProp(element, 'retryBackoff') ?? DEFAULT_RETRY_BACKOFF,
      };
    case 'scriptTask':
      return {
        ...base,
        script: expression(stringProp(element, 'script') ?? ''),
        resultVariable: (stringProp(element, 'resultVariable') ?? '').trim(),
      };
    case 'callActivity':
      return { ...base, calledElement: compileCalledElement(element) };
    case 'subProcess': {
      const children = index.children.get(element) ?? [];
      const triggered = isEventSubProcess(element);
      // an event sub-process starts at its single (event) start event, a plain one at its none start event
      const start = triggered
        ? children.find((child) => child.$type === 'bpmn:StartEvent')
        : noneStartEvents(children)[0];
      if (!start) throw new Error(`Expected sub-process ${id} to have a start event, but it has none`);
      const eventSubProcesses = children.filter(isEventSubProcess);
      return {
        ...base,
        startEventId: requireId(start),
        childIds: children.filter((child) => supportedElement(child, element) !== undefined).map(requireId),
        ...optional(
          'eventSubProcessIds',
          eventSubProcesses.length > 0 ? eventSubProcesses.map(requireId) : undefined,
        ),
        ...optional('triggeredByEvent', triggered ? true : undefined),
      };
    }
    default:
      return base;
  }
}

/** The event definition of an event or receive task (receive tasks wait for their `messageRef`). */
function compileEventDefinition(element: BpmnElement): EventDefinition | undefined {
  if (element.$type === 'bpmn:ReceiveTask' || element.$type === 'bpmn:SendTask') {
    return compileMessage(element, element);
  }
  const definition = eventDefinition(element);
  if (!definition) return undefined;
  switch (definition.$type) {
    case 'bpmn:TimerEventDefinition':
      return { type: 'timer', timer: compileTimer(definition) };
    case 'bpmn:MessageEventDefinition':
      return compileMessage(definition, definition);
    case 'bpmn:SignalEventDefinition':
      return { type: 'signal', signalName: requireName(elementProp(definition, 'signalRef'), 'name') };
    case 'bpmn:ErrorEventDefinition': {
      const error = elementProp(definition, 'errorRef');
      return {
        type: 'error',
        errorCode: error ? requireName(error, 'errorCode') : null,
        // a thrown error carries the bpmn:Error's name as its message (for the incident / the catching side)
        ...optional(
          'errorMessage',
          error && element.$type === 'bpmn:EndEvent' ? nonEmpty(stringProp(error, 'name')) : undefined,
        ),
      };
    }
    case 'bpmn:EscalationEventDefinition': {
      const escalation = elementProp(definition, 'escalationRef');
      return {
        type: 'escalation',
        escalationCode: escalation ? requireName(escalation, 'escalationCode') : null,
      };
    }
    case 'bpmn:TerminateEventDefinition':
      return { type: 'terminate' };
    default:
      throw new Error(
        `Expected a supported event definition on ${elementId(element) ?? element.$type}, but got ${definition.$type}`,
      );
  }
}

/** A message definition: the name of `messageRef` on `refHolder`, the correlation key on `keyHolder`. */
function compileMessage(refHolder: BpmnElement, keyHolder: BpmnElement): EventDefinition {
  const key = stringProp(keyHolder, 'correlationKey');
  return {
    type: 'message',
    messageName: requireName(elementProp(refHolder, 'messageRef'), 'name'),
    ...optional('correlationKey', key === undefined ? undefined : expression(key)),
  };
}

/** A timer: which of timeDate / timeDuration / timeCycle, as ISO text or as FEEL, and `fiscal:workingDays`. */
function compileTimer(definition: BpmnElement): TimerDefinition {
  for (const [property, kind] of TIMER_PROPERTIES) {
    const text = expressionText(definition, property);
    if (text === undefined) continue;
    const trimmed = text.trim();
    return {
      kind,
      ...(isExpression(trimmed) ? { expression: expression(trimmed) } : { text: trimmed }),
      workingDays: definition.workingDays === true,
    };
  }
  throw new Error('Expected a timer definition with timeDate, timeDuration or timeCycle, but it has none');
}

const TIMER_PROPERTIES = [
  ['timeDate', 'date'],
  ['timeDuration', 'duration'],
  ['timeCycle', 'cycle'],
] as const;

/** The message a send task or a message throw / end event publishes. */
function publishedMessage(element: BpmnElement): string | undefined {
  const definition = compileEventDefinition(element);
  return definition?.type === 'message' ? definition.messageName : undefined;
}

function compileCalledElement(element: BpmnElement): CalledElement {
  const binding = (stringProp(element, 'calledElementBinding') ?? 'latest') as CalledElement['binding'];
  const { inputs, outputs } = variableMappings(element);
  const propagate = element.propagateAllVariables;
  return {
    processKey: (stringProp(element, 'calledElement') ?? '').trim(),
    binding,
    ...optional('version', binding === 'version' ? numberProp(element, 'calledElementVersion') : undefined),
    ...optional(
      'versionTag',
      binding === 'versionTag' ? stringProp(element, 'calledElementVersionTag')?.trim() : undefined,
    ),
    inputs: inputs.map(compileMapping),
    outputs: outputs.map(compileMapping),
    propagateAll: typeof propagate === 'boolean' ? propagate : inputs.length === 0 && outputs.length === 0,
  };
}

/** A message throw: the message name and its payload (`fiscal:in` mappings evaluated when it is sent). */
function messageThrow(element: BpmnElement): {
  messageName?: string;
  messagePayload?: readonly VariableMapping[];
} {
  const messageName = publishedMessage(element);
  if (messageName === undefined) return {};
  const { inputs } = variableMappings(element);
  return {
    messageName,
    ...optional('messagePayload', inputs.length > 0 ? inputs.map(compileMapping) : undefined),
  };
}

function compileMapping(mapping: BpmnElement): VariableMapping {
  return {
    source: expression(stringProp(mapping, 'source') ?? ''),
    target: (stringProp(mapping, 'target') ?? '').trim(),
  };
}

/** Multi-instance settings; the `sequential` preset always runs sequentially. */
function compileMultiInstance(loop: BpmnElement): MultiInstance {
  const preset = stringProp(loop, 'approvalPreset') as MultiInstance['preset'] | undefined;
  const collection = stringProp(loop, 'collection');
  const cardinality = expressionText(loop, 'loopCardinality');
  const completion = expressionText(loop, 'completionCondition');
  return {
    isSequential: preset === 'sequential' || loop.isSequential === true,
    ...optional('collection', collection === undefined ? undefined : expression(collection)),
    ...optional('elementVariable', stringProp(loop, 'elementVariable')?.trim()),
    ...optional('cardinality', cardinality === undefined ? undefined : expression(cardinality)),
    ...optional('completionCondition', completion === undefined ? undefined : expression(completion)),
    ...optional('preset', preset),
    ...optional('ratioPercent', preset === 'ratio' ? numberProp(loop, 'approvalRatio') : undefined),
    outcomeVariable: nonEmpty(stringProp(loop, 'outcomeVariable')) ?? DEFAULT_OUTCOME_VARIABLE,
    resultVariable: nonEmpty(stringProp(loop, 'resultVariable')) ?? DEFAULT_RESULT_VARIABLE,
  };
}

/** Boundary events by the activity they are attached to, in document order. */
function boundariesByActivity(index: ModelIndex): Map<BpmnElement, BpmnElement[]> {
  const byActivity = new Map<BpmnElement, BpmnElement[]>();
  for (const { element } of index.elements) {
    if (element.$type !== 'bpmn:BoundaryEvent') continue;
    const activity = elementProp(element, 'attachedToRef');
    if (!activity) continue;
    const list = byActivity.get(activity);
    if (list) list.push(element);
    else byActivity.set(activity, [element]);
  }
  return byActivity;
}

function scopeIdOf(element: BpmnElement, index: ModelIndex): string | null {
  const scope = index.scopeOf.get(element);
  if (!scope)
    throw new Error(`Expected ${elementId(element) ?? element.$type} to be in a process, but it is not`);
  return scope.$type === 'bpmn:Process' ? null : requireId(scope);
}

function compileFlow(flow: BpmnElement): ExecutableFlow {
  const source = elementProp(flow, 'sourceRef');
  const target = elementProp(flow, 'targetRef');
  const condition = elementProp(flow, 'conditionExpression');
  return {
    id: requireId(flow),
    ...optional('name', stringProp(flow, 'name')),
    sourceId: requireId(source),
    targetId: requireId(target),
    ...optional('condition', condition ? expression(stringProp(condition, 'body') ?? '') : undefined),
  };
}

/** `fiscal:*` assignment attributes: `=`-prefixed values are FEEL, others literals. */
function compileApproval(task: BpmnElement): ApprovalSettings {
  const allowed = stringProp(task, 'allowedOperations');
  return {
    resubmitStrategy: stringProp(task, 'resubmitStrategy')?.trim() === 'direct' ? 'direct' : 'restart',
    commentRequired: task.commentRequired === true,
    allowedOperations:
      allowed === undefined ? [...APPROVAL_OPERATIONS] : (commaList(allowed) as ApprovalOperation[]),
    fields: {
      readOnly: commaList(stringProp(task, 'readOnlyFields') ?? ''),
      hidden: commaList(stringProp(task, 'hiddenFields') ?? ''),
      ...optional(
        'editable',
        stringProp(task, 'editableFields') === undefined
          ? undefined
          : commaList(stringProp(task, 'editableFields')!),
      ),
    },
  };
}

function compileAssignment(task: BpmnElement): TaskAssignment {
  const assignee = stringProp(task, 'assignee');
  const candidateUsers = stringProp(task, 'candidateUsers');
  const candidateRoles = stringProp(task, 'candidateRoles');
  return {
    ...optional(
      'assignee',
      assignee === undefined
        ? undefined
        : isExpression(assignee)
          ? expression(assignee)
          : { literal: assignee.trim() },
    ),
    ...optional(
      'candidateUsers',
      candidateUsers === undefined
        ? undefined
        : isExpression(candidateUsers)
          ? expression(candidateUsers)
          : { literal: commaList(candidateUsers) },
    ),
    ...optional('candidateRoles', candidateRoles === undefined ? undefined : commaList(candidateRoles)),
    ...optional('orgScope', stringProp(task, 'orgScope')),
    ...optional('divisionType', stringProp(task, 'divisionType')?.trim()),
    ...optional(
      'ifInitiatorIsApprover',
      stringProp(task, 'ifInitiatorIsApprover')?.trim() as TaskAssignment['ifInitiatorIsApprover'],
    ),
    ...optional(
      'ifSameApprover',
      stringProp(task, 'ifSameApprover')?.trim() as TaskAssignment['ifSameApprover'],
    ),
    ...optional('ifNoApprover', stringProp(task, 'ifNoApprover')?.trim() as TaskAssignment['ifNoApprover']),
    ...optional('dueIn', stringProp(task, 'dueIn')),
    ...optional('dueInWorkingDays', task.dueInWorkingDays === true ? true : undefined),
    ...optional('remindBefore', stringProp(task, 'remindBefore')),
    ...optional('formKey', stringProp(task, 'formKey')),
    ...optional('priority', numberProp(task, 'priority')),
  };
}

function isExpression(value: string): boolean {
  return value.trim().startsWith('=');
}

function expression(text: string): CompiledExpression {
  return { source: normalizeExpression(text) };
}

function commaList(value: string): string[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

/** A non-empty string property of a referenced element (message name, error code …), trimmed. */
function requireName(element: BpmnElement | undefined, property: string): string {
  const value = element ? nonEmpty(stringProp(element, property)) : undefined;
  if (value === undefined) {
    throw new Error(
      `Expected ${element?.$type ?? 'a referenced element'} to have a ${property}, but it has none`,
    );
  }
  return value;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function requireId(element: BpmnElement | undefined): string {
  const id = elementId(element);
  if (id === undefined)
    throw new Error(`Expected ${element?.$type ?? 'a referenced element'} to have an id, but it has none`);
  return id;
}

/** `{ [key]: value }` when value is defined, `{}` otherwise (no `undefined`-valued keys in the model). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

/** Freezes an object graph without recursion. */
function deepFreeze<T extends object>(root: T): T {
  const stack: object[] = [root];
  while (stack.length > 0) {
    const value = stack.pop() as object;
    if (Object.isFrozen(value)) continue;
    Object.freeze(value);
    for (const key of Object.keys(value)) {
      const child = (value as Record<string, unknown>)[key];
      if (typeof child === 'object' && child !== null && !Object.isFrozen(child)) stack.push(child);
    }
  }
  return root;
}
