/**
 * Rule `user-task-priority`: `fiscal:priority` on a user task, when present, is a whole number. The parser
 * reads Integer attributes with parseInt, so a typo would otherwise reach the inbox as NaN.
 */
import { type Rule, numberProp } from './rule.js';

export const userTaskPriority: Rule = {
  id: 'user-task-priority',
  description: 'fiscal:priority must be a whole number.',
  check(ctx) {
    for (const { element } of ctx.model.elements) {
      if (element.$type !== 'bpmn:UserTask' || element.priority === undefined) continue;
      const priority = numberProp(element, 'priority');
      if (priority === undefined || !Number.isSafeInteger(priority)) {
        ctx.report(element, 'fiscal:priority must be a whole number');
      }
    }
  },
};
