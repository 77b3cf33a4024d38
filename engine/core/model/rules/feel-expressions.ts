/**
 * Rule `feel-expressions`: every expression the runtime will evaluate is FEEL and parses, so a typo is a
 * deploy error instead of an incident on the first instance.
 *
 * Checked: sequence flow conditions (`conditionExpression`, language FEEL or unset), script task scripts
 * (`scriptFormat="feel"`, non-empty, with `fiscal:resultVariable`), and user task `fiscal:assignee` /
 * `fiscal:candidateUsers`, `fiscal:orgScope` when written as an expression (a value starting with `=`). The expressions of timers,
 * messages, call activities and multi-instance activities are checked by their own rules.
 */
import { checkExpressionSyntax, normalizeExpression } from '../../expr/feel.js';
import {
  type BpmnElement,
  type Rule,
  type RuleContext,
  SEQUENCE_FLOW,
  elementProp,
  stringProp,
} from './rule.js';
import { supportedElement } from './supported-elements.js';

export const feelExpressions: Rule = {
  id: 'feel-expressions',
  description: 'Conditions, scripts and expression attributes must be valid FEEL.',
  check(ctx) {
    for (const { element, scope } of ctx.model.elements) {
      if (element.$type === SEQUENCE_FLOW) {
        checkCondition(element, ctx);
        continue;
      }
      const kind = supportedElement(element, scope)?.kind;
      if (kind === 'scriptTask') checkScriptTask(element, ctx);
      if (kind === 'userTask') {
        for (const attribute of ['assignee', 'candidateUsers', 'orgScope']) {
          const value = stringProp(element, attribute);
          if (value !== undefined && value.trim().startsWith('=')) {
            checkSyntax(element, `fiscal:${attribute}`, value, ctx);
          }
        }
      }
    }
  },
};

// helpers //////

function checkCondition(flow: BpmnElement, ctx: RuleContext): void {
  const condition = elementProp(flow, 'conditionExpression');
  if (!condition) return;
  const language = stringProp(condition, 'language');
  if (language !== undefined && !language.toLowerCase().includes('feel')) {
    ctx.report(flow, `condition language "${language}" is not supported; write the condition in FEEL`);
    return;
  }
  checkSyntax(flow, 'condition', stringProp(condition, 'body') ?? '', ctx);
}

function checkScriptTask(task: BpmnElement, ctx: RuleContext): void {
  const format = stringProp(task, 'scriptFormat');
  if (format === undefined || format.trim().toLowerCase() !== 'feel') {
    ctx.report(
      task,
      format === undefined
        ? 'script task has no scriptFormat; set scriptFormat="feel"'
        : `script format "${format}" is not supported; scripts must be FEEL (scriptFormat="feel")`,
    );
  } else {
    checkSyntax(task, 'script', stringProp(task, 'script') ?? '', ctx);
  }
  if ((stringProp(task, 'resultVariable') ?? '').trim() === '') {
    ctx.report(task, 'script task has no fiscal:resultVariable to store the result in');
  }
}

function checkSyntax(element: BpmnElement, what: string, text: string, ctx: RuleContext): void {
  const error = checkExpressionSyntax(normalizeExpression(text));
  if (error !== undefined) ctx.report(element, `${what} is not valid FEEL: ${error}`);
}
