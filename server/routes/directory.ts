/**
 * Routes: the org directory and its users (Camunda's `/user` shape, `/org` for the org tree, `/role` for the
 * role codes). Every signed-in user may read (pickers, 转办 targets, who is who); only `admin` may write. Users
 * never carry their password hash, only whether one is set. Writes go through UserAdmin, which refuses unknown
 * orgs and roles naming the field and clears the user's cached principal, so a disabled user or a changed
 * role applies to their very next request.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { ApiError } from '../http/api-error.js';
import { defineRoute, type RouteSpec } from '../http/route.js';
import { orgFromRow } from '../../processes/org/org-rows.js';
import type { Org } from '../../processes/org/org.js';
import { ROLE_LABELS, ROLES } from '../../processes/org/roles.js';
import { describeUsers, notFoundUser } from '../auth/user-admin.js';
import { booleanQuery, CountSchema, iso, pagingQuery, sortOrderQuery } from './views/paging.js';

const ORG_KINDS = [
  'region',
  'finance_bureau',
  'division',
  'department',
  'budget_unit',
  'bank',
  'pboc_treasury',
] as const;
const ORG_LEVELS = ['province', 'city', 'county'] as const;
const ADMIN = { anyRole: ['admin'] } as const;

// schemas //////

const OrgSchema = z
  .object({
    code: z.string(),
    name: z.string(),
    shortName: z.string(),
    kind: z.enum(ORG_KINDS),
    level: z.enum(ORG_LEVELS),
    parentCode: z.string().nullable(),
    financeParentCode: z
      .string()
      .nullable()
      .describe('Finance bureau one level up (省直管县 → the province)'),
    divisionType: z.string().nullable(),
    path: z.string().describe('Codes from the province down, `/`-delimited; a subtree is a path prefix'),
    validFrom: z.string(),
    validTo: z.string().nullable(),
    isDirectlyAdministered: z.boolean(),
  })
  .describe('Org');

const UserSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    orgCode: z.string(),
    orgName: z.string(),
    disabled: z.boolean(),
    createdAt: z.string(),
    passwordSet: z.boolean().describe('Whether the user can sign in with a password'),
    roles: z.array(z.object({ role: z.string(), orgCode: z.string() })),
  })
  .describe('User');

const RoleSchema = z.object({ code: z.enum(ROLES), label: z.string() }).describe('Role');

const text = (max: number) => z.string().trim().min(1).max(max);
const orgCodeParam = z.string().min(1).max(32);
const userIdParam = z.string().min(1).max(64);
const nameLike = text(100)
  .optional()
  .describe('Substring of the name (or of the id, for users); `%` and `_` match themselves');

const orgFilters = {
  parentCode: orgCodeParam.optional(),
  kind: z.enum(ORG_KINDS).optional(),
  level: z.enum(ORG_LEVELS).optional(),
  nameLike,
};
const OrgListQuery = z.object({
  ...orgFilters,
  sortBy: z.enum(['code', 'name', 'path']).default('path'),
  sortOrder: sortOrderQuery,
  ...pagingQuery,
});

const userFilters = {
  orgCode: orgCodeParam.optional().describe('Users whose own org is this one'),
  orgSubtree: orgCodeParam.optional().describe('Users of this org or any org below it'),
  role: z.enum(ROLES).optional().describe('Users holding this role (at any org)'),
  nameLike,
  disabled: booleanQuery,
};
const UserListQuery = z.object({
  ...userFilters,
  sortBy: z.enum(['id', 'name']).default('id'),
  sortOrder: sortOrderQuery,
  ...pagingQuery,
});

const RoleAssignmentSchema = z.object({ role: text(32), orgCode: text(32) });
const RoleListSchema = z.array(RoleAssignmentSchema).max(200);

// queries //////

/** `%`, `_` and the escape character itself match literally. */
function whereContains(q: Knex.QueryBuilder, columns: string[], value: string): void {
  const pattern = `%${value.replace(/[!%_]/g, (c) => `!${c}`)}%`;
  q.where((w) => {
    for (const c of columns) w.orWhereRaw(`?? like ? escape '!'`, [c, pattern]);
  });
}

function orgQuery(knex: Knex, f: z.output<z.ZodObject<typeof orgFilters>>): Knex.QueryBuilder {
  const q = knex('orgs');
  if (f.parentCode) q.where('parent_code', f.parentCode);
  if (f.kind) q.where('kind', f.kind);
  if (f.level) q.where('level', f.level);
  if (f.nameLike) whereContains(q, ['name', 'short_name'], f.nameLike);
  return q;
}

