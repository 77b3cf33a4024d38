/**
 * Read access to the org directory over knex (MySQL/MariaDB or SQLite): orgs by code, children and subtrees,
 * the finance bureau of an org and the one above it (省直管县 aware), users holding roles, out-of-office agents
 * and supervisor chains. Assignment resolution (resolve-assignment.ts) reaches the database only through this
 * class; the decisions themselves (agent chains, supervisor chains) are pure functions it feeds.
 *
 * Validity: `children`, `subtree` and `usersWithRole` take a time and ignore orgs not valid then (an abolished
 * county's roles find nobody); `getOrg` returns an org whatever its validity, for audit and history views.
 */
import type { Knex } from 'knex';
import { followAgentChain, MAX_AGENT_HOPS } from './agent-chain.js';
import type { Org, OrgUser, UserAgent, UserRole } from './org.js';
import { pathCodes } from './org-codes.js';
import { orgFromRow, userAgentToRow, userFromRow, type Row } from './org-rows.js';
import { SUPERVISOR_RANKS } from './roles.js';
import { supervisorSteps, type SupervisorStep } from './supervisor-chain.js';

/** The org directory of one database. */
export class OrgDirectory {
  constructor(private readonly knex: Knex) {}

  /** The org with this code, or undefined. */
  async getOrg(code: string): Promise<Org | undefined> {
    const row = await this.knex('orgs').where({ code }).first();
    return row ? orgFromRow(row) : undefined;
  }

  /** The directly subordinate orgs, by code (valid at `at` if given). */
  async children(code: string, at?: Date): Promise<Org[]> {
    const rows = await validAt(this.knex('orgs').where({ parent_code: code }), at).orderBy('code');
    return rows.map(orgFromRow);
  }

  /** The org and everything below it, by path (valid at `at` if given); empty if the org does not exist. */
  async subtree(code: string, at?: Date): Promise<Org[]> {
    const org = await this.getOrg(code);
    if (!org) return [];
    // codes hold only 0-9, A-Z and '-', so the path needs no LIKE escaping
    const rows = await validAt(this.knex('orgs').where('path', 'like', `${org.path}%`), at).orderBy('path');
    return rows.map(orgFromRow);
  }

  /** The org's ancestors and itself, province first. */
  async ancestors(code: string): Promise<Org[]> {
    const org = await this.getOrg(code);
    if (!org) return [];
    const rows = await this.knex('orgs').whereIn('code', pathCodes(org.path));
    return rows.map(orgFromRow).sort((a, b) => a.path.length - b.path.length);
  }

  /**
   * The finance bureau at the level of the given org: the bureau of the nearest region at or above it (a
   * budget unit of 中牟县 → 中牟县财政局; a division of a bureau → that bureau).
   */
  async financeBureauOf(orgCode: string): Promise<Org | undefined> {
    const org = await this.getOrg(orgCode);
    if (!org) return undefined;
    if (org.kind === 'finance_bureau') return org;
    const row = await this.knex('orgs')
      .where({ kind: 'finance_bureau' })
      .whereIn('parent_code', pathCodes(org.path))
      .orderByRaw('length(path) desc')
      .first();
    return row ? orgFromRow(row) : undefined;
  }

  /**
   * The finance bureau one level up for finance purposes (via `finance_parent_code`): a county under a city →
   * the city's bureau; a 省直管县 → the province's bureau; a city → the province's. Undefined at the province.
   */
  async financeParentBureauOf(orgCode: string): Promise<Org | undefined> {
    const bureau = await this.financeBureauOf(orgCode);
    if (!bureau) return undefined;
    // seeded bureaus carry their region's finance parent; a bureau added by hand may leave it to the region
    const parentCode =
      bureau.financeParentCode ??
      (bureau.parentCode ? (await this.getOrg(bureau.parentCode))?.financeParentCode : undefined);
    return parentCode ? this.getOrg(parentCode) : undefined;
  }

  /** The province's finance bureau (财政厅). */
  async provinceBureau(): Promise<Org | undefined> {
    const row = await this.knex('orgs')
      .where({ kind: 'finance_bureau', level: 'province' })
      .orderBy('code')
      .first();
    return row ? orgFromRow(row) : undefined;
  }

  /** The 主管部门 of a budget unit: the nearest department at or above it (a department is its own). */
  async departmentOf(budgetUnitCode: string): Promise<Org | undefined> {
    const org = await this.getOrg(budgetUnitCode);
    if (!org) return undefined;
    const row = await this.knex('orgs')
      .where({ kind: 'department' })
      .whereIn('code', pathCodes(org.path))
      .orderByRaw('length(path) desc')
      .first();
    return row ? orgFromRow(row) : undefined;
  }

  /** The user with this id (disabled or not), or undefined. */
  async getUser(id: string): Promise<OrgUser | undefined> {
    const row = await this.knex('users').where({ id }).first();
    return row ? userFromRow(row) : undefined;
  }

