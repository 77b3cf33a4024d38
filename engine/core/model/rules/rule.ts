/**
 * The shape of a validation rule and the read-only view of the parsed model every rule gets.
 *
 * A rule is `{ id, description, check(ctx) }`: it looks at `ctx.model` and calls `ctx.report(element, message)`
 * for each problem (bpmnlint's `check(node, reporter)` shape, one rule per file, rule id = file name).
 *
 * The model index is built once per validation, without recursion (an explicit stack), so deeply nested
 * sub-processes cannot overflow the call stack. It only walks what we deploy (see `deployableProcesses`)
 * and only descends into embedded sub-processes (plain and event sub-processes): the contents of unsupported
 * containers (transactions, ad-hoc sub-processes) are reported once, at the container.
 *
 * Rules about one kind of element skip what `supportedElement` rejects (see supported-elements.ts): an element
 * the engine cannot run gets one problem, from `supported-elements`, not one per rule.
 *
 * Moddle objects are untrusted input: everything is read as `unknown` and narrowed with the helpers below.
 * Nothing here ever calls moddle's `set` and nothing is keyed by element id in a plain object.
 */
import { checkExpressionSyntax, normalizeExpression } from '../../expr/feel.js';

/** A bpmn-moddle element as we read it: a `$type` plus properties we must narrow before use. */
export interface BpmnElement {
  readonly $type: string;
  readonly id?: unknown;
  readonly [property: string]: unknown;
}

/** One flow element of a deployable process, with the process and the scope (process or sub-process) it sits in. */
export interface IndexedElement {
  readonly element: BpmnElement;
  readonly process: BpmnElement;
  readonly scope: BpmnElement;
}

/** What rules (and the compiler) read: the processes to deploy and every flow element in them, in document order. */
export interface ModelIndex {
  readonly definitions: BpmnElement;
  /** Every `bpmn:Process` root element. */
  readonly processes: readonly BpmnElement[];
  /** The processes that get compiled (see `deployableProcesses`). */
  readonly deployable: readonly BpmnElement[];
  /** Flow elements (nodes, sequence flows, data objects) of the deployable processes, parents before children. */
  readonly elements: readonly IndexedElement[];
  /** The direct flow elements of a process or walked sub-process. */
  readonly children: ReadonlyMap<BpmnElement, readonly BpmnElement[]>;
  /** Where each indexed element sits (process or sub-process). */
  readonly scopeOf: ReadonlyMap<BpmnElement, BpmnElement>;
  /** Sequence flows by source / target element, in document order (computed from sourceRef/targetRef). */
  readonly outgoing: ReadonlyMap<BpmnElement, readonly BpmnElement[]>;
  readonly incoming: ReadonlyMap<BpmnElement, readonly BpmnElement[]>;
}

export interface RuleContext {
  readonly model: ModelIndex;
  /** Records a problem on `element` (or on the whole file when `element` is undefined). */
  report(element: BpmnElement | undefined, message: string): void;
}

export interface Rule {
  /** Kebab-case id, equal to the file name in rules/. */
  readonly id: string;
  /** One sentence: what the rule requires and why. */
  readonly description: string;
  check(ctx: RuleContext): void;
}

export const SEQUENCE_FLOW = 'bpmn:SequenceFlow';
export const SUB_PROCESS = 'bpmn:SubProcess';

/**
 * The processes we compile: every process not marked `isExecutable="false"` (a missing attribute counts as
 * executable, as in Camunda 7 and Activiti), plus every process a collaboration participant (pool) points to.
 */
export function deployableProcesses(definitions: BpmnElement): BpmnElement[] {
  const roots = elementList(definitions, 'rootElements');
  const referenced = new Set<BpmnElement>();
  for (const root of roots) {
    if (root.$type !== 'bpmn:Collaboration') continue;
    for (const participant of elementList(root, 'participants')) {
      const processRef = elementProp(participant, 'processRef');
      if (processRef) referenced.add(processRef);
    }
  }
  return roots.filter(
    (root) => root.$type === 'bpmn:Process' && (root.isExecutable !== false || referenced.has(root)),
  );
}

