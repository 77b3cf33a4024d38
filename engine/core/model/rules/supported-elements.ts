/**
 * Rule `supported-elements`: every flow element of a deployable process must be one the runtime has a behavior
 * for. Anything else is rejected at deploy time, by element id, instead of being skipped or failing at run time.
 *
 * `SUPPORTED_ELEMENTS` is the single list of what the engine executes; supporting a new element (or event
 * definition, or loop) means adding it here and a behavior in runtime/behaviors/. Which event definitions a
 * start event may carry depends on where it sits (process, sub-process, event sub-process).
 *
 * Rejected for good (each with its own message): compensation (compensate events, `isForCompensation`),
 * transactions and cancel events, complex gateways, "multiple" / "parallel multiple" events (more than one
 * event definition), conditional and link events, business rule tasks, ad-hoc sub-processes, standard loops,
 * parallel or instantiating event-based gateways.
 */
import type { ElementKind } from '../types.js';
import {
  type BpmnElement,
  type Placement,
  type Rule,
  SEQUENCE_FLOW,
  elementList,
  elementProp,
  eventDefinitions,
  isEventSubProcess,
  placementIn,
} from './rule.js';

const TIMER = 'bpmn:TimerEventDefinition';
const MESSAGE = 'bpmn:MessageEventDefinition';
const SIGNAL = 'bpmn:SignalEventDefinition';
const ERROR = 'bpmn:ErrorEventDefinition';
const ESCALATION = 'bpmn:EscalationEventDefinition';
const TERMINATE = 'bpmn:TerminateEventDefinition';
const MULTI_INSTANCE = 'bpmn:MultiInstanceLoopCharacteristics';

export interface SupportedElement {
  readonly type: string;
  readonly kind: ElementKind;
  /** Event definitions the element may carry (at most one); none listed = only the plain "none" event. */
  readonly eventDefinitions?: readonly string[];
  /** Start events: the event definitions allowed where the event sits (replaces `eventDefinitions`). */
  readonly eventDefinitionsBy?: Readonly<Record<Placement, readonly string[]>>;
  /** Catch and boundary events wait for something, so they need an event definition. */
  readonly requiresEventDefinition?: boolean;
  /** Loop characteristics the element may carry; none listed = no loops. */
  readonly loopCharacteristics?: readonly string[];
}

/** What the runtime executes. Extend this list (and add a behavior) to support more. */
export const SUPPORTED_ELEMENTS: readonly SupportedElement[] = [
  {
    type: 'bpmn:StartEvent',
    kind: 'startEvent',
    eventDefinitionsBy: {
      process: [TIMER, MESSAGE, SIGNAL],
      subProcess: [],
      eventSubProcess: [TIMER, MESSAGE, SIGNAL, ERROR, ESCALATION],
    },
  },
  {
    type: 'bpmn:EndEvent',
    kind: 'endEvent',
    eventDefinitions: [TERMINATE, ERROR, ESCALATION, MESSAGE, SIGNAL],
  },
  {
    type: 'bpmn:IntermediateThrowEvent',
    kind: 'intermediateThrowEvent',
    eventDefinitions: [MESSAGE, SIGNAL, ESCALATION],
  },
  {
    type: 'bpmn:IntermediateCatchEvent',
    kind: 'intermediateCatchEvent',
    eventDefinitions: [TIMER, MESSAGE, SIGNAL],
    requiresEventDefinition: true,
  },
  {
    type: 'bpmn:BoundaryEvent',
    kind: 'boundaryEvent',
    eventDefinitions: [TIMER, MESSAGE, SIGNAL, ERROR, ESCALATION],
    requiresEventDefinition: true,
  },
  { type: 'bpmn:Task', kind: 'task', loopCharacteristics: [MULTI_INSTANCE] },
  { type: 'bpmn:ManualTask', kind: 'manualTask', loopCharacteristics: [MULTI_INSTANCE] },
  { type: 'bpmn:UserTask', kind: 'userTask', loopCharacteristics: [MULTI_INSTANCE] },
  { type: 'bpmn:ServiceTask', kind: 'serviceTask', loopCharacteristics: [MULTI_INSTANCE] },
  { type: 'bpmn:ScriptTask', kind: 'scriptTask', loopCharacteristics: [MULTI_INSTANCE] },
  { type: 'bpmn:ReceiveTask', kind: 'receiveTask', loopCharacteristics: [MULTI_INSTANCE] },
  { type: 'bpmn:SendTask', kind: 'sendTask' },
  { type: 'bpmn:ExclusiveGateway', kind: 'exclusiveGateway' },
  { type: 'bpmn:ParallelGateway', kind: 'parallelGateway' },
  { type: 'bpmn:InclusiveGateway', kind: 'inclusiveGateway' },
  { type: 'bpmn:EventBasedGateway', kind: 'eventBasedGateway' },
  { type: 'bpmn:SubProcess', kind: 'subProcess', loopCharacteristics: [MULTI_INSTANCE] },
  { type: 'bpmn:CallActivity', kind: 'callActivity', loopCharacteristics: [MULTI_INSTANCE] },
];

