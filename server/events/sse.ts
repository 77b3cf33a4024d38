/** Live inbox events over Server-Sent Events at /api/events (to be written). */
import type Router from '@koa/router';
import type { AppServices } from '../services.js';

export function mountEvents(router: Router, services: AppServices): void {
  void router;
  void services;
}