/** Builds the index of a parsed `bpmn:Definitions`, iteratively. */
export function indexDefinitions(definitions: BpmnElement): ModelIndex {
  const processes = elementList(definitions, 'rootElements').filter((root) => root.$type === 'bpmn:Process');
  const deployable = deployableProcesses(definitions);
  const elements: IndexedElement[] = [];
  const children = new Map<BpmnElement, BpmnElement[]>();
  const scopeOf = new Map<BpmnElement, BpmnElement>();
  const outgoing = new Map<BpmnElement, BpmnElement[]>();
  const incoming = new Map<BpmnElement, BpmnElement[]>();
  const flows: BpmnElement[] = [];

  for (const process of deployable) {
    // explicit stack of scopes; children are pushed in reverse so the walk stays in document order
    const stack: BpmnElement[] = [process];
    while (stack.length > 0) {
      const scope = stack.pop() as BpmnElement;
      if (children.has(scope)) continue; // a shared object is walked once
      const direct = elementList(scope, 'flowElements');
      children.set(scope, direct);
      const nested: BpmnElement[] = [];
      for (const element of direct) {
        if (scopeOf.has(element)) continue;
        scopeOf.set(element, scope);
        elements.push({ element, process, scope });
        if (element.$type === SEQUENCE_FLOW) flows.push(element);
        if (isWalkedSubProcess(element)) nested.push(element);
      }
      for (let i = nested.length - 1; i >= 0; i--) stack.push(nested[i] as BpmnElement);
    }
  }

  for (const flow of flows) {
    const source = elementProp(flow, 'sourceRef');
    const target = elementProp(flow, 'targetRef');
    if (source) pushTo(outgoing, source, flow);
    if (target) pushTo(incoming, target, flow);
  }

  return { definitions, processes, deployable, elements, children, scopeOf, outgoing, incoming };
}

/** An embedded sub-process, plain or event sub-process: the only containers the index descends into. */
export function isWalkedSubProcess(element: BpmnElement): boolean {
  return element.$type === SUB_PROCESS;
}

/** An event sub-process (`bpmn:subProcess triggeredByEvent="true"`). */
export function isEventSubProcess(element: BpmnElement): boolean {
  return element.$type === SUB_PROCESS && element.triggeredByEvent === true;
}

/** Where a flow node sits, which decides e.g. which start events it may be. */
export type Placement = 'process' | 'subProcess' | 'eventSubProcess';

/** The placement of the children of `scope` (a process or a walked sub-process). */
export function placementIn(scope: BpmnElement | undefined): Placement {
  if (scope === undefined || scope.$type !== SUB_PROCESS) return 'process';
  return isEventSubProcess(scope) ? 'eventSubProcess' : 'subProcess';
}

/** The id of an element when it has a usable one. */
export function elementId(element: BpmnElement | undefined): string | undefined {
  const id = element?.id;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}

/** A string property, or undefined when absent or not a string. */
export function stringProp(element: BpmnElement, name: string): string | undefined {
  const value = element[name];
  return typeof value === 'string' ? value : undefined;
}

/** A number property (moddle parses `Integer` attributes with parseInt, so NaN is possible). */
export function numberProp(element: BpmnElement, name: string): number | undefined {
  const value = element[name];
  return typeof value === 'number' ? value : undefined;
}

/** A single referenced or contained element. */
export function elementProp(element: BpmnElement, name: string): BpmnElement | undefined {
  const value = element[name];
  return isElement(value) ? value : undefined;
}

/** A many-valued property, keeping only real elements. */
export function elementList(element: BpmnElement, name: string): BpmnElement[] {
  const value = element[name];
  if (!Array.isArray(value)) return [];
  return value.filter(isElement);
}

/** The event definitions of an event (empty for other elements). */
export function eventDefinitions(element: BpmnElement): BpmnElement[] {
  return elementList(element, 'eventDefinitions');
}

