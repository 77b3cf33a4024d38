/**
 * The request a command runs for (id, user, org, roles), carried through async calls so that the audit rows the
 * store writes in the command's transaction name who did it and in which request, without threading it
 * through every engine call.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestContext {
  readonly requestId: string;
  readonly userId?: string;
  readonly orgCode?: string;
  readonly roles?: readonly string[];
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

/** The current request, if the caller runs inside one. */
export function currentRequest(): RequestContext | undefined {
  return requestContext.getStore();
}
