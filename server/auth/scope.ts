/**
 * Read scope: which instances (and their history) a caller may see. Act scope is separate and stricter: a
 * task is actionable only by its assignee or candidates (the engine checks it), whatever the read scope.
 *
 * - admins see everything;
 * - holders of a viewing role see the subtree of their org; for finance-bureau staff that is the whole region
 *   the bureau serves (a county 国库股 reviewer sees every unit of the county; a city sees its counties);
 * - everyone sees the instances they are involved in (started, hold or held a task, were copied).
 */
import type { InstanceQuery } from '../../engine/index.js';
import { FINANCE_BUREAU_SEGMENT, pathCodes } from '../../processes/org/org-codes.js';
import type { Role } from '../../processes/org/roles.js';
import { isAdmin, type Principal } from './principal.js';

/** Roles that may view the work of their org subtree (clerks see only what they are involved in). */
export const VIEWING_ROLES: readonly Role[] = [
  'reviewer',
  'chief',
  'deputy_director',
  'director',
  'process_admin',
];

/** The org path prefixes the principal may view; undefined = everything (admin). */
export function viewRoots(principal: Principal): string[] | undefined {
  if (isAdmin(principal)) return undefined;
  const roots = new Set<string>();
  for (const grant of principal.roles) {
    if (!VIEWING_ROLES.includes(grant.role)) continue;
    roots.add(viewRootOf(grant.orgPath));
  }
  // a root inside another root adds nothing
  const sorted = [...roots].sort();
  return sorted.filter((r) => !sorted.some((other) => other !== r && r.startsWith(other)));
}

/** A finance bureau or one of its divisions views its whole region; any other org views its own subtree. */
export function viewRootOf(orgPath: string): string {
  const codes = pathCodes(orgPath);
  const bureauAt = codes.findIndex((c) => c.split('-')[1] === FINANCE_BUREAU_SEGMENT);
  if (bureauAt > 0) return `/${codes.slice(0, bureauAt).join('/')}/`;
  return orgPath;
}

/** The `visibleTo` filter for instance queries (undefined for admins). */
export function instanceVisibility(principal: Principal): InstanceQuery['visibleTo'] {
  const roots = viewRoots(principal);
  return roots === undefined ? undefined : { orgPathPrefixes: roots, userId: principal.userId };
}
