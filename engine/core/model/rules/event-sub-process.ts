/**
 * Rule `event-sub-process`: an event sub-process (`bpmn:subProcess triggeredByEvent="true"`) is started by its
 * event, never by a sequence flow, so:
 *
 * - it has no incoming and no outgoing sequence flows;
 * - it has exactly one start event, and that start event has an event definition (the trigger);
 * - within one scope, at most one interrupting error (or escalation) event sub-process catches a given code
 *   (and at most one catches every code): otherwise which one runs would depend on document order.
 *
 * Which triggers an event sub-process start may have is `supported-elements`' business.
 */
import {
  type BpmnElement,
  type Rule,
  elementId,
  elementProp,
  eventDefinition,
  eventDefinitions,
  isEventSubProcess,
  stringProp,
} from './rule.js';
import { supportedElement } from './supported-elements.js';

const CODED: ReadonlyMap<string, { ref: string; code: string; word: string }> = new Map([
  ['bpmn:ErrorEventDefinition', { ref: 'errorRef', code: 'errorCode', word: 'error' }],
  ['bpmn:EscalationEventDefinition', { ref: 'escalationRef', code: 'escalationCode', word: 'escalation' }],
]);

export const eventSubProcess: Rule = {
  id: 'event-sub-process',
  description:
    'An event sub-process has no sequence flows and exactly one start event with an event definition.',
  check(ctx) {
    const { elements, incoming, outgoing, children } = ctx.model;
    // per enclosing scope: "<word>:<code>" keys of its interrupting error/escalation event sub-processes
    const codesByScope = new Map<BpmnElement, Set<string>>();
    for (const { element, scope } of elements) {
      if (!isEventSubProcess(element) || !supportedElement(element, scope)) continue;
      if ((incoming.get(element) ?? []).length > 0 || (outgoing.get(element) ?? []).length > 0) {
        ctx.report(
          element,
          'an event sub-process must not have incoming or outgoing sequence flows; it is started by its event',
        );
      }
      const starts = (children.get(element) ?? []).filter((child) => child.$type === 'bpmn:StartEvent');
      if (starts.length !== 1) {
        ctx.report(
          element,
          `an event sub-process needs exactly one start event, but it has ${starts.length}`,
        );
        continue;
      }
      const start = starts[0] as BpmnElement;
      if (eventDefinitions(start).length === 0) {
        ctx.report(
          start,
          'the start event of an event sub-process needs an event definition (timer, message, signal, error or escalation)',
        );
        continue;
      }
      const definition = eventDefinition(start);
      const coded = definition ? CODED.get(definition.$type) : undefined;
      if (!definition || !coded || start.isInterrupting === false) continue;
      const referenced = elementProp(definition, coded.ref);
      const code = referenced ? (stringProp(referenced, coded.code) ?? '').trim() : '';
      const key = `${coded.word}:${referenced ? code : '*'}`;
      let codes = codesByScope.get(scope);
      if (!codes) codesByScope.set(scope, (codes = new Set()));
      if (codes.has(key)) {
        ctx.report(
          element,
          referenced
            ? `another interrupting event sub-process in ${elementId(scope) ?? 'this scope'} already catches ${coded.word} code "${code}"`
            : `another interrupting event sub-process in ${elementId(scope) ?? 'this scope'} already catches every ${coded.word}`,
        );
      }
      codes.add(key);
    }
  },
};
