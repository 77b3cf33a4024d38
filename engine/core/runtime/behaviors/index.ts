/** The behavior registry: element kind → behavior. A kind without an entry fails loudly. */
import type { ElementKind, ExecutableElement } from '../../model/types.js';
import type { Behavior } from './behavior.js';
import { boundaryEvent } from './boundary-event.js';
import { callActivity } from './call-activity.js';
import { catchEvent } from './catch-event.js';
import { endEvent } from './end-event.js';
import { eventBasedGateway } from './event-based-gateway.js';
import { intermediateThrowEvent } from './intermediate-throw-event.js';
import { sendTask } from './send-task.js';
import { exclusiveGateway } from './exclusive-gateway.js';
import { inclusiveGateway } from './inclusive-gateway.js';
import { parallelGateway } from './parallel-gateway.js';
import { passThrough } from './pass-through.js';
import { scriptTask } from './script-task.js';
import { serviceTask } from './service-task.js';
import { startEvent } from './start-event.js';
import { subProcess } from './sub-process.js';
import { userTask } from './user-task.js';

const behaviors: Record<ElementKind, Behavior> = {
  startEvent,
  endEvent,
  intermediateThrowEvent,
  intermediateCatchEvent: catchEvent,
  receiveTask: catchEvent,
  boundaryEvent,
  sendTask,
  eventBasedGateway,
  callActivity,
  task: passThrough,
  manualTask: passThrough,
  userTask,
  serviceTask,
  scriptTask,
  exclusiveGateway,
  parallelGateway,
  inclusiveGateway,
  subProcess,
};

export function behaviorFor(element: ExecutableElement): Behavior {
  const behavior = behaviors[element.kind];
  if (!behavior)
    throw new Error(`Expected a behavior for ${element.bpmnType} ${element.id}, but none is registered`);
  return behavior;
}