/** Flow elements that carry no behavior and are accepted and ignored (data only). */
export const IGNORED_FLOW_ELEMENTS: readonly string[] = [
  'bpmn:DataObject',
  'bpmn:DataObjectReference',
  'bpmn:DataStoreReference',
];

const COMPENSATION_REASON =
  'compensation and transaction sub-processes are not supported; model the undo steps explicitly';

/** Short reasons shown after "<type> is not supported". */
const REASONS: ReadonlyMap<string, string> = new Map([
  ['bpmn:Transaction', COMPENSATION_REASON],
  ['bpmn:AdHocSubProcess', 'ad-hoc sub-processes are not supported; model the order explicitly'],
  ['bpmn:ComplexGateway', 'use an exclusive, parallel or inclusive gateway'],
  ['bpmn:BusinessRuleTask', 'use a script task (FEEL) or a service task'],
  ['bpmn:ChoreographyTask', 'choreographies are not executable'],
  ['bpmn:SubChoreography', 'choreographies are not executable'],
  ['bpmn:CallChoreography', 'choreographies are not executable'],
  ['bpmn:CompensateEventDefinition', COMPENSATION_REASON],
  ['bpmn:CancelEventDefinition', COMPENSATION_REASON],
  ['bpmn:ConditionalEventDefinition', 'conditional events are not supported; use a timer or a message'],
  ['bpmn:LinkEventDefinition', 'link events are not supported; draw the sequence flow'],
  ['bpmn:StandardLoopCharacteristics', 'loops are not supported; model the loop with a gateway'],
]);

const BY_TYPE: ReadonlyMap<string, SupportedElement> = new Map(SUPPORTED_ELEMENTS.map((s) => [s.type, s]));

/**
 * The supported-element entry for a flow node sitting in `scope` (its process or sub-process), or undefined when
 * the element, as configured and placed, is not supported.
 */
export function supportedElement(
  element: BpmnElement,
  scope: BpmnElement | undefined,
): SupportedElement | undefined {
  const entry = BY_TYPE.get(element.$type);
  if (!entry) return undefined;
  return unsupportedReason(element, entry, placementIn(scope)) === undefined ? entry : undefined;
}

export const supportedElements: Rule = {
  id: 'supported-elements',
  description:
    'Every flow element must be one the engine can execute, so nothing is silently skipped at run time.',
  check(ctx) {
    for (const { element, scope } of ctx.model.elements) {
      if (element.$type === SEQUENCE_FLOW || IGNORED_FLOW_ELEMENTS.includes(element.$type)) continue;
      const entry = BY_TYPE.get(element.$type);
      const reason = entry
        ? unsupportedReason(element, entry, placementIn(scope))
        : withReason(`${element.$type} is not supported`, element.$type);
      if (reason !== undefined) ctx.report(element, reason);
    }
    for (const root of elementList(ctx.model.definitions, 'rootElements')) {
      if (root.$type === 'bpmn:Choreography') {
        ctx.report(root, 'bpmn:Choreography is not supported: choreographies are not executable');
      }
    }
  },
};

// helpers //////

const PLACES: Readonly<Record<Placement, string>> = {
  process: 'at process level',
  subProcess: 'in a sub-process',
  eventSubProcess: 'in an event sub-process',
};

