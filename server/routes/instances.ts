/** Routes: (to be written). */
import type { RouteSpec } from '../http/route.js';

export const instanceRoutes: RouteSpec[] = [];
