/**
 * Rule `boundary-events`: a boundary event sits on an activity of its own scope and starts exactly one path.
 *
 * - `attachedToRef` names an activity (task, sub-process or call activity; not an event sub-process) in the same
 *   process or sub-process as the boundary event;
 * - no incoming sequence flow (it is triggered by its event, never reached by a token);
 * - exactly one outgoing sequence flow (the runtime moves one token from it; a split is a gateway's job).
 *
 * `flow-node-connections` leaves boundary events to this rule.
 */
import { type Rule, elementId, elementProp, isEventSubProcess } from './rule.js';
import { supportedElement } from './supported-elements.js';

/** Activities a boundary event may be attached to. */
export const BOUNDARY_HOSTS: readonly string[] = [
  'bpmn:Task',
  'bpmn:ManualTask',
  'bpmn:UserTask',
  'bpmn:ServiceTask',
  'bpmn:ScriptTask',
  'bpmn:ReceiveTask',
  'bpmn:SendTask',
  'bpmn:SubProcess',
  'bpmn:CallActivity',
];

export const boundaryEvents: Rule = {
  id: 'boundary-events',
  description:
    'A boundary event must be attached to an activity of its scope, with no incoming and exactly one outgoing flow.',
  check(ctx) {
    const { elements, incoming, outgoing, scopeOf } = ctx.model;
    for (const { element, scope } of elements) {
      if (element.$type !== 'bpmn:BoundaryEvent' || !supportedElement(element, scope)) continue;
      const host = elementProp(element, 'attachedToRef');
      if (!host) {
        ctx.report(
          element,
          'boundary event is not attached to an activity (attachedToRef is missing or names nothing)',
        );
      } else if (isEventSubProcess(host)) {
        ctx.report(
          element,
          `boundary event is attached to event sub-process ${elementId(host) ?? ''}; an event sub-process has no boundary events`,
        );
      } else if (!BOUNDARY_HOSTS.includes(host.$type)) {
        ctx.report(
          element,
          `boundary event is attached to ${host.$type} ${elementId(host) ?? ''}; attach it to a task, sub-process or call activity`,
        );
      } else if (scopeOf.get(host) !== scope) {
        ctx.report(
          element,
          `boundary event is attached to ${elementId(host) ?? ''}, which is in another scope; it must sit next to its activity`,
        );
      }
      if ((incoming.get(element) ?? []).length > 0) {
        ctx.report(element, 'a boundary event must not have incoming sequence flows');
      }
      const outs = (outgoing.get(element) ?? []).length;
      if (outs !== 1) {
        ctx.report(element, `a boundary event needs exactly one outgoing sequence flow, but it has ${outs}`);
      }
    }
  },
};
