/**
 * Rule `element-ids`: every deployed process and flow element has an id. Ids are the keys of the compiled
 * model, of history rows and of the tracking view; an element without one cannot be executed or shown.
 * (Duplicate ids are already reported by the parser, see parse.ts.)
 */
import { type Rule, elementId, stringProp } from './rule.js';

export const elementIds: Rule = {
  id: 'element-ids',
  description: 'Deployed processes and their flow elements must have an id.',
  check(ctx) {
    for (const process of ctx.model.deployable) {
      if (elementId(process) === undefined) ctx.report(process, 'process has no id');
    }
    for (const { element } of ctx.model.elements) {
      if (elementId(element) !== undefined) continue;
      const name = stringProp(element, 'name');
      ctx.report(element, name === undefined ? 'element has no id' : `element "${name}" has no id`);
    }
  },
};
