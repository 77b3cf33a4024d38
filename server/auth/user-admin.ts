/**
 * Administration of directory users, shared by the admin API and the `fiscal-bpm user create` command: create a
 * user, change name / org / disabled, replace the roles, reset the password. Unknown orgs and roles are refused
 * naming the field; an administrator cannot disable themselves or drop their own `admin` role (no lock-out).
 * Every change clears the user's cached principal, so it applies to their next request.
 */
import type { Knex } from 'knex';
import { ApiError } from '../http/api-error.js';
import { isRole, type Role } from '../../processes/org/roles.js';
import { CredentialStore, toTime } from './credentials.js';
import { hashPassword } from './passwords.js';
import { auditUserChange, type UserAuditAction } from './user-audit.js';
import type { PrincipalLoader } from './principal-loader.js';
import { assertPasswordPolicy } from './sessions.js';

export const USER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export interface RoleAssignment {
  readonly role: Role;
  readonly orgCode: string;
}

/** A user as the directory API shows it (never the password hash). */
export interface DirectoryUser {
  readonly id: string;
  readonly name: string;
  readonly orgCode: string;
  readonly orgName: string;
  readonly disabled: boolean;
  readonly createdAt: string;
  /** Whether the user can sign in with a password. */
  readonly passwordSet: boolean;
  readonly roles: { role: string; orgCode: string }[];
}

export interface NewUser {
  readonly id: string;
  readonly name: string;
  readonly orgCode: string;
  readonly roles?: readonly { role: string; orgCode: string }[];
  readonly password?: string;
  readonly disabled?: boolean;
}

export interface UserChanges {
  readonly name?: string;
  readonly orgCode?: string;
  readonly disabled?: boolean;
}

export class UserAdmin {
  constructor(
    private readonly knex: Knex,
    private readonly principals: PrincipalLoader,
    private readonly now: () => number,
    /** The audit actor when no request runs (`cli`, `bootstrap`); a request's user wins. */
    private readonly auditActor: string | null = null,
  ) {}

  private audit(
    trx: Knex.Transaction,
    action: UserAuditAction,
    userId: string,
    before: unknown,
    after: unknown,
  ): Promise<void> {
    return auditUserChange(trx, { action, userId, before, after, actor: this.auditActor, at: this.now() });
  }

  async get(id: string): Promise<DirectoryUser | undefined> {
    const [user] = await describeUsers(this.knex, [id]);
    return user;
  }

  async create(input: NewUser, field = 'body'): Promise<DirectoryUser> {
    if (!USER_ID_PATTERN.test(input.id))
      throw invalid(
        `${field}.id`,
        '用户名只能包含字母、数字和 . _ @ -，最长 64 个字符',
        'The user id may hold letters, digits and . _ @ - (at most 64)',
      );
    if (!input.name.trim()) throw invalid(`${field}.name`, '姓名不能为空', 'The name must not be empty');
    await this.assertOrg(input.orgCode, `${field}.orgCode`);
    const roles = await this.checkRoles(input.roles ?? [], `${field}.roles`);
    if (input.password !== undefined) assertPasswordPolicy(input.password, input.id, `${field}.password`);
    if (await this.knex('users').where({ id: input.id }).first('id'))
      throw new ApiError(409, 'USER_EXISTS', `用户 ${input.id} 已存在`, `User ${input.id} already exists`, {
        field: `${field}.id`,
      });
    const passwordHash = input.password === undefined ? undefined : await hashPassword(input.password);
    const now = this.now();
    const user = { name: input.name.trim(), orgCode: input.orgCode, disabled: input.disabled ?? false };
    await this.knex.transaction(async (trx) => {
      await trx('users').insert({
        id: input.id,
        name: user.name,
        org_code: user.orgCode,
        disabled: user.disabled,
        created_at: new Date(now),
      });
      if (roles.length)
        await trx('user_roles').insert(
          roles.map((r) => ({ user_id: input.id, role: r.role, org_code: r.orgCode })),
        );
      if (passwordHash) await new CredentialStore(trx).setHash(input.id, passwordHash, now);
      await this.audit(trx, 'user.create', input.id, undefined, {
        ...user,
        roles,
        passwordSet: passwordHash !== undefined,
      });
    });
    this.principals.invalidate(input.id);
    return (await this.get(input.id))!;
  }

