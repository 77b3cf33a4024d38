/**
 * Replays one recorded event choice: a boundary event or an event sub-process that fired. The trigger came from
 * outside (a timer, a message, an error), so there is nothing to evaluate; the check is that the model still
 * has the same catch at the same place: a boundary event on the same activity with the same trigger type and
 * interrupting behaviour, or an event sub-process whose start event has the same trigger type and interrupting
 * behaviour.
 */
import type { ExecutableElement, ExecutableProcess } from '../model/types.js';
import type { RouteOutcome } from './replay-route.js';

/** True when the history row's element is an event choice this file checks (judged by the recorded model). */
export function isEventChoice(element: ExecutableElement | undefined): boolean {
  return element?.kind === 'boundaryEvent' || element?.triggeredByEvent === true;
}

export function replayEvent(
  recordedElement: ExecutableElement,
  recorded: ExecutableProcess,
  model: ExecutableProcess,
): RouteOutcome {
  const id = recordedElement.id;
  const now = model.elements[id];
  if (!now) {
    return {
      verdict: 'differs',
      kind: 'element-missing',
      replayed: null,
      reason: `${recordedElement.bpmnType} ${id}, which fired, is not in the model`,
    };
  }
  const differs = (reason: string): RouteOutcome => ({
    verdict: 'differs',
    kind: 'event-differs',
    replayed: [id],
    reason,
  });
  if (recordedElement.kind === 'boundaryEvent') {
    if (now.kind !== 'boundaryEvent') return differs(`${id} is now a ${now.bpmnType}`);
    if (now.attachedToId !== recordedElement.attachedToId)
      return differs(`${id} was attached to ${recordedElement.attachedToId} and now to ${now.attachedToId}`);
    if ((now.cancelActivity !== false) !== (recordedElement.cancelActivity !== false))
      return differs(`${id} changed between interrupting and non-interrupting`);
    if (now.eventDefinition?.type !== recordedElement.eventDefinition?.type)
      return differs(
        `${id} caught a ${recordedElement.eventDefinition?.type ?? 'none'} event and now catches a ${now.eventDefinition?.type ?? 'none'} event`,
      );
    return { verdict: 'same' };
  }
  if (now.triggeredByEvent !== true) return differs(`${id} is no longer an event sub-process`);
  const before = recorded.elements[recordedElement.startEventId ?? ''];
  const after = model.elements[now.startEventId ?? ''];
  if (before?.eventDefinition?.type !== after?.eventDefinition?.type)
    return differs(
      `the start event of ${id} caught a ${before?.eventDefinition?.type ?? 'none'} event and now a ${after?.eventDefinition?.type ?? 'none'} event`,
    );
  if ((before?.interrupting !== false) !== (after?.interrupting !== false))
    return differs(`the start event of ${id} changed between interrupting and non-interrupting`);
  return { verdict: 'same' };
}