  /**
   * Active users holding any of `roles` at any of `orgCodes`, by id: not disabled, and the org where the role
   * is held valid at `at`. Each user once, however many of the roles they hold.
   */
  async usersWithRole(
    roles: string | readonly string[],
    orgCodes: readonly string[],
    at: Date,
  ): Promise<OrgUser[]> {
    const roleList = typeof roles === 'string' ? [roles] : [...roles];
    if (roleList.length === 0 || orgCodes.length === 0) return [];
    const rows = await validAt(
      this.knex('user_roles as r')
        .join('users as u', 'u.id', 'r.user_id')
        .join('orgs', 'orgs.code', 'r.org_code')
        .whereIn('r.role', roleList)
        .whereIn('r.org_code', [...orgCodes])
        .where('u.disabled', false)
        .distinct('u.id', 'u.name', 'u.org_code', 'u.disabled', 'u.created_at'),
      at,
      'orgs.',
    ).orderBy('u.id');
    return rows.map(userFromRow);
  }

  /** The roles a user holds at orgs valid at `at` (not checking `disabled`; callers do). */
  async rolesOf(userId: string, at: Date): Promise<string[]> {
    const rows = await validAt(
      this.knex('user_roles as r')
        .join('orgs', 'orgs.code', 'r.org_code')
        .where('r.user_id', userId)
        .distinct('r.role'),
      at,
      'orgs.',
    );
    return rows.map((r: { role: string }) => r.role).sort();
  }

  /**
   * Who acts for `userId` at `at` because they are out of office, or undefined if nobody does. Follows chains
   * of delegations (agent-chain.ts); of several delegations valid at once the latest-starting one counts, and
   * a delegation to a disabled user is ignored.
   */
  async agentFor(userId: string, at: Date): Promise<string | undefined> {
    return (await this.agentsFor([userId], at)).get(userId);
  }

  /** `agentFor` for many users at once (one query per delegation hop): user → acting agent, absent if none. */
  async agentsFor(userIds: readonly string[], at: Date): Promise<Map<string, string>> {
    const direct = new Map<string, string>();
    const queried = new Set<string>();
    let frontier = [...new Set(userIds)];
    for (let hop = 0; hop < MAX_AGENT_HOPS && frontier.length > 0; hop++) {
      frontier.forEach((id) => queried.add(id));
      const rows: Row[] = await this.knex('user_agents as a')
        .join('users as u', 'u.id', 'a.agent_id')
        .whereIn('a.user_id', frontier)
        .where('a.valid_from', '<=', at)
        .where((q) => q.whereNull('a.valid_to').orWhere('a.valid_to', '>', at))
        .where('u.disabled', false)
        .select('a.user_id', 'a.agent_id')
        .orderBy([
          { column: 'a.user_id' },
          { column: 'a.valid_from', order: 'desc' },
          { column: 'a.agent_id' },
        ]);
      for (const r of rows) {
        if (!direct.has(String(r.user_id))) direct.set(String(r.user_id), String(r.agent_id));
      }
      frontier = [...new Set(rows.map((r) => String(r.agent_id)))].filter((id) => !queried.has(id));
    }
    const acting = new Map<string, string>();
    for (const id of userIds) {
      const agent = followAgentChain(id, (u) => direct.get(u));
      if (agent !== undefined) acting.set(id, agent);
    }
    return acting;
  }

  /**
   * The chief, deputy director and director above a user, `levels` steps (rule in supervisor-chain.ts): found
   * in the user's org and its ancestors below the region, nearest first; active users of orgs valid at `at`.
   */
  async supervisorChain(userId: string, levels: number, at: Date = new Date()): Promise<SupervisorStep[]> {
    const user = await this.getUser(userId);
    if (!user || levels <= 0) return [];
    const chain: string[] = [];
    for (const org of (await this.ancestors(user.orgCode)).reverse()) {
      if (org.kind === 'region') break;
      chain.push(org.code);
    }
    if (chain.length === 0) return supervisorSteps(userId, chain, [], levels);
    const rows: Row[] = await validAt(
      this.knex('user_roles as r')
        .join('users as u', 'u.id', 'r.user_id')
        .join('orgs', 'orgs.code', 'r.org_code')
        .whereIn('r.role', [...SUPERVISOR_RANKS])
        .whereIn('r.org_code', chain)
        .where('u.disabled', false)
        .select('r.user_id', 'r.role', 'r.org_code'),
      at,
      'orgs.',
    );
    const holders: UserRole[] = rows.map((r) => ({
      userId: String(r.user_id),
      role: String(r.role),
      orgCode: String(r.org_code),
    }));
    return supervisorSteps(userId, chain, holders, levels);
  }

  /** Records an out-of-office delegation. */
  async addAgent(agent: UserAgent): Promise<void> {
    await this.knex('user_agents').insert(userAgentToRow(agent));
  }

  /** Disables or re-enables a user; a disabled user is never a candidate nor an agent. */
  async setUserDisabled(userId: string, disabled: boolean): Promise<void> {
    await this.knex('users').where({ id: userId }).update({ disabled });
  }
}

// helpers //////

/** Restricts a query on `orgs` to orgs valid at `at` (valid_from <= at < valid_to); no-op without a time. */
function validAt(query: Knex.QueryBuilder, at: Date | undefined, prefix = ''): Knex.QueryBuilder {
  if (!at) return query;
  return query
    .where(`${prefix}valid_from`, '<=', at)
    .where((q) => q.whereNull(`${prefix}valid_to`).orWhere(`${prefix}valid_to`, '>', at));
}
