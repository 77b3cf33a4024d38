/**
 * Runs every validation rule over parsed definitions. Deployment fails when the result is not empty
 * (the problems are shown to the designer, each naming the element id and type).
 */
import type { Problem } from './problem.js';
import { RULES } from './rules/index.js';
import { type BpmnElement, type Rule, elementId, indexDefinitions } from './rules/rule.js';

/**
 * Returns the problems of `definitions` (a parsed `bpmn:Definitions`), sorted: file-level problems first,
 * then by element id and rule id; problems that tie keep the order the rules reported them in.
 */
export function validateDefinitions(definitions: unknown, rules: readonly Rule[] = RULES): Problem[] {
  if (!isDefinitions(definitions)) {
    return [
      {
        elementId: '-',
        elementType: '-',
        rule: 'executable-process',
        message: 'the document is not a BPMN definitions element',
      },
    ];
  }
  const model = indexDefinitions(definitions);
  const problems: Problem[] = [];
  for (const rule of rules) {
    rule.check({
      model,
      report(element, message) {
        problems.push({
          elementId: elementId(element) ?? '-',
          elementType: element?.$type ?? '-',
          rule: rule.id,
          message,
        });
      },
    });
  }
  return sortProblems(problems);
}

/** Stable sort: `-` (whole file) first, then element id, then rule id; ties keep their order. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return problems
    .map((problem, index) => ({ problem, index }))
    .sort((a, b) => compare(a.problem, b.problem) || a.index - b.index)
    .map(({ problem }) => problem);
}

// helpers //////

function compare(a: Problem, b: Problem): number {
  const fileA = a.elementId === '-' ? 0 : 1;
  const fileB = b.elementId === '-' ? 0 : 1;
  return fileA - fileB || codeUnitOrder(a.elementId, b.elementId) || codeUnitOrder(a.rule, b.rule);
}

function codeUnitOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isDefinitions(value: unknown): value is BpmnElement {
  return (
    typeof value === 'object' && value !== null && (value as { $type?: unknown }).$type === 'bpmn:Definitions'
  );
}
