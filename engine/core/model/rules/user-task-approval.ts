/**
 * Rule `user-task-approval`: the approval settings of a user task use known values, so a typo in the designer
 * never silently allows (or forbids) an operation: `fiscal:resubmitStrategy` is `restart` or `direct`, and
 * `fiscal:allowedOperations` lists only known operations, and the routing policies use their known values.
 */
import { APPROVAL_OPERATIONS } from '../types.js';
import { type Rule, stringProp } from './rule.js';

export const userTaskApproval: Rule = {
  id: 'user-task-approval',
  description: 'fiscal:resubmitStrategy and fiscal:allowedOperations use known values.',
  check(ctx) {
    for (const { element } of ctx.model.elements) {
      if (element.$type !== 'bpmn:UserTask') continue;
      const strategy = stringProp(element, 'resubmitStrategy');
      if (strategy !== undefined && !['restart', 'direct'].includes(strategy.trim())) {
        ctx.report(element, `fiscal:resubmitStrategy "${strategy}" must be restart or direct`);
      }
      for (const [attribute, values] of [
        ['ifInitiatorIsApprover', ['approve', 'skip', 'supervisor']],
        ['ifSameApprover', ['each', 'once']],
        ['ifNoApprover', ['incident', 'autoPass', 'admin']],
      ] as const) {
        const value = stringProp(element, attribute);
        if (value !== undefined && !(values as readonly string[]).includes(value.trim())) {
          ctx.report(element, `fiscal:${attribute} "${value}" must be one of ${values.join(', ')}`);
        }
      }
      const allowed = stringProp(element, 'allowedOperations');
      if (allowed === undefined) continue;
      const unknown = allowed
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v.length > 0 && !(APPROVAL_OPERATIONS as readonly string[]).includes(v));
      if (unknown.length > 0) {
        ctx.report(
          element,
          `fiscal:allowedOperations names unknown operations: ${unknown.join(', ')} (known: ${APPROVAL_OPERATIONS.join(', ')})`,
        );
      }
    }
  },
};
