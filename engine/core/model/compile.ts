/**
 * Moddle definitions → the executable model (types.ts): one `ExecutableProcess` per deployable process, with
 * sub-processes flattened into the same `elements` map (linked by `scopeId`, `childIds`, `startEventId`),
 * `incoming`/`outgoing` as sequence flow ids in document order, and FEEL normalized (leading `=` dropped).
 *
 * Only call this on definitions that `validateDefinitions` accepted: it throws on anything the rules reject.
 * Maps keyed by element id are created with `Object.create(null)`, so ids such as `__proto__` or
 * `constructor` are ordinary keys; the result is deeply frozen.
 */
import { normalizeExpression } from '../expr/feel.js';
import type {
  CompiledExpression,
  ExecutableElement,
  ExecutableFlow,
  ExecutableModel,
  ExecutableProcess,
  TaskAssignment,
} from './types.js';
import {
  type BpmnElement,
  type ModelIndex,
  SEQUENCE_FLOW,
  elementId,
  elementProp,
  eventDefinitions,
  indexDefinitions,
  isWalkedSubProcess,
  noneStartEvents,
  numberProp,
  stringProp,
} from './rules/rule.js';
import { supportedElement } from './rules/supported-elements.js';

export const DEFAULT_RETRIES = 3;
export const DEFAULT_RETRY_BACKOFF = 'PT10S';

/** Compiles validated definitions into the frozen executable model. */
export function compileDefinitions(definitions: BpmnElement): ExecutableModel {
  const index = indexDefinitions(definitions);
  const processes = Object.create(null) as Record<string, ExecutableProcess>;
  for (const process of index.deployable) {
    const compiled = compileProcess(process, index);
    processes[compiled.key] = compiled;
  }
  return deepFreeze({ processes });
}

// helpers //////

function compileProcess(process: BpmnElement, index: ModelIndex): ExecutableProcess {
  const key = requireId(process);
  const elements = Object.create(null) as Record<string, ExecutableElement>;
  const flows = Object.create(null) as Record<string, ExecutableFlow>;

  // scopes in walk order (parents before children), no recursion
  const scopes: BpmnElement[] = [process];
  for (let i = 0; i < scopes.length; i++) {
    const scope = scopes[i] as BpmnElement;
    const scopeId = scope === process ? null : requireId(scope);
    for (const element of index.children.get(scope) ?? []) {
      if (element.$type === SEQUENCE_FLOW) {
        const flow = compileFlow(element);
        flows[flow.id] = flow;
        continue;
      }
      const supported = supportedElement(element);
      if (!supported) continue; // data objects and other ignored elements carry no behavior
      const compiled = compileElement(element, supported.kind, scopeId, index);
      elements[compiled.id] = compiled;
      if (isWalkedSubProcess(element)) scopes.push(element);
    }
  }

  const start = noneStartEvents(index.children.get(process) ?? [])[0];
  if (!start) throw new Error(`Expected process ${key} to have a none start event, but it has none`);

  return {
    key,
    ...optional('name', stringProp(process, 'name')),
    ...optional('versionTag', stringProp(process, 'versionTag')),
    startEventId: requireId(start),
    elements,
    flows,
  };
}

function compileElement(
  element: BpmnElement,
  kind: ExecutableElement['kind'],
  scopeId: string | null,
  index: ModelIndex,
): ExecutableElement {
  const id = requireId(element);
  const base = {
    id,
    kind,
    bpmnType: element.$type,
    ...optional('name', stringProp(element, 'name')),
    scopeId,
    incoming: (index.incoming.get(element) ?? []).map(requireId),
    outgoing: (index.outgoing.get(element) ?? []).map(requireId),
    ...optional('defaultFlowId', elementId(elementProp(element, 'default'))),
  };

  switch (kind) {
    case 'endEvent':
      return {
        ...base,
        endEventKind: eventDefinitions(element).some((d) => d.$type === 'bpmn:TerminateEventDefinition')
          ? 'terminate'
          : 'none',
      };
    case 'userTask':
      return { ...base, assignment: compileAssignment(element) };
    case 'serviceTask':
      return {
        ...base,
        taskType: (stringProp(element, 'taskType') ?? '').trim(),
        retries: numberProp(element, 'retries') ?? DEFAULT_RETRIES,
        retryBackoff: stringProp(element, 'retryBackoff') ?? DEFAULT_RETRY_BACKOFF,
      };
    case 'scriptTask':
      return {
        ...base,
        script: expression(stringProp(element, 'script') ?? ''),
        resultVariable: (stringProp(element, 'resultVariable') ?? '').trim(),
      };
    case 'subProcess': {
      const children = index.children.get(element) ?? [];
      const start = noneStartEvents(children)[0];
      if (!start) throw new Error(`Expected sub-process ${id} to have a none start event, but it has none`);
      return {
        ...base,
        startEventId: requireId(start),
        childIds: children.filter((child) => supportedElement(child) !== undefined).map(requireId),
      };
    }
    default:
      return base;
  }
}

function compileFlow(flow: BpmnElement): ExecutableFlow {
  const source = elementProp(flow, 'sourceRef');
  const target = elementProp(flow, 'targetRef');
  const condition = elementProp(flow, 'conditionExpression');
  return {
    id: requireId(flow),
    ...optional('name', stringProp(flow, 'name')),
    sourceId: requireId(source),
    targetId: requireId(target),
    ...optional('condition', condition ? expression(stringProp(condition, 'body') ?? '') : undefined),
  };
}

/** `fiscal:*` assignment attributes: `=`-prefixed values are FEEL, others literals. */
function compileAssignment(task: BpmnElement): TaskAssignment {
  const assignee = stringProp(task, 'assignee');
  const candidateUsers = stringProp(task, 'candidateUsers');
  const candidateRoles = stringProp(task, 'candidateRoles');
  return {
    ...optional(
      'assignee',
      assignee === undefined
        ? undefined
        : isExpression(assignee)
          ? expression(assignee)
          : { literal: assignee.trim() },
    ),
    ...optional(
      'candidateUsers',
      candidateUsers === undefined
        ? undefined
        : isExpression(candidateUsers)
          ? expression(candidateUsers)
          : { literal: commaList(candidateUsers) },
    ),
    ...optional('candidateRoles', candidateRoles === undefined ? undefined : commaList(candidateRoles)),
    ...optional('orgScope', stringProp(task, 'orgScope')),
    ...optional('dueIn', stringProp(task, 'dueIn')),
    ...optional('formKey', stringProp(task, 'formKey')),
    ...optional('priority', numberProp(task, 'priority')),
  };
}

function isExpression(value: string): boolean {
  return value.trim().startsWith('=');
}

function expression(text: string): CompiledExpression {
  return { source: normalizeExpression(text) };
}

function commaList(value: string): string[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

function requireId(element: BpmnElement | undefined): string {
  const id = elementId(element);
  if (id === undefined)
    throw new Error(`Expected ${element?.$type ?? 'a referenced element'} to have an id, but it has none`);
  return id;
}

/** `{ [key]: value }` when value is defined, `{}` otherwise (no `undefined`-valued keys in the model). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

/** Freezes an object graph without recursion. */
function deepFreeze<T extends object>(root: T): T {
  const stack: object[] = [root];
  while (stack.length > 0) {
    const value = stack.pop() as object;
    if (Object.isFrozen(value)) continue;
    Object.freeze(value);
    for (const key of Object.keys(value)) {
      const child = (value as Record<string, unknown>)[key];
      if (typeof child === 'object' && child !== null && !Object.isFrozen(child)) stack.push(child);
    }
  }
  return root;
}