  async update(userId: string, changes: UserChanges, actorId?: string): Promise<DirectoryUser> {
    const id = await this.assertUser(userId);
    const row: Record<string, unknown> = {};
    if (changes.name !== undefined) {
      if (!changes.name.trim()) throw invalid('body.name', '姓名不能为空', 'The name must not be empty');
      row.name = changes.name.trim();
    }
    if (changes.orgCode !== undefined) {
      await this.assertOrg(changes.orgCode, 'body.orgCode');
      row.org_code = changes.orgCode;
    }
    if (changes.disabled !== undefined) {
      if (changes.disabled && id === actorId)
        throw new ApiError(409, 'SELF_LOCKOUT', '不能停用自己的账号', 'You cannot disable your own account', {
          field: 'body.disabled',
        });
      row.disabled = changes.disabled;
    }
    if (Object.keys(row).length)
      await this.knex.transaction(async (trx) => {
        const before = await trx('users').where({ id }).first('name', 'org_code', 'disabled');
        await trx('users').where({ id }).update(row);
        await this.audit(trx, 'user.update', id, userFields(before), userFields({ ...before, ...row }));
      });
    this.principals.invalidate(id);
    return (await this.get(id))!;
  }

  /** Replaces every role of the user with the given list (duplicates ignored). */
  async setRoles(
    userId: string,
    roles: readonly { role: string; orgCode: string }[],
    actorId?: string,
    field = 'body.roles',
  ): Promise<DirectoryUser> {
    const id = await this.assertUser(userId);
    const checked = await this.checkRoles(roles, field);
    if (id === actorId) {
      const hadAdmin = await this.knex('user_roles').where({ user_id: id, role: 'admin' }).first('role');
      if (hadAdmin && !checked.some((r) => r.role === 'admin'))
        throw new ApiError(
          409,
          'SELF_LOCKOUT',
          '不能移除自己的系统管理员角色',
          'You cannot remove your own admin role',
          { field },
        );
    }
    await this.knex.transaction(async (trx) => {
      const before = await trx('user_roles')
        .where({ user_id: id })
        .orderBy(['org_code', 'role'])
        .select('role', 'org_code as orgCode');
      await trx('user_roles').where({ user_id: id }).delete();
      if (checked.length)
        await trx('user_roles').insert(
          checked.map((r) => ({ user_id: id, role: r.role, org_code: r.orgCode })),
        );
      await this.audit(trx, 'user.roles', id, { roles: before }, { roles: checked });
    });
    this.principals.invalidate(id);
    return (await this.get(id))!;
  }

  /** Sets a new password (admin reset or CLI); the user's existing sessions end. */
  async resetPassword(userId: string, password: string, field = 'body.password'): Promise<void> {
    const id = await this.assertUser(userId);
    assertPasswordPolicy(password, id, field);
    await setPasswordAudited(this.knex, id, password, this.now(), this.auditActor);
    this.principals.invalidate(id);
  }

  /** The stored id (MySQL compares ids case-insensitively), or ApiError 404. */
  private async assertUser(id: string): Promise<string> {
    const row = await this.knex('users').where({ id }).first('id');
    if (!row) throw notFoundUser(id);
    return String(row.id);
  }

  private async assertOrg(code: string, field: string): Promise<void> {
    if (!(await this.knex('orgs').where({ code }).first('code')))
      throw new ApiError(422, 'UNKNOWN_ORG', `机构 ${code} 不存在`, `Org ${code} does not exist`, {
        field,
        orgCode: code,
      });
  }

