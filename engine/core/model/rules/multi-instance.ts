/**
 * Rule `multi-instance`: a multi-instance activity (会签, 或签, 依次审批, 比例通过) says how many instances to run
 * and, for the approval presets, how the decision is taken.
 *
 * - the instances come from exactly one of `fiscal:collection` (FEEL list, one instance per item, bound to
 *   `fiscal:elementVariable`) and `bpmn:loopCardinality` (FEEL count); an approval preset needs the collection
 *   (one reviewer per item), not a count;
 * - `fiscal:collection` needs `fiscal:elementVariable`, and `fiscal:elementVariable` is only used with it;
 * - `bpmn:completionCondition`, when given, parses as FEEL;
 * - `fiscal:approvalPreset` is `all`, `any`, `sequential` or `ratio`; `ratio` needs `fiscal:approvalRatio`, a
 *   whole percent 1..100, and `fiscal:approvalRatio` is only used with it; `sequential` runs one instance after
 *   the other, so it contradicts an explicit `isSequential="false"` (left out, the compiler sets it);
 * - `fiscal:outcomeVariable` / `fiscal:resultVariable`, when given, are variable names;
 * - the BPMN data-association form (`loopDataInputRef`, `inputDataItem`, `loopDataOutputRef`, `outputDataItem`)
 *   and `behavior` / `complexBehaviorDefinition` event throwing are not supported (they would be ignored).
 */
import {
  type BpmnElement,
  type Rule,
  type RuleContext,
  elementList,
  elementProp,
  expressionText,
  feelProblem,
  isVariableName,
  numberProp,
  stringProp,
} from './rule.js';
import { supportedElement } from './supported-elements.js';

/** Values of `fiscal:approvalPreset`: 会签, 或签, 依次审批, 比例通过. */
export const APPROVAL_PRESETS: readonly string[] = ['all', 'any', 'sequential', 'ratio'];

const DATA_FORMS: readonly string[] = [
  'loopDataInputRef',
  'inputDataItem',
  'loopDataOutputRef',
  'outputDataItem',
];

export const multiInstance: Rule = {
  id: 'multi-instance',
  description:
    'A multi-instance activity needs one collection or cardinality, valid FEEL and a valid approval preset.',
  check(ctx) {
    for (const { element, scope } of ctx.model.elements) {
      const loop = elementProp(element, 'loopCharacteristics');
      if (loop?.$type !== 'bpmn:MultiInstanceLoopCharacteristics' || !supportedElement(element, scope))
        continue;
      checkLoop(element, loop, ctx);
    }
  },
};

// helpers //////

function checkLoop(element: BpmnElement, loop: BpmnElement, ctx: RuleContext): void {
  const collection = stringProp(loop, 'collection');
  const cardinality = expressionText(loop, 'loopCardinality');
  const elementVariable = stringProp(loop, 'elementVariable');
  const preset = stringProp(loop, 'approvalPreset');

  if (preset !== undefined) {
    if (cardinality !== undefined) {
      ctx.report(
        element,
        `approval preset "${preset}" takes its instances from fiscal:collection, the list of reviewers, ` +
          'not from bpmn:loopCardinality',
      );
    } else if (collection === undefined) {
      ctx.report(
        element,
        `approval preset "${preset}" needs fiscal:collection, the list of reviewers (one instance each)`,
      );
    }
  } else if (collection === undefined && cardinality === undefined) {
    ctx.report(element, 'multi-instance needs fiscal:collection (a list) or bpmn:loopCardinality (a count)');
  } else if (collection !== undefined && cardinality !== undefined) {
    ctx.report(
      element,
      'multi-instance has both fiscal:collection and bpmn:loopCardinality; give exactly one',
    );
  }

  if (collection !== undefined) {
    checkFeel(element, 'fiscal:collection', collection, ctx);
    if (elementVariable === undefined) {
      ctx.report(
        element,
        'fiscal:collection needs fiscal:elementVariable, the variable each instance gets its item in',
      );
    }
  } else if (elementVariable !== undefined) {
    ctx.report(element, 'fiscal:elementVariable is only used with fiscal:collection');
  }
  if (elementVariable !== undefined) checkName(element, 'fiscal:elementVariable', elementVariable, ctx);
  if (cardinality !== undefined) checkFeel(element, 'loopCardinality', cardinality, ctx);
  const completion = expressionText(loop, 'completionCondition');
  if (completion !== undefined) checkFeel(element, 'completionCondition', completion, ctx);

  checkPreset(element, loop, preset, ctx);
  for (const attribute of ['outcomeVariable', 'resultVariable']) {
    const value = stringProp(loop, attribute);
    if (value !== undefined) checkName(element, `fiscal:${attribute}`, value, ctx);
  }

  const dataForms = DATA_FORMS.filter((property) => loop[property] !== undefined);
  if (dataForms.length > 0) {
    ctx.report(
      element,
      `${dataForms.join(', ')} is not supported; use fiscal:collection and fiscal:elementVariable`,
    );
  }
  if (
    (loop.behavior !== undefined && loop.behavior !== 'All') ||
    elementList(loop, 'complexBehaviorDefinition').length > 0
  ) {
    ctx.report(
      element,
      'multi-instance behavior events (behavior, complexBehaviorDefinition) are not supported',
    );
  }
}

function checkPreset(
  element: BpmnElement,
  loop: BpmnElement,
  preset: string | undefined,
  ctx: RuleContext,
): void {
  const hasRatio = loop.approvalRatio !== undefined;
  if (preset !== undefined && !APPROVAL_PRESETS.includes(preset)) {
    ctx.report(element, `fiscal:approvalPreset "${preset}" is not one of ${APPROVAL_PRESETS.join(', ')}`);
  }
  if (preset === 'ratio') {
    const ratio = numberProp(loop, 'approvalRatio');
    if (ratio === undefined || !Number.isInteger(ratio) || ratio < 1 || ratio > 100) {
      ctx.report(
        element,
        'approval preset "ratio" needs fiscal:approvalRatio, a whole percent from 1 to 100',
      );
    }
  } else if (hasRatio) {
    ctx.report(element, 'fiscal:approvalRatio is only used with fiscal:approvalPreset="ratio"');
  }
  if (preset === 'sequential' && Object.hasOwn(loop, 'isSequential') && loop.isSequential === false) {
    ctx.report(
      element,
      'approval preset "sequential" runs reviewers one after another; it contradicts isSequential="false"',
    );
  }
}

function checkFeel(element: BpmnElement, what: string, text: string, ctx: RuleContext): void {
  const problem = feelProblem(text);
  if (problem !== undefined) ctx.report(element, `${what} is not valid FEEL: ${problem}`);
}

function checkName(element: BpmnElement, what: string, value: string, ctx: RuleContext): void {
  if (!isVariableName(value.trim())) ctx.report(element, `${what} "${value}" is not a variable name`);
}
