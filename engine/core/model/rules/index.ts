/**
 * The validation rules, in the order they run. Adding a rule = one file in rules/ plus one line here.
 */
import { boundaryEvents } from './boundary-events.js';
import { callActivity } from './call-activity.js';
import { conditionalFlows } from './conditional-flows.js';
import { elementIds } from './element-ids.js';
import { endlessLoops } from './endless-loops.js';
import { errorEscalationDefinitions } from './error-escalation-definitions.js';
import { eventBasedGateway } from './event-based-gateway.js';
import { eventSubProcess } from './event-sub-process.js';
import { executableProcess } from './executable-process.js';
import { feelExpressions } from './feel-expressions.js';
import { flowNodeConnections } from './flow-node-connections.js';
import { messageDefinitions } from './message-definitions.js';
import { multiInstance } from './multi-instance.js';
import type { Rule } from './rule.js';
import { serviceTaskType } from './service-task-type.js';
import { signalDefinitions } from './signal-definitions.js';
import { storedLengths } from './stored-lengths.js';
import { subProcessStart } from './sub-process-start.js';
import { supportedElements } from './supported-elements.js';
import { timerDefinitions } from './timer-definitions.js';
import { userTaskApproval } from './user-task-approval.js';
import { userTaskDue } from './user-task-due.js';
import { userTaskPriority } from './user-task-priority.js';

export const RULES: readonly Rule[] = [
  executableProcess,
  elementIds,
  storedLengths,
  supportedElements,
  subProcessStart,
  eventSubProcess,
  flowNodeConnections,
  boundaryEvents,
  conditionalFlows,
  endlessLoops,
  eventBasedGateway,
  feelExpressions,
  serviceTaskType,
  userTaskDue,
  userTaskApproval,
  userTaskPriority,
  timerDefinitions,
  messageDefinitions,
  signalDefinitions,
  errorEscalationDefinitions,
  callActivity,
  multiInstance,
];
