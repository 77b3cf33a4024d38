/**
 * Who is calling: the user, their org, and the roles they hold at which orgs, loaded from the directory on
 * each request (cached briefly), so a disabled user or a changed role takes effect within seconds.
 */
import type { OrgLevel } from '../../processes/org/org.js';
import type { Role } from '../../processes/org/roles.js';

/** One role held at one org (the same person can hold different roles at different orgs). */
export interface RoleGrant {
  readonly role: Role;
  readonly orgCode: string;
  readonly orgPath: string;
}

export interface Principal {
  readonly userId: string;
  readonly name: string;
  readonly orgCode: string;
  readonly orgName: string;
  readonly orgPath: string;
  readonly orgLevel: OrgLevel;
  readonly roles: readonly RoleGrant[];
  /** How the request proved who it is: a browser session cookie (CSRF-checked) or a bearer token. */
  readonly via: 'cookie' | 'bearer';
}

/** True if the principal holds one of the roles at any org. */
export function hasAnyRole(principal: Principal, roles: readonly Role[]): boolean {
  return principal.roles.some((g) => roles.includes(g.role));
}

/** System administrators see and may operate everything. */
export function isAdmin(principal: Principal): boolean {
  return hasAnyRole(principal, ['admin']);
}

/** Distinct role codes the principal holds (for candidate-role matching). */
export function roleCodes(principal: Principal): Role[] {
  return [...new Set(principal.roles.map((g) => g.role))];
}