  private async checkRoles(
    roles: readonly { role: string; orgCode: string }[],
    field: string,
  ): Promise<RoleAssignment[]> {
    const seen = new Map<string, RoleAssignment>();
    for (const [i, r] of roles.entries()) {
      if (!isRole(r.role))
        throw new ApiError(422, 'UNKNOWN_ROLE', `角色 ${r.role} 不存在`, `Role ${r.role} does not exist`, {
          field: `${field}.${i}.role`,
          role: r.role,
        });
      seen.set(`${r.role}@${r.orgCode}`, { role: r.role, orgCode: r.orgCode });
    }
    const codes = [...new Set([...seen.values()].map((r) => r.orgCode))];
    const known = new Set(
      codes.length
        ? (await this.knex('orgs').whereIn('code', codes).select('code')).map((o: { code: string }) => o.code)
        : [],
    );
    for (const [i, r] of roles.entries())
      if (!known.has(r.orgCode))
        throw new ApiError(
          422,
          'UNKNOWN_ORG',
          `机构 ${r.orgCode} 不存在`,
          `Org ${r.orgCode} does not exist`,
          {
            field: `${field}.${i}.orgCode`,
            orgCode: r.orgCode,
          },
        );
    return [...seen.values()];
  }
}

/** The users with these ids as the API shows them, in the order given (missing ids skipped). */
export async function describeUsers(knex: Knex, ids: readonly string[]): Promise<DirectoryUser[]> {
  if (ids.length === 0) return [];
  const [users, roles, credentials] = await Promise.all([
    knex('users as u')
      .leftJoin('orgs as o', 'o.code', 'u.org_code')
      .whereIn('u.id', ids)
      .select('u.id', 'u.name', 'u.org_code', 'u.disabled', 'u.created_at', 'o.name as org_name'),
    knex('user_roles')
      .whereIn('user_id', ids)
      .orderBy(['user_id', 'org_code', 'role'])
      .select('user_id', 'role', 'org_code'),
    knex('user_credentials').whereIn('user_id', ids).select('user_id'),
  ]);
  const withPassword = new Set(credentials.map((c: { user_id: string }) => String(c.user_id)));
  const rolesOf = new Map<string, { role: string; orgCode: string }[]>();
  for (const r of roles as { user_id: string; role: string; org_code: string }[]) {
    const list = rolesOf.get(String(r.user_id)) ?? [];
    list.push({ role: String(r.role), orgCode: String(r.org_code) });
    rolesOf.set(String(r.user_id), list);
  }
  const byId = new Map(
    (users as Record<string, unknown>[]).map((u) => [
      String(u.id),
      {
        id: String(u.id),
        name: String(u.name),
        orgCode: String(u.org_code),
        orgName: String(u.org_name ?? ''),
        disabled: Boolean(Number(u.disabled)),
        createdAt: new Date(toTime(u.created_at)).toISOString(),
        passwordSet: withPassword.has(String(u.id)),
        roles: rolesOf.get(String(u.id)) ?? [],
      } satisfies DirectoryUser,
    ]),
  );
  return ids.map((id) => byId.get(id)).filter((u): u is DirectoryUser => u !== undefined);
}

export function notFoundUser(id: string): ApiError {
  return new ApiError(404, 'NOT_FOUND', `未找到用户 ${id}`, `User ${id} was not found`, { id });
}

/** Hashes, stores and audits a new password in one transaction (admin reset, CLI, own change). */
export async function setPasswordAudited(
  knex: Knex,
  userId: string,
  password: string,
  now: number,
  actor: string | null = null,
): Promise<void> {
  const hash = await hashPassword(password);
  await knex.transaction(async (trx) => {
    await new CredentialStore(trx).setHash(userId, hash, now);
    await auditUserChange(trx, {
      action: 'user.password',
      userId,
      after: { passwordChangedAt: new Date(now).toISOString() },
      actor,
      at: now,
    });
  });
}

function userFields(row: Record<string, unknown>) {
  return { name: String(row.name), orgCode: String(row.org_code), disabled: Boolean(Number(row.disabled)) };
}

function invalid(field: string, zh: string, en: string): ApiError {
  return new ApiError(400, 'INVALID_REQUEST', zh, en, { field });
}