/** The single event definition of an event, or undefined (none event, or more than one). */
export function eventDefinition(element: BpmnElement): BpmnElement | undefined {
  const definitions = eventDefinitions(element);
  return definitions.length === 1 ? definitions[0] : undefined;
}

/** The event definition type of an event (`bpmn:TimerEventDefinition` …), or undefined. */
export function eventDefinitionType(element: BpmnElement): string | undefined {
  return eventDefinition(element)?.$type;
}

/** The text of a contained expression (`bpmn:FormalExpression` body), or undefined when there is none. */
export function expressionText(element: BpmnElement, name: string): string | undefined {
  const expression = elementProp(element, name);
  if (!expression) return undefined;
  return stringProp(expression, 'body') ?? '';
}

/** The `fiscal:in` / `fiscal:out` variable mappings in an element's extension elements, in document order. */
export function variableMappings(element: BpmnElement): { inputs: BpmnElement[]; outputs: BpmnElement[] } {
  const extensions = elementProp(element, 'extensionElements');
  const values = extensions ? elementList(extensions, 'values') : [];
  return {
    inputs: values.filter((value) => value.$type === FISCAL_IN),
    outputs: values.filter((value) => value.$type === FISCAL_OUT),
  };
}

/** Moddle types of the `<fiscal:in>` / `<fiscal:out>` extension elements. */
export const FISCAL_IN = 'fiscal:In';
export const FISCAL_OUT = 'fiscal:Out';

/** Returns why `text` is not a valid FEEL expression (written with or without a leading `=`), or undefined. */
export function feelProblem(text: string): string | undefined {
  return checkExpressionSyntax(normalizeExpression(text));
}

/** True for a name a variable can have: a letter, `_` or `$`, then letters, digits, `_` or `$` (Chinese allowed). */
export function isVariableName(value: string): boolean {
  return /^[\p{L}_$][\p{L}\p{N}_$]{0,127}$/u.test(value);
}

/** Checks `fiscal:in` or `fiscal:out` mappings (`what`): FEEL sources, variable-name targets, each target once. */
export function checkVariableMappings(
  element: BpmnElement,
  what: string,
  mappings: readonly BpmnElement[],
  ctx: RuleContext,
): void {
  const targets = new Set<string>();
  for (const mapping of mappings) {
    const problem = feelProblem(stringProp(mapping, 'source') ?? '');
    if (problem !== undefined) ctx.report(element, `${what} source is not valid FEEL: ${problem}`);
    const target = (stringProp(mapping, 'target') ?? '').trim();
    if (!isVariableName(target)) {
      ctx.report(element, `${what} target "${target}" is not a variable name`);
    } else if (targets.has(target)) {
      ctx.report(element, `two ${what} mappings write the variable "${target}"`);
    }
    targets.add(target);
  }
}

/** The start events without event definitions among `elements` (where a scope's token starts). */
export function noneStartEvents(elements: readonly BpmnElement[]): BpmnElement[] {
  return elements.filter((e) => e.$type === 'bpmn:StartEvent' && eventDefinitions(e).length === 0);
}

/**
 * True for an ISO 8601 duration of the `PnDTnHnMnS` form we support, e.g. `P3D`, `PT10S`, `P1DT12H`, `PT0.5S`
 * (whole numbers, a decimal fraction on seconds only; no years, months or weeks, whose length varies).
 */
export function isIsoDuration(value: string): boolean {
  return /^P(?=\d|T\d)(?:\d{1,9}D)?(?:T(?=\d)(?:\d{1,9}H)?(?:\d{1,9}M)?(?:\d{1,9}(?:\.\d{1,9})?S)?)?$/.test(
    value,
  );
}

// helpers //////

function isElement(value: unknown): value is BpmnElement {
  return (
    typeof value === 'object' && value !== null && typeof (value as { $type?: unknown }).$type === 'string'
  );
}

function pushTo(map: Map<BpmnElement, BpmnElement[]>, key: BpmnElement, value: BpmnElement): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
