import type { Behavior } from './behavior.js';

/** Script task: evaluates its FEEL expression and writes the value to `fiscal:resultVariable`. */
export const scriptTask: Behavior = {
  activate(runner, token) {
    const element = runner.element(token.elementId);
    const value = runner.evaluate(element.script!.source, `Script of script task ${element.id}`, token);
    runner.work.setVariable(element.resultVariable!, value);
    runner.event('VARIABLES_UPDATED', element, token, { names: [element.resultVariable] });
    runner.takeOutgoing(token);
  },
};
