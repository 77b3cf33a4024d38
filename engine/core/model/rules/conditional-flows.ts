/**
 * Rule `conditional-flows`: the choice at a diverging exclusive or inclusive gateway must be explicit.
 *
 * - every outgoing flow of an exclusive/inclusive gateway with more than one outgoing flow carries a condition,
 *   except the gateway's default flow (BPMN: a flow without condition is always eligible, which at an exclusive
 *   gateway silently wins or loses depending on order);
 * - a default flow carries no condition and starts at the element that names it;
 * - flows out of a parallel gateway, an event-based gateway or an event (boundary events included) carry no
 *   condition (it would be ignored: an event-based gateway follows the event that happens first).
 */
import { type BpmnElement, type Rule, SEQUENCE_FLOW, elementProp } from './rule.js';

const CHOOSING_GATEWAYS: readonly string[] = ['bpmn:ExclusiveGateway', 'bpmn:InclusiveGateway'];
const UNCONDITIONAL_SOURCES: readonly string[] = [
  'bpmn:ParallelGateway',
  'bpmn:StartEvent',
  'bpmn:IntermediateThrowEvent',
  'bpmn:IntermediateCatchEvent',
  'bpmn:BoundaryEvent',
  'bpmn:EventBasedGateway',
];

export const conditionalFlows: Rule = {
  id: 'conditional-flows',
  description:
    'Outgoing flows of a diverging exclusive or inclusive gateway need conditions or a default flow.',
  check(ctx) {
    const { elements, outgoing } = ctx.model;
    for (const { element } of elements) {
      if (element.$type === SEQUENCE_FLOW) continue;
      const defaultFlow = elementProp(element, 'default');
      const outs = outgoing.get(element) ?? [];

      if (defaultFlow) {
        if (elementProp(defaultFlow, 'sourceRef') !== element) {
          ctx.report(element, `default flow ${String(defaultFlow.id)} does not start at this element`);
        }
        if (hasCondition(defaultFlow)) {
          ctx.report(defaultFlow, 'the default flow must not have a condition');
        }
      }

      if (CHOOSING_GATEWAYS.includes(element.$type) && outs.length > 1) {
        for (const flow of outs) {
          if (flow !== defaultFlow && !hasCondition(flow)) {
            ctx.report(
              flow,
              `flow out of diverging gateway ${String(element.id)} has no condition and is not the default flow`,
            );
          }
        }
      }

      if (UNCONDITIONAL_SOURCES.includes(element.$type)) {
        for (const flow of outs) {
          if (hasCondition(flow)) {
            ctx.report(
              flow,
              `a flow out of ${element.$type} ${String(element.id)} must not have a condition (it would be ignored)`,
            );
          }
        }
      }
    }
  },
};

// helpers //////

function hasCondition(flow: BpmnElement): boolean {
  return elementProp(flow, 'conditionExpression') !== undefined;
}
