/**
 * Maps the org directory's rows (`orgs`, `users`, `user_roles`, `user_agents`) to records and back, so the
 * domain never sees snake_case; the queries in org-directory.ts name columns only in their clauses. Times are DATETIME(3) on MySQL (read back as Date) and epoch milliseconds on SQLite; booleans are 0/1 on both.
 */
import type { DivisionType, Org, OrgKind, OrgLevel, OrgUser, UserAgent, UserRole } from './org.js';

/** A row as knex returns it. */
export type Row = Record<string, unknown>;

/** Maps an `orgs` row to an Org. */
export function orgFromRow(r: Row): Org {
  return {
    code: String(r.code),
    name: String(r.name),
    shortName: String(r.short_name),
    kind: String(r.kind) as OrgKind,
    level: String(r.level) as OrgLevel,
    parentCode: optionalString(r.parent_code),
    financeParentCode: optionalString(r.finance_parent_code),
    divisionType: optionalString(r.division_type) as DivisionType | null,
    path: String(r.path),
    validFrom: toTime(r.valid_from),
    validTo: r.valid_to === null || r.valid_to === undefined ? null : toTime(r.valid_to),
    isDirectlyAdministered: Boolean(Number(r.is_directly_administered)),
  };
}

/** Maps an Org to an `orgs` row. */
export function orgToRow(o: Org): Row {
  return {
    code: o.code,
    name: o.name,
    short_name: o.shortName,
    kind: o.kind,
    level: o.level,
    parent_code: o.parentCode,
    finance_parent_code: o.financeParentCode,
    division_type: o.divisionType,
    path: o.path,
    valid_from: new Date(o.validFrom),
    valid_to: o.validTo === null ? null : new Date(o.validTo),
    is_directly_administered: o.isDirectlyAdministered,
  };
}

/** Maps a `users` row to an OrgUser. */
export function userFromRow(r: Row): OrgUser {
  return {
    id: String(r.id),
    name: String(r.name),
    orgCode: String(r.org_code),
    disabled: Boolean(Number(r.disabled)),
    createdAt: toTime(r.created_at),
  };
}

/** Maps an OrgUser to a `users` row. */
export function userToRow(u: OrgUser): Row {
  return {
    id: u.id,
    name: u.name,
    org_code: u.orgCode,
    disabled: u.disabled,
    created_at: new Date(u.createdAt),
  };
}

/** Maps a UserRole to a `user_roles` row. */
export function userRoleToRow(r: UserRole): Row {
  return { user_id: r.userId, role: r.role, org_code: r.orgCode };
}

/** Maps a UserAgent to a `user_agents` row. */
export function userAgentToRow(a: UserAgent): Row {
  return {
    user_id: a.userId,
    agent_id: a.agentId,
    valid_from: new Date(a.validFrom),
    valid_to: a.validTo === null ? null : new Date(a.validTo),
    reason: a.reason,
  };
}

/** Epoch ms of a time column value (Date on MySQL, number on SQLite, string from some drivers). */
export function toTime(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    return /^\d+$/.test(value) ? Number(value) : Date.parse(`${value.replace(' ', 'T')}Z`);
  }
  throw new Error(`Expected a time value, but got ${typeof value}`);
}

// helpers //////

function optionalString(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}