/** Why a known element type is still not supported as configured and placed. */
function unsupportedReason(
  element: BpmnElement,
  entry: SupportedElement,
  placement: Placement,
): string | undefined {
  const type = element.$type;
  if (element.isForCompensation === true) {
    return withReason(`${type} marked isForCompensation is not supported`, 'bpmn:CompensateEventDefinition');
  }
  const definitions = eventDefinitions(element);
  if (definitions.length > 1) {
    return (
      `${type} with more than one event definition ("multiple" or "parallel multiple" event) is not supported: ` +
      'model one event per trigger, e.g. behind an event-based gateway'
    );
  }
  if (Array.isArray(element.eventDefinitionRef) && element.eventDefinitionRef.length > 0) {
    return `${type} with a referenced event definition (eventDefinitionRef) is not supported`;
  }
  const definition = definitions[0];
  const allowed = entry.eventDefinitionsBy?.[placement] ?? entry.eventDefinitions ?? [];
  if (definition && !allowed.includes(definition.$type)) {
    if (REASONS.has(definition.$type)) {
      return withReason(`${type} with ${definition.$type} is not supported`, definition.$type);
    }
    if (entry.eventDefinitionsBy) {
      return `${type} with ${definition.$type} is not supported ${PLACES[placement]}: ${startEventHint(placement)}`;
    }
    const none = entry.requiresEventDefinition ? '' : 'no event definition or ';
    return `${type} with ${definition.$type} is not supported: it takes ${none}a ${describeList(allowed)} definition`;
  }
  if (!definition && entry.requiresEventDefinition) {
    return `${type} without an event definition is not supported: it must wait for a ${describeList(allowed)}`;
  }
  const special = specialReason(element, definition, placement);
  if (special !== undefined) return special;
  const loop = elementProp(element, 'loopCharacteristics');
  if (loop && !(entry.loopCharacteristics ?? []).includes(loop.$type)) {
    return withReason(`${type} with ${loop.$type} is not supported`, loop.$type);
  }
  return undefined;
}

/** Element-specific settings we do not execute. */
function specialReason(
  element: BpmnElement,
  definition: BpmnElement | undefined,
  placement: Placement,
): string | undefined {
  const type = element.$type;
  switch (type) {
    case 'bpmn:BoundaryEvent':
      if (definition?.$type === ERROR && element.cancelActivity === false) {
        return `${type} with ${ERROR} must be interrupting (cancelActivity="false" is not allowed): an error always ends the activity`;
      }
      return undefined;
    case 'bpmn:StartEvent':
      if (
        placement === 'eventSubProcess' &&
        definition?.$type === ERROR &&
        element.isInterrupting === false
      ) {
        return `${type} with ${ERROR} must be interrupting (isInterrupting="false" is not allowed): an error always ends the scope`;
      }
      return undefined;
    case 'bpmn:EventBasedGateway':
      if (element.eventGatewayType === 'Parallel') {
        return `${type} with eventGatewayType="Parallel" is not supported: the gateway follows the first event only`;
      }
      if (element.instantiate === true) {
        return `${type} with instantiate="true" is not supported: start the process with timer, message or signal start events`;
      }
      return undefined;
    case 'bpmn:ReceiveTask':
      if (element.instantiate === true) {
        return `${type} with instantiate="true" is not supported: start the process with a message start event`;
      }
      return undefined;
    case 'bpmn:SubProcess':
      if (isEventSubProcess(element) && elementProp(element, 'loopCharacteristics')) {
        return `${type} triggered by an event (event sub-process) cannot have loop characteristics`;
      }
      return undefined;
    default:
      return undefined;
  }
}

function startEventHint(placement: Placement): string {
  switch (placement) {
    case 'process':
      return 'a process starts with a none, timer, message or signal start event; error and escalation starts belong in event sub-processes';
    case 'subProcess':
      return 'a sub-process starts at a none start event; use an event sub-process (triggeredByEvent="true") to react to an event';
    case 'eventSubProcess':
      return 'an event sub-process starts on a timer, message, signal, error or escalation';
  }
}

/** `bpmn:TimerEventDefinition`, … → "timer, message or signal". */
function describeList(types: readonly string[]): string {
  const names = types.map((t) =>
    t
      .replace(/^bpmn:/, '')
      .replace(/EventDefinition$/, '')
      .toLowerCase(),
  );
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

function withReason(message: string, key: string): string {
  const reason = REASONS.get(key);
  return reason ? `${message}: ${reason}` : message;
}
