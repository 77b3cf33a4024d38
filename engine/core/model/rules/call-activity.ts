/**
 * Rule `call-activity`: a call activity names the process it starts and which version, and its variable mappings
 * can be evaluated.
 *
 * - `calledElement` (the called process key) is not empty;
 * - `fiscal:calledElementBinding` is `latest` (default), `deployment`, `version` or `versionTag`;
 *   `version` needs `fiscal:calledElementVersion`, a whole number ≥ 1, and `versionTag` needs
 *   `fiscal:calledElementVersionTag`; either attribute without its binding is reported (it would be ignored);
 * - each `fiscal:in` / `fiscal:out` mapping has a FEEL `source` and a variable-name `target`, and no two
 *   mappings of one direction write the same target.
 *
 * Mappings anywhere else than on a call activity, a send task or a message throw / end event (`fiscal:in` only,
 * the message payload) would be ignored at run time and are reported here too.
 */
import {
  type BpmnElement,
  type Rule,
  type RuleContext,
  SEQUENCE_FLOW,
  checkVariableMappings,
  eventDefinitionType,
  numberProp,
  stringProp,
  variableMappings,
} from './rule.js';
import { supportedElement } from './supported-elements.js';

/** Values of `fiscal:calledElementBinding`: which version of the called process starts. */
export const CALLED_ELEMENT_BINDINGS: readonly string[] = ['latest', 'deployment', 'version', 'versionTag'];

export const callActivity: Rule = {
  id: 'call-activity',
  description:
    'A call activity needs a called process key, a valid version binding and valid fiscal:in/fiscal:out mappings.',
  check(ctx) {
    for (const { element, scope } of ctx.model.elements) {
      if (element.$type === SEQUENCE_FLOW || !supportedElement(element, scope)) continue;
      if (element.$type === 'bpmn:CallActivity') {
        checkCallActivity(element, ctx);
        continue;
      }
      if (publishesMessage(element)) continue; // its payload mappings are message-definitions' business
      const { inputs, outputs } = variableMappings(element);
      if (inputs.length > 0 || outputs.length > 0) {
        ctx.report(
          element,
          'fiscal:in/fiscal:out mappings are read only on call activities (and fiscal:in on send tasks and ' +
            'message throw or end events); here they would be ignored',
        );
      }
    }
  },
};

// helpers //////

function checkCallActivity(element: BpmnElement, ctx: RuleContext): void {
  if ((stringProp(element, 'calledElement') ?? '').trim() === '') {
    ctx.report(element, 'call activity has no calledElement naming the process (key) to start');
  }
  const binding = stringProp(element, 'calledElementBinding') ?? 'latest';
  if (!CALLED_ELEMENT_BINDINGS.includes(binding)) {
    ctx.report(
      element,
      `fiscal:calledElementBinding "${binding}" is not one of ${CALLED_ELEMENT_BINDINGS.join(', ')}`,
    );
  }
  const hasVersion = element.calledElementVersion !== undefined;
  const version = numberProp(element, 'calledElementVersion');
  const tag = stringProp(element, 'calledElementVersionTag');
  if (binding === 'version') {
    if (version === undefined || !Number.isSafeInteger(version) || version < 1) {
      ctx.report(element, 'binding "version" needs fiscal:calledElementVersion, a whole number from 1');
    }
  } else if (hasVersion) {
    ctx.report(
      element,
      'fiscal:calledElementVersion is only used with fiscal:calledElementBinding="version"',
    );
  }
  if (binding === 'versionTag') {
    if ((tag ?? '').trim() === '') {
      ctx.report(element, 'binding "versionTag" needs a non-empty fiscal:calledElementVersionTag');
    }
  } else if (tag !== undefined) {
    ctx.report(
      element,
      'fiscal:calledElementVersionTag is only used with fiscal:calledElementBinding="versionTag"',
    );
  }
  const { inputs, outputs } = variableMappings(element);
  checkVariableMappings(element, 'fiscal:in', inputs, ctx);
  checkVariableMappings(element, 'fiscal:out', outputs, ctx);
}

function publishesMessage(element: BpmnElement): boolean {
  if (element.$type === 'bpmn:SendTask') return true;
  return (
    (element.$type === 'bpmn:IntermediateThrowEvent' || element.$type === 'bpmn:EndEvent') &&
    eventDefinitionType(element) === 'bpmn:MessageEventDefinition'
  );
}
