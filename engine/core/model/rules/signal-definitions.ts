/**
 * Rule `signal-definitions`: every signal event (start, catch, boundary, throw, end) references a `bpmn:Signal`
 * with a non-empty name. Signals are broadcast by name, so a nameless signal would reach nobody (or everybody).
 */
import { type Rule, elementId, elementProp, eventDefinition, stringProp } from './rule.js';
import { supportedElement } from './supported-elements.js';

export const signalDefinitions: Rule = {
  id: 'signal-definitions',
  description: 'Signal events must reference a bpmn:Signal with a name.',
  check(ctx) {
    for (const { element, scope } of ctx.model.elements) {
      const definition = eventDefinition(element);
      if (definition?.$type !== 'bpmn:SignalEventDefinition' || !supportedElement(element, scope)) continue;
      const signal = elementProp(definition, 'signalRef');
      if (!signal || signal.$type !== 'bpmn:Signal') {
        ctx.report(element, 'references no bpmn:Signal (signalRef is missing or names no signal)');
      } else if ((stringProp(signal, 'name') ?? '').trim() === '') {
        ctx.report(element, `signal ${elementId(signal) ?? ''} has no name; signals are broadcast by name`);
      }
    }
  },
};
