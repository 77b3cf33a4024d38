/**
 * Every /api route, in one list: mounted by app.ts, documented by openapi.ts, walked by the route-table tests
 * (org-scope matrix, fuzzing). A route module exports an array of route definitions.
 */
import type { RouteSpec } from '../http/route.js';
import { authRoutes } from './auth.js';
import { directoryRoutes } from './directory.js';
import { deploymentRoutes } from './deployments.js';
import { definitionRoutes } from './definitions.js';
import { instanceRoutes } from './instances.js';
import { historyRoutes } from './history.js';
import { messagingRoutes } from './messaging.js';
import { incidentRoutes } from './incidents.js';
import { taskRoutes } from './tasks.js';
import { taskOperationRoutes } from './task-operations.js';
import { commentRoutes } from './comments.js';
import { attachmentRoutes } from './attachments.js';
import { filterRoutes } from './filters.js';
import { pathRoutes } from './paths.js';
import { referenceRoutes } from './reference.js';
import { formRoutes } from './forms.js';
import { lintRoutes } from './lint.js';
import { dashboardRoutes } from './dashboard.js';

export const apiRoutes: readonly RouteSpec[] = [
  ...authRoutes,
  ...directoryRoutes,
  ...deploymentRoutes,
  ...definitionRoutes,
  ...instanceRoutes,
  ...historyRoutes,
  ...messagingRoutes,
  ...incidentRoutes,
  ...taskRoutes,
  ...taskOperationRoutes,
  ...commentRoutes,
  ...attachmentRoutes,
  ...filterRoutes,
  ...pathRoutes,
  ...referenceRoutes,
  ...formRoutes,
  ...lintRoutes,
  ...dashboardRoutes,
];
