/**
 * Rule `flow-node-connections`: every flow node must be wired so a token can reach it and leave it, and every
 * sequence flow must connect two flow nodes of the same scope. A dangling element is a stuck token at run time.
 *
 * - start events: at least one outgoing flow, no incoming flow;
 * - end events: at least one incoming flow, no outgoing flow;
 * - activities, intermediate events and gateways: at least one incoming and one outgoing flow
 *   (how many of each a gateway has is up to the designer);
 * - start events inside an event sub-process are start events like any other (no incoming, some outgoing).
 *
 * Boundary events (no incoming, exactly one outgoing) are checked by `boundary-events`, event sub-processes
 * (no flows at all) by `event-sub-process`, and unsupported elements are left to `supported-elements`, so one
 * mistake gives one problem.
 */
import { type BpmnElement, type Rule, SEQUENCE_FLOW, elementProp, isEventSubProcess } from './rule.js';
import { IGNORED_FLOW_ELEMENTS, supportedElement } from './supported-elements.js';

export const flowNodeConnections: Rule = {
  id: 'flow-node-connections',
  description: 'Flow nodes must have the incoming and outgoing sequence flows their kind needs.',
  check(ctx) {
    const { elements, incoming, outgoing, scopeOf } = ctx.model;
    for (const { element, scope } of elements) {
      if (element.$type === SEQUENCE_FLOW) {
        checkFlow(element, scope, scopeOf, ctx.report);
        continue;
      }
      const supported = supportedElement(element, scope);
      if (!supported || supported.kind === 'boundaryEvent' || isEventSubProcess(element)) continue;
      const ins = incoming.get(element)?.length ?? 0;
      const outs = outgoing.get(element)?.length ?? 0;
      switch (supported.kind) {
        case 'startEvent':
          if (ins > 0) ctx.report(element, 'a start event must not have incoming sequence flows');
          if (outs === 0) ctx.report(element, 'start event has no outgoing sequence flow');
          break;
        case 'endEvent':
          if (ins === 0)
            ctx.report(element, 'end event has no incoming sequence flow, so it can never be reached');
          if (outs > 0) ctx.report(element, 'an end event must not have outgoing sequence flows');
          break;
        default:
          if (ins === 0)
            ctx.report(element, 'element has no incoming sequence flow, so it can never be reached');
          if (outs === 0)
            ctx.report(element, 'element has no outgoing sequence flow; end the path with an end event');
      }
    }
  },
};

// helpers //////

function checkFlow(
  flow: BpmnElement,
  scope: BpmnElement,
  scopeOf: ReadonlyMap<BpmnElement, BpmnElement>,
  report: (element: BpmnElement, message: string) => void,
): void {
  for (const [property, role] of [
    ['sourceRef', 'source'],
    ['targetRef', 'target'],
  ] as const) {
    const end = elementProp(flow, property);
    if (!end) {
      report(flow, `sequence flow has no ${role} (${property} is missing or names no element)`);
    } else if (
      end.$type === SEQUENCE_FLOW ||
      IGNORED_FLOW_ELEMENTS.includes(end.$type) ||
      !scopeOf.has(end)
    ) {
      report(flow, `sequence flow ${role} ${describe(end)} is not a flow node of this process`);
    } else if (scopeOf.get(end) !== scope) {
      report(
        flow,
        `sequence flow ${role} ${describe(end)} is in another scope; a sequence flow cannot cross a sub-process boundary`,
      );
    }
  }
}

function describe(element: BpmnElement): string {
  return typeof element.id === 'string' ? `${element.id} (${element.$type})` : element.$type;
}
