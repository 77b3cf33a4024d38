/**
 * Rule `endless-loops`: no cycle of sequence flows made only of elements that neither wait nor change anything
 * (gateways, bpmn:Task, bpmn:ManualTask, none intermediate throw events). Such a cycle sees the same variables on
 * every turn, so a token that enters it never leaves: the runner stops it only after 10 000 steps, in one
 * transaction carrying every step's history (found by the HTTP upload fuzzing: on MariaDB that transaction
 * exceeded max_allowed_packet and the start answered 500). A loop with a user task, a service task, a script,
 * a catch event or a call activity in it is fine.
 *
 * Reported once per loop, on its first element in document order, naming the elements of the loop.
 */
import { type BpmnElement, type Rule, SEQUENCE_FLOW, elementProp, eventDefinitions } from './rule.js';

const INERT_TYPES: readonly string[] = [
  'bpmn:ExclusiveGateway',
  'bpmn:InclusiveGateway',
  'bpmn:ParallelGateway',
  'bpmn:Task',
  'bpmn:ManualTask',
];

export const endlessLoops: Rule = {
  id: 'endless-loops',
  description:
    'A cycle of sequence flows needs an element that waits or does something (a task, event or script).',
  check(ctx) {
    const { elements, outgoing } = ctx.model;
    const inert = elements.map(({ element }) => element).filter(isInert);
    const inertSet = new Set(inert);
    const next = (element: BpmnElement): BpmnElement[] =>
      (outgoing.get(element) ?? [])
        .map((flow) => elementProp(flow, 'targetRef'))
        .filter((target): target is BpmnElement => target !== undefined && inertSet.has(target));
    for (const loop of cycles(inert, next)) {
      const ids = loop.map((element) => String(element.id ?? '-'));
      ctx.report(
        loop[0],
        `the elements ${ids.join(', ')} form a loop with no task, script or event in it: ` +
          'a token that enters it never stops; add a user task or a condition that can change',
      );
    }
  },
};

// helpers //////

function isInert(element: BpmnElement): boolean {
  if (element.$type === SEQUENCE_FLOW) return false;
  if (INERT_TYPES.includes(element.$type)) return true;
  return element.$type === 'bpmn:IntermediateThrowEvent' && eventDefinitions(element).length === 0;
}

/**
 * The strongly connected components of more than one element, or of one element with a flow to itself (Tarjan's
 * algorithm, iterative so a long chain cannot overflow the stack), each in document order.
 */
function cycles(nodes: readonly BpmnElement[], next: (node: BpmnElement) => BpmnElement[]): BpmnElement[][] {
  const order = new Map(nodes.map((node, i) => [node, i]));
  const index = new Map<BpmnElement, number>();
  const low = new Map<BpmnElement, number>();
  const onStack = new Set<BpmnElement>();
  const stack: BpmnElement[] = [];
  const found: BpmnElement[][] = [];
  let counter = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: { node: BpmnElement; successors: BpmnElement[]; at: number }[] = [];
    const visit = (node: BpmnElement) => {
      index.set(node, counter);
      low.set(node, counter++);
      stack.push(node);
      onStack.add(node);
      work.push({ node, successors: next(node), at: 0 });
    };
    visit(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      if (frame.at < frame.successors.length) {
        const successor = frame.successors[frame.at++]!;
        if (!index.has(successor)) visit(successor);
        else if (onStack.has(successor))
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(successor)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) !== index.get(frame.node)) continue;
      const component: BpmnElement[] = [];
      let member: BpmnElement;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== frame.node);
      if (component.length > 1 || next(frame.node).includes(frame.node))
        found.push(component.sort((a, b) => order.get(a)! - order.get(b)!));
    }
  }
  return found.sort((a, b) => order.get(a[0]!)! - order.get(b[0]!)!);
}
