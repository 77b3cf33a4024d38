/**
 * Loads a Principal from the directory: the user (refused if missing or disabled), their org, and each role with
 * the path of the org it is held at. Cached for a few seconds so a busy client costs one query per window, while a
 * disabled user or a changed role takes effect within that window (`invalidate` makes it immediate in-process).
 * It also reads when the password last changed, so the authenticator can end sessions older than that.
 */
import type { Knex } from 'knex';
import type { OrgLevel } from '../../processes/org/org.js';
import { isRole } from '../../processes/org/roles.js';
import { toTime } from './credentials.js';
import type { Principal, RoleGrant } from './principal.js';

/** A principal as loaded, plus when its password last changed (sessions issued before that are over). */
export type LoadedPrincipal = Omit<Principal, 'via'> & { readonly passwordChangedAt?: number };

export class PrincipalLoader {
  private readonly cache = new Map<string, { at: number; value: LoadedPrincipal | null }>();

  constructor(
    private readonly knex: Knex,
    private readonly ttlMs = 5_000,
  ) {}

  /** The principal, or null when the user does not exist or is disabled. */
  async load(userId: string, now: number = Date.now()): Promise<LoadedPrincipal | null> {
    const hit = this.cache.get(userId);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    const value = await this.query(userId, now);
    this.cache.set(userId, { at: now, value });
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    return value;
  }

  invalidate(userId?: string): void {
    if (userId === undefined) this.cache.clear();
    else this.cache.delete(userId);
  }

  private async query(userId: string, now: number): Promise<LoadedPrincipal | null> {
    const user = await this.knex('users as u')
      .join('orgs as o', 'o.code', 'u.org_code')
      .leftJoin('user_credentials as c', 'c.user_id', 'u.id')
      .where('u.id', userId)
      .first(
        'u.id',
        'u.name',
        'u.disabled',
        'u.org_code',
        'o.name as org_name',
        'o.path',
        'o.level',
        'c.password_changed_at',
      );
    if (!user || Boolean(user.disabled)) return null;
    const at = new Date(now);
    const grants = await this.knex('user_roles as r')
      .join('orgs as o', 'o.code', 'r.org_code')
      .where('r.user_id', userId)
      .where('o.valid_from', '<=', at)
      .where((q) => q.whereNull('o.valid_to').orWhere('o.valid_to', '>', at))
      .select('r.role', 'r.org_code', 'o.path');
    const roles: RoleGrant[] = grants
      .filter((g: { role: string }) => isRole(g.role))
      .map((g: { role: string; org_code: string; path: string }) => ({
        role: g.role as RoleGrant['role'],
        orgCode: g.org_code,
        orgPath: g.path,
      }));
    return {
      userId: String(user.id),
      name: String(user.name),
      orgCode: String(user.org_code),
      orgName: String(user.org_name),
      orgPath: String(user.path),
      orgLevel: user.level as OrgLevel,
      roles,
      ...(user.password_changed_at == null ? {} : { passwordChangedAt: toTime(user.password_changed_at) }),
    };
  }
}
