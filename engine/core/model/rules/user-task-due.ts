/**
 * Rule `user-task-due`: `fiscal:dueIn` on a user task, when present, is an ISO 8601 duration (`P3D`, `PT4H`),
 * the only form the deadline computation understands.
 */
import { type Rule, isIsoDuration, stringProp } from './rule.js';

export const userTaskDue: Rule = {
  id: 'user-task-due',
  description: 'fiscal:dueIn must be an ISO 8601 duration.',
  check(ctx) {
    for (const { element } of ctx.model.elements) {
      if (element.$type !== 'bpmn:UserTask') continue;
      const remind = stringProp(element, 'remindBefore');
      if (remind !== undefined && !isIsoDuration(remind)) {
        ctx.report(
          element,
          `fiscal:remindBefore "${remind}" is not an ISO 8601 duration such as P1D or PT4H`,
        );
      }
      const dueIn = stringProp(element, 'dueIn');
      if (dueIn !== undefined && !isIsoDuration(dueIn)) {
        ctx.report(element, `fiscal:dueIn "${dueIn}" is not an ISO 8601 duration such as P3D or PT4H`);
      }
    }
  },
};
