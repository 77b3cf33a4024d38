/**
 * A problem found in a model: what validation rules, the parser and the size limits report.
 * Each one names the element id and BPMN type so a designer can find it on the canvas.
 */
export interface Problem {
  /** Element id, or `-` when the problem concerns the whole file. */
  readonly elementId: string;
  /** BPMN type of that element, e.g. `bpmn:ExclusiveGateway`, or `-`. */
  readonly elementType: string;
  /** Rule id that found it (kebab-case, = file name in rules/), e.g. `conditional-flows`. */
  readonly rule: string;
  readonly message: string;
}
