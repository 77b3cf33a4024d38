/**
 * Rule `error-escalation-definitions`: thrown errors and escalations carry a code, so the catching boundary or
 * event sub-process can be found; catches may leave the reference out to catch every code.
 *
 * - an error end event references a `bpmn:Error` (`errorRef`) with a non-empty `errorCode`;
 * - an escalation throw (intermediate throw or end event) references a `bpmn:Escalation` with a non-empty
 *   `escalationCode`;
 * - a catch (boundary event, event sub-process start) without a reference catches every code; with a reference,
 *   the referenced element must have a code (otherwise the designer meant something the model does not say);
 * - the error and escalation boundary events of one activity catch different codes (at most one catch-all each).
 */
import {
  type BpmnElement,
  type Rule,
  type RuleContext,
  elementId,
  elementProp,
  eventDefinition,
  stringProp,
} from './rule.js';
import { supportedElement } from './supported-elements.js';

interface Kind {
  readonly definition: string;
  readonly ref: string;
  readonly target: string;
  readonly code: string;
  readonly word: string;
}

const KINDS: readonly Kind[] = [
  {
    definition: 'bpmn:ErrorEventDefinition',
    ref: 'errorRef',
    target: 'bpmn:Error',
    code: 'errorCode',
    word: 'error',
  },
  {
    definition: 'bpmn:EscalationEventDefinition',
    ref: 'escalationRef',
    target: 'bpmn:Escalation',
    code: 'escalationCode',
    word: 'escalation',
  },
];

const THROWS: readonly string[] = ['bpmn:EndEvent', 'bpmn:IntermediateThrowEvent'];

export const errorEscalationDefinitions: Rule = {
  id: 'error-escalation-definitions',
  description: 'Error and escalation throws need a referenced code; catches may omit it to catch all.',
  check(ctx) {
    // per activity and kind: the codes its boundary events catch (null = every code)
    const caught = new Map<BpmnElement, Map<string, Set<string | null>>>();
    for (const { element, scope } of ctx.model.elements) {
      const definition = eventDefinition(element);
      const kind = KINDS.find((k) => k.definition === definition?.$type);
      if (!definition || !kind || !supportedElement(element, scope)) continue;
      const code = checkReference(element, definition, kind, ctx);
      if (element.$type !== 'bpmn:BoundaryEvent' || code === undefined) continue;
      const attached = elementProp(element, 'attachedToRef');
      if (!attached) continue;
      let byKind = caught.get(attached);
      if (!byKind) caught.set(attached, (byKind = new Map()));
      let codes = byKind.get(kind.word);
      if (!codes) byKind.set(kind.word, (codes = new Set()));
      if (codes.has(code)) {
        ctx.report(
          element,
          code === null
            ? `activity ${elementId(attached) ?? ''} already has a boundary event catching every ${kind.word}`
            : `activity ${elementId(attached) ?? ''} already has a boundary event catching ${kind.word} code "${code}"`,
        );
      }
      codes.add(code);
    }
  },
};

// helpers //////

/** Checks the reference; returns the caught/thrown code (null = catch-all), or undefined when it is broken. */
function checkReference(
  element: BpmnElement,
  definition: BpmnElement,
  kind: Kind,
  ctx: RuleContext,
): string | null | undefined {
  const isThrow = THROWS.includes(element.$type);
  const referenced = elementProp(definition, kind.ref);
  if (!referenced) {
    if (isThrow) {
      ctx.report(
        element,
        `a thrown ${kind.word} must reference a ${kind.target} with an ${kind.code} (${kind.ref} is missing or names nothing)`,
      );
      return undefined;
    }
    return null;
  }
  if (referenced.$type !== kind.target) {
    ctx.report(element, `${kind.ref} must name a ${kind.target}, but names a ${referenced.$type}`);
    return undefined;
  }
  const code = (stringProp(referenced, kind.code) ?? '').trim();
  if (code === '') {
    ctx.report(
      element,
      isThrow
        ? `${kind.word} ${elementId(referenced) ?? ''} has no ${kind.code}; a thrown ${kind.word} needs one`
        : `${kind.word} ${elementId(referenced) ?? ''} has no ${kind.code}; give it one, or remove ${kind.ref} to catch every ${kind.word}`,
    );
    return undefined;
  }
  return code;
}
