/**
 * Rule `event-based-gateway`: an event-based gateway waits for the first of several events, so each path must
 * start with something that waits, and only the gateway may lead there.
 *
 * - at least two outgoing flows (with one, the gateway is a plain wait: use the catch event alone);
 * - each flow leads to an intermediate catch event (timer, message or signal) or a receive task;
 * - that target has no other incoming flow (otherwise a token could arrive there without the gateway's race).
 *
 * Conditions on these flows are reported by `conditional-flows`, unsupported targets' own configuration by
 * `supported-elements`.
 */
import { type Rule, elementId, elementProp, eventDefinitionType } from './rule.js';
import { supportedElement } from './supported-elements.js';

const WAITING_EVENTS: readonly string[] = [
  'bpmn:TimerEventDefinition',
  'bpmn:MessageEventDefinition',
  'bpmn:SignalEventDefinition',
];

export const eventBasedGateway: Rule = {
  id: 'event-based-gateway',
  description:
    'An event-based gateway needs two or more flows, each to a timer, message or signal catch event or a receive task.',
  check(ctx) {
    const { elements, outgoing, incoming } = ctx.model;
    for (const { element, scope } of elements) {
      if (element.$type !== 'bpmn:EventBasedGateway' || !supportedElement(element, scope)) continue;
      const outs = outgoing.get(element) ?? [];
      if (outs.length < 2) {
        ctx.report(
          element,
          `an event-based gateway needs at least two outgoing flows to choose between, but it has ${outs.length}`,
        );
      }
      for (const flow of outs) {
        const target = elementProp(flow, 'targetRef');
        if (!target) continue; // flow-node-connections reports the broken flow
        const waits =
          target.$type === 'bpmn:ReceiveTask' ||
          (target.$type === 'bpmn:IntermediateCatchEvent' &&
            WAITING_EVENTS.includes(eventDefinitionType(target) ?? ''));
        if (!waits) {
          ctx.report(
            flow,
            `flow out of event-based gateway ${elementId(element) ?? ''} leads to ${target.$type} ${elementId(target) ?? ''}; ` +
              'it must lead to a timer, message or signal intermediate catch event or a receive task',
          );
        } else if ((incoming.get(target) ?? []).length > 1) {
          ctx.report(
            target,
            `waits after event-based gateway ${elementId(element) ?? ''}, so it must have no other incoming flow`,
          );
        }
      }
    }
  },
};