/** The path of the `orgSubtree` filter's org (ApiError 422 if unknown); resolved before building the query. */
async function subtreePath(knex: Knex, code: string | undefined): Promise<string | undefined> {
  if (!code) return undefined;
  const org = await knex('orgs').where({ code }).first('path');
  if (!org)
    throw new ApiError(422, 'UNKNOWN_ORG', `机构 ${code} 不存在`, `Org ${code} does not exist`, {
      field: 'query.orgSubtree',
      orgCode: code,
    });
  return String(org.path);
}

/** Not async: awaiting a knex builder would run it. */
function userQuery(
  knex: Knex,
  f: z.output<z.ZodObject<typeof userFilters>>,
  orgPath: string | undefined,
): Knex.QueryBuilder {
  const q = knex('users as u');
  if (f.orgCode) q.where('u.org_code', f.orgCode);
  // org codes hold only 0-9, A-Z and '-', so the path needs no LIKE escaping
  if (orgPath) q.whereIn('u.org_code', knex('orgs').where('path', 'like', `${orgPath}%`).select('code'));
  if (f.role) q.whereIn('u.id', knex('user_roles').where('role', f.role).select('user_id'));
  if (f.nameLike) whereContains(q, ['u.name', 'u.id'], f.nameLike);
  if (f.disabled !== undefined) q.where('u.disabled', f.disabled);
  return q;
}

function toOrgJson(org: Org) {
  return {
    code: org.code,
    name: org.name,
    shortName: org.shortName,
    kind: org.kind,
    level: org.level,
    parentCode: org.parentCode,
    financeParentCode: org.financeParentCode,
    divisionType: org.divisionType,
    path: org.path,
    validFrom: iso(org.validFrom),
    validTo: iso(org.validTo),
    isDirectlyAdministered: org.isDirectlyAdministered,
  };
}

// org and role routes //////

const listOrgs = defineRoute({
  method: 'get',
  path: '/org',
  summary: 'List orgs',
  description:
    'Filters combine with AND. Ordered by path (the tree, depth first) unless sortBy says otherwise.',
  tags: ['Directory'],
  access: 'user',
  query: OrgListQuery,
  response: z.array(OrgSchema),
  handler: async ({ query, services }) => {
    const rows = await orgQuery(services.knex, query)
      .orderBy(query.sortBy, query.sortOrder)
      .orderBy('code')
      .offset(query.firstResult)
      .limit(query.maxResults);
    return rows.map((r: Record<string, unknown>) => toOrgJson(orgFromRow(r)));
  },
});

const countOrgs = defineRoute({
  method: 'get',
  path: '/org/count',
  summary: 'Count orgs',
  tags: ['Directory'],
  access: 'user',
  query: z.object(orgFilters),
  response: CountSchema,
  handler: async ({ query, services }) => {
    const row = await orgQuery(services.knex, query).count({ count: '*' }).first();
    return { count: Number(row?.count ?? 0) };
  },
});

const getOrg = defineRoute({
  method: 'get',
  path: '/org/{code}',
  summary: 'One org',
  tags: ['Directory'],
  access: 'user',
  params: z.object({ code: orgCodeParam }),
  response: OrgSchema,
  handler: async ({ params, services }) => {
    const org = await services.orgs.getOrg(params.code);
    if (!org)
      throw new ApiError(404, 'NOT_FOUND', `未找到机构 ${params.code}`, `Org ${params.code} was not found`, {
        code: params.code,
      });
    return toOrgJson(org);
  },
});

const listRoles = defineRoute({
  method: 'get',
  path: '/role',
  summary: 'The role codes with their Chinese labels',
  tags: ['Directory'],
  access: 'user',
  response: z.array(RoleSchema),
  handler: async () => ROLES.map((code) => ({ code, label: ROLE_LABELS[code] })),
});

// user routes //////

const listUsers = defineRoute({
  method: 'get',
  path: '/user',
  summary: 'List users',
  description:
    'Filters combine with AND. Never returns password hashes (`passwordSet` says whether one exists).',
  tags: ['Directory'],
  access: 'user',
  query: UserListQuery,
  response: z.array(UserSchema),
  errors: [422],
  handler: async ({ query, services }) => {
    const orgPath = await subtreePath(services.knex, query.orgSubtree);
    const rows = await userQuery(services.knex, query, orgPath)
      .orderBy(`u.${query.sortBy}`, query.sortOrder)
      .orderBy('u.id')
      .offset(query.firstResult)
      .limit(query.maxResults)
      .select('u.id');
    return describeUsers(
      services.knex,
      rows.map((r: { id: string }) => String(r.id)),
    );
  },
});

