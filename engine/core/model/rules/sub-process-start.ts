/**
 * Rule `sub-process-start`: an embedded sub-process needs exactly one none start event among its direct
 * children; the runtime starts the sub-process scope there (`startEventId` in the compiled model).
 * Event sub-processes start on an event instead; rule `event-sub-process` checks those.
 */
import { type Rule, isEventSubProcess, isWalkedSubProcess, noneStartEvents } from './rule.js';

export const subProcessStart: Rule = {
  id: 'sub-process-start',
  description: 'An embedded sub-process must have exactly one none start event.',
  check(ctx) {
    for (const { element } of ctx.model.elements) {
      if (!isWalkedSubProcess(element) || isEventSubProcess(element)) continue;
      const starts = noneStartEvents(ctx.model.children.get(element) ?? []);
      if (starts.length === 0) {
        ctx.report(element, 'sub-process has no none start event (a start event without event definition)');
      } else if (starts.length > 1) {
        ctx.report(element, `sub-process has ${starts.length} none start events; exactly one is allowed`);
      }
    }
  },
};
