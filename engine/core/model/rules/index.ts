/**
 * The validation rules, in the order they run. Adding a rule = one file in rules/ plus one line here.
 */
import { conditionalFlows } from './conditional-flows.js';
import { elementIds } from './element-ids.js';
import { executableProcess } from './executable-process.js';
import { feelExpressions } from './feel-expressions.js';
import { flowNodeConnections } from './flow-node-connections.js';
import type { Rule } from './rule.js';
import { serviceTaskType } from './service-task-type.js';
import { subProcessStart } from './sub-process-start.js';
import { supportedElements } from './supported-elements.js';
import { userTaskDue } from './user-task-due.js';
import { userTaskPriority } from './user-task-priority.js';

export const RULES: readonly Rule[] = [
  executableProcess,
  elementIds,
  supportedElements,
  subProcessStart,
  flowNodeConnections,
  conditionalFlows,
  feelExpressions,
  serviceTaskType,
  userTaskDue,
  userTaskPriority,
];