const countUsers = defineRoute({
  method: 'get',
  path: '/user/count',
  summary: 'Count users',
  tags: ['Directory'],
  access: 'user',
  query: z.object(userFilters),
  response: CountSchema,
  errors: [422],
  handler: async ({ query, services }) => {
    const orgPath = await subtreePath(services.knex, query.orgSubtree);
    const row = await userQuery(services.knex, query, orgPath).count({ count: '*' }).first();
    return { count: Number(row?.count ?? 0) };
  },
});

const getUser = defineRoute({
  method: 'get',
  path: '/user/{id}',
  summary: 'One user with their roles',
  tags: ['Directory'],
  access: 'user',
  params: z.object({ id: userIdParam }),
  response: UserSchema,
  handler: async ({ params, services }) => {
    const user = await services.accounts.users.get(params.id);
    if (!user) throw notFoundUser(params.id);
    return user;
  },
});

const createUser = defineRoute({
  method: 'post',
  path: '/user/create',
  summary: 'Create a user (admin)',
  description:
    'Unknown orgs or roles answer 422 UNKNOWN_ORG / UNKNOWN_ROLE naming the field; an existing id 409 USER_EXISTS. ' +
    'Without `password` the user cannot sign in until an admin sets one.',
  tags: ['Directory'],
  access: ADMIN,
  idempotent: false,
  body: z.object({
    id: z.string().min(1).max(64).describe('Letters, digits and . _ @ -; e.g. zhongmou.treasury.clerk2'),
    name: text(255),
    orgCode: text(32),
    roles: RoleListSchema.optional(),
    password: z.string().min(1).max(1024).optional(),
    disabled: z.boolean().optional(),
  }),
  status: 201,
  response: UserSchema,
  errors: [409, 422],
  handler: async ({ body, services }) => services.accounts.users.create(body),
});

const updateUser = defineRoute({
  method: 'put',
  path: '/user/{id}',
  summary: 'Change a user’s name, org or disabled flag (admin)',
  description: 'A disabled user is refused from their next request on. Admins cannot disable themselves.',
  tags: ['Directory'],
  access: ADMIN,
  params: z.object({ id: userIdParam }),
  body: z.object({
    name: text(255).optional(),
    orgCode: text(32).optional(),
    disabled: z.boolean().optional(),
  }),
  response: UserSchema,
  errors: [409, 422],
  handler: async ({ params, body, principal, services }) =>
    services.accounts.users.update(params.id, body, principal.userId),
});

const setUserRoles = defineRoute({
  method: 'put',
  path: '/user/{id}/roles',
  summary: 'Replace a user’s roles (admin)',
  description:
    'The body is the full list of `{ role, orgCode }` (or `{ roles: [...] }`); roles not listed are removed. ' +
    'Applies from the user’s next request. Admins cannot drop their own `admin` role.',
  tags: ['Directory'],
  access: ADMIN,
  params: z.object({ id: userIdParam }),
  body: z.union([RoleListSchema, z.object({ roles: RoleListSchema })]),
  response: UserSchema,
  errors: [409, 422],
  handler: async ({ params, body, principal, services }) =>
    Array.isArray(body)
      ? services.accounts.users.setRoles(params.id, body, principal.userId, 'body')
      : services.accounts.users.setRoles(params.id, body.roles, principal.userId, 'body.roles'),
});

const resetPassword = defineRoute({
  method: 'post',
  path: '/user/{id}/password',
  summary: 'Set a user’s password (admin reset)',
  description: 'At least 10 characters, at most 128 bytes. Ends every session of the user.',
  tags: ['Directory'],
  access: ADMIN,
  idempotent: false,
  params: z.object({ id: userIdParam }),
  body: z.object({ password: z.string().min(1).max(1024) }),
  handler: async ({ params, body, services }) => {
    await services.accounts.users.resetPassword(params.id, body.password);
  },
});

export const directoryRoutes: RouteSpec[] = [
  listOrgs,
  countOrgs,
  getOrg,
  listRoles,
  listUsers,
  countUsers,
  createUser,
  getUser,
  updateUser,
  setUserRoles,
  resetPassword,
];
