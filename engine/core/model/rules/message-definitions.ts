/**
 * Rule `message-definitions`: every message event, receive task and send task names the message it waits for or
 * publishes, and every wait inside a running instance says which instance a message belongs to.
 *
 * - the event definition (or the task) references a `bpmn:Message` (`messageRef`) with a non-empty name;
 * - catches inside an instance (intermediate catch, boundary, receive task, event sub-process start) need
 *   `fiscal:correlationKey`, a FEEL expression (written with or without `=`) evaluated when the wait opens;
 * - process-level message start events must NOT have one: they start new instances, there is nothing to
 *   correlate with;
 * - throws (send task, message throw and end events) may give a correlation key; when given it must parse;
 *   their payload mappings (`fiscal:in`) need a FEEL source and a variable name target, and `fiscal:out` is
 *   meaningless there;
 * - message names are unique where one message would otherwise be ambiguous: among the process-level start
 *   events of a process, the event sub-process starts of one scope, the boundary events of one activity and
 *   the events after one event-based gateway.
 */
import {
  type BpmnElement,
  type ModelIndex,
  type Rule,
  type RuleContext,
  SEQUENCE_FLOW,
  elementId,
  checkVariableMappings,
  elementProp,
  eventDefinition,
  feelProblem,
  isEventSubProcess,
  stringProp,
  variableMappings,
} from './rule.js';
import { supportedElement } from './supported-elements.js';

const MESSAGE = 'bpmn:MessageEventDefinition';

export const messageDefinitions: Rule = {
  id: 'message-definitions',
  description:
    'Message events and tasks need a named bpmn:Message; waits inside an instance need a fiscal:correlationKey.',
  check(ctx) {
    for (const { element, scope } of ctx.model.elements) {
      if (element.$type === SEQUENCE_FLOW) continue;
      const role = messageRole(element, scope);
      if (role === undefined || !supportedElement(element, scope)) continue;
      const carrier = role.carrier;
      checkMessageRef(element, carrier, ctx);
      const key = stringProp(carrier, 'correlationKey');
      if (role.kind === 'catch') {
        if (key === undefined || key.trim() === '') {
          ctx.report(
            element,
            'a message catch inside a running instance needs fiscal:correlationKey (FEEL) to find its instance',
          );
        } else {
          checkKey(element, key, ctx);
        }
      } else if (role.kind === 'start') {
        if (key !== undefined) {
          ctx.report(
            element,
            'a process-level message start event starts a new instance and must not have fiscal:correlationKey',
          );
        }
      } else {
        if (key !== undefined) checkKey(element, key, ctx);
        checkPayload(element, ctx);
      }
    }
    checkUniqueNames(ctx);
  },
};

// helpers //////

type MessageRole = { kind: 'start' | 'catch' | 'throw'; carrier: BpmnElement };

/** How an element uses a message, and which object carries `messageRef` / `fiscal:correlationKey`. */
function messageRole(element: BpmnElement, scope: BpmnElement): MessageRole | undefined {
  if (element.$type === 'bpmn:ReceiveTask') return { kind: 'catch', carrier: element };
  if (element.$type === 'bpmn:SendTask') return { kind: 'throw', carrier: element };
  const definition = eventDefinition(element);
  if (definition?.$type !== MESSAGE) return undefined;
  switch (element.$type) {
    case 'bpmn:StartEvent':
      return { kind: isEventSubProcess(scope) ? 'catch' : 'start', carrier: definition };
    case 'bpmn:IntermediateCatchEvent':
    case 'bpmn:BoundaryEvent':
      return { kind: 'catch', carrier: definition };
    case 'bpmn:IntermediateThrowEvent':
    case 'bpmn:EndEvent':
      return { kind: 'throw', carrier: definition };
    default:
      return undefined;
  }
}

function checkMessageRef(element: BpmnElement, carrier: BpmnElement, ctx: RuleContext): void {
  const message = elementProp(carrier, 'messageRef');
  if (!message || message.$type !== 'bpmn:Message') {
    ctx.report(element, 'references no bpmn:Message (messageRef is missing or names no message)');
  } else if ((stringProp(message, 'name') ?? '').trim() === '') {
    ctx.report(element, `message ${elementId(message) ?? ''} has no name; the name is what gets correlated`);
  }
}

function checkKey(element: BpmnElement, key: string, ctx: RuleContext): void {
  const problem = feelProblem(key);
  if (problem !== undefined) ctx.report(element, `fiscal:correlationKey is not valid FEEL: ${problem}`);
}

function checkPayload(element: BpmnElement, ctx: RuleContext): void {
  const { inputs, outputs } = variableMappings(element);
  checkVariableMappings(element, 'fiscal:in', inputs, ctx);
  if (outputs.length > 0) {
    ctx.report(element, 'fiscal:out is not used on a message throw; the payload is given with fiscal:in');
  }
}

/** The message name of an element, when it has a usable one. */
function messageName(element: BpmnElement, scope: BpmnElement): string | undefined {
  const role = messageRole(element, scope);
  if (!role) return undefined;
  const message = elementProp(role.carrier, 'messageRef');
  const name = message ? stringProp(message, 'name')?.trim() : undefined;
  return name === '' ? undefined : name;
}

/** Groups of waits that must not share a message name, each reported on its second and later members. */
function checkUniqueNames(ctx: RuleContext): void {
  const { model } = ctx;
  for (const group of ambiguityGroups(model)) {
    const seen = new Set<string>();
    for (const { element, scope, where } of group) {
      const name = messageName(element, scope);
      if (name === undefined) continue;
      if (seen.has(name))
        ctx.report(element, `message "${name}" is used by another ${where}; names must differ`);
      seen.add(name);
    }
  }
}

interface Member {
  readonly element: BpmnElement;
  readonly scope: BpmnElement;
  readonly where: string;
}

function ambiguityGroups(model: ModelIndex): Member[][] {
  // one map per kind of group, keyed by the owning process, scope, activity or gateway
  const byKind = new Map<string, Map<unknown, Member[]>>();
  const add = (owner: unknown, member: Member): void => {
    let groups = byKind.get(member.where);
    if (!groups) byKind.set(member.where, (groups = new Map()));
    const list = groups.get(owner);
    if (list) list.push(member);
    else groups.set(owner, [member]);
  };
  for (const { element, scope, process } of model.elements) {
    if (!supportedElement(element, scope)) continue;
    if (element.$type === 'bpmn:StartEvent') {
      if (scope === process) {
        add(process, { element, scope, where: 'start event of this process' });
      } else if (isEventSubProcess(scope)) {
        const parent = model.scopeOf.get(scope);
        add(parent, { element, scope, where: 'event sub-process start in the same scope' });
      }
    } else if (element.$type === 'bpmn:BoundaryEvent') {
      const attached = elementProp(element, 'attachedToRef');
      if (attached) add(attached, { element, scope, where: 'boundary event of the same activity' });
    } else if (element.$type === 'bpmn:EventBasedGateway') {
      for (const flow of model.outgoing.get(element) ?? []) {
        const target = elementProp(flow, 'targetRef');
        if (target)
          add(element, { element: target, scope, where: 'event after the same event-based gateway' });
      }
    }
  }
  return [...byKind.values()].flatMap((groups) => [...groups.values()]);
}
