/**
 * Rule `supported-elements`: every flow element of a deployable process must be one the runtime has a behavior
 * for. Anything else is rejected at deploy time, by element id, instead of being skipped or failing at run time.
 *
 * `SUPPORTED_ELEMENTS` is the single list of what the engine executes; supporting a new element (or event
 * definition, or loop) means adding it here and a behavior in runtime/behaviors/.
 */
import type { ElementKind } from '../types.js';
import {
  type BpmnElement,
  type Rule,
  SEQUENCE_FLOW,
  elementList,
  elementProp,
  eventDefinitions,
} from './rule.js';

export interface SupportedElement {
  readonly type: string;
  readonly kind: ElementKind;
  /** Event definitions the element may carry (at most one); none listed = only the plain "none" event. */
  readonly eventDefinitions?: readonly string[];
  /** Loop characteristics the element may carry; none listed = no loops. */
  readonly loopCharacteristics?: readonly string[];
}

/** What the runtime executes. Extend this list (and add a behavior) to support more. */
export const SUPPORTED_ELEMENTS: readonly SupportedElement[] = [
  { type: 'bpmn:StartEvent', kind: 'startEvent' },
  { type: 'bpmn:EndEvent', kind: 'endEvent', eventDefinitions: ['bpmn:TerminateEventDefinition'] },
  { type: 'bpmn:IntermediateThrowEvent', kind: 'intermediateThrowEvent' },
  { type: 'bpmn:Task', kind: 'task' },
  { type: 'bpmn:ManualTask', kind: 'manualTask' },
  { type: 'bpmn:UserTask', kind: 'userTask' },
  { type: 'bpmn:ServiceTask', kind: 'serviceTask' },
  { type: 'bpmn:ScriptTask', kind: 'scriptTask' },
  { type: 'bpmn:ExclusiveGateway', kind: 'exclusiveGateway' },
  { type: 'bpmn:ParallelGateway', kind: 'parallelGateway' },
  { type: 'bpmn:InclusiveGateway', kind: 'inclusiveGateway' },
  { type: 'bpmn:SubProcess', kind: 'subProcess' },
];

/** Flow elements that carry no behavior and are accepted and ignored (data only). */
export const IGNORED_FLOW_ELEMENTS: readonly string[] = [
  'bpmn:DataObject',
  'bpmn:DataObjectReference',
  'bpmn:DataStoreReference',
];

/** Short reasons shown after "<type> is not supported". */
const REASONS: ReadonlyMap<string, string> = new Map([
  ['bpmn:BoundaryEvent', 'boundary events (timeouts, errors, messages on a task) are not supported yet'],
  ['bpmn:IntermediateCatchEvent', 'waiting for timers, messages or signals is not supported yet'],
  ['bpmn:CallActivity', 'call activities are not supported; use an embedded sub-process'],
  [
    'bpmn:Transaction',
    'compensation and transaction sub-processes are not supported; model the undo steps explicitly',
  ],
  ['bpmn:AdHocSubProcess', 'ad-hoc sub-processes are not supported; model the order explicitly'],
  ['bpmn:ComplexGateway', 'use an exclusive, parallel or inclusive gateway'],
  ['bpmn:EventBasedGateway', 'waiting for the first of several events is not supported yet'],
  ['bpmn:SendTask', 'use a service task with fiscal:taskType'],
  ['bpmn:ReceiveTask', 'waiting for messages is not supported yet'],
  ['bpmn:BusinessRuleTask', 'use a script task (FEEL) or a service task'],
  ['bpmn:ChoreographyTask', 'choreographies are not executable'],
  ['bpmn:SubChoreography', 'choreographies are not executable'],
  ['bpmn:CallChoreography', 'choreographies are not executable'],
  [
    'bpmn:CompensateEventDefinition',
    'compensation and transaction sub-processes are not supported; model the undo steps explicitly',
  ],
  [
    'bpmn:CancelEventDefinition',
    'compensation and transaction sub-processes are not supported; model the undo steps explicitly',
  ],
  ['bpmn:TimerEventDefinition', 'timers are not supported yet'],
  ['bpmn:MessageEventDefinition', 'messages are not supported yet'],
  ['bpmn:SignalEventDefinition', 'signals are not supported yet'],
  ['bpmn:ErrorEventDefinition', 'error events are not supported yet'],
  ['bpmn:EscalationEventDefinition', 'escalations are not supported yet'],
  ['bpmn:ConditionalEventDefinition', 'conditional events are not supported yet'],
  ['bpmn:LinkEventDefinition', 'link events are not supported; draw the sequence flow'],
  ['bpmn:MultiInstanceLoopCharacteristics', 'multi-instance activities are not supported yet'],
  ['bpmn:StandardLoopCharacteristics', 'loops are not supported; model the loop with a gateway'],
]);

const BY_TYPE: ReadonlyMap<string, SupportedElement> = new Map(SUPPORTED_ELEMENTS.map((s) => [s.type, s]));

/** The supported-element entry for a flow node, or undefined when the element (as configured) is not supported. */
export function supportedElement(element: BpmnElement): SupportedElement | undefined {
  const entry = BY_TYPE.get(element.$type);
  if (!entry) return undefined;
  return unsupportedReason(element, entry) === undefined ? entry : undefined;
}

export const supportedElements: Rule = {
  id: 'supported-elements',
  description:
    'Every flow element must be one the engine can execute, so nothing is silently skipped at run time.',
  check(ctx) {
    for (const { element } of ctx.model.elements) {
      if (element.$type === SEQUENCE_FLOW || IGNORED_FLOW_ELEMENTS.includes(element.$type)) continue;
      const entry = BY_TYPE.get(element.$type);
      const reason = entry
        ? unsupportedReason(element, entry)
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

/** Why a known element type is still not supported as configured (event definitions, loops, event sub-process). */
function unsupportedReason(element: BpmnElement, entry: SupportedElement): string | undefined {
  const type = element.$type;
  if (type === 'bpmn:SubProcess' && element.triggeredByEvent === true) {
    return `${type} triggered by an event (event sub-process) is not supported yet`;
  }
  if (element.isForCompensation === true) {
    return withReason(`${type} marked isForCompensation is not supported`, 'bpmn:CompensateEventDefinition');
  }
  const definitions = eventDefinitions(element);
  if (definitions.length > 1) {
    return `${type} with more than one event definition is not supported`;
  }
  const definition = definitions[0];
  if (definition && !(entry.eventDefinitions ?? []).includes(definition.$type)) {
    return withReason(`${type} with ${definition.$type} is not supported`, definition.$type);
  }
  if (Array.isArray(element.eventDefinitionRef) && element.eventDefinitionRef.length > 0) {
    return `${type} with a referenced event definition (eventDefinitionRef) is not supported`;
  }
  const loop = elementProp(element, 'loopCharacteristics');
  if (loop && !(entry.loopCharacteristics ?? []).includes(loop.$type)) {
    return withReason(`${type} with ${loop.$type} is not supported`, loop.$type);
  }
  return undefined;
}

function withReason(message: string, key: string): string {
  const reason = REASONS.get(key);
  return reason ? `${message}: ${reason}` : message;
}
