/**
 * Routes: reference data (code lists: 功能分类, 经济分类, 收入分类, 非税类别, 资金性质, 支付方式, 预警级别, 账户类型,
 * 预算级次 …). Every signed-in user may read (pickers, form options); only `admin` may add a code or change one
 * (rename, move, re-order, retire with `validTo`, reinstate). Codes are never deleted, so old documents keep
 * resolving. Reads come from a per-process cache (processes/reference/reference-codes.ts) and may be cached by
 * the browser for a minute.
 */
import type Koa from 'koa';
import { z } from 'zod';
import { ApiError } from '../http/api-error.js';
import { defineRoute, type RouteSpec } from '../http/route.js';
import {
  ReferenceCodeError,
  referenceCodesFor,
  type ReferenceCode,
} from '../../processes/reference/reference-codes.js';
import {
  isReferenceList,
  REFERENCE_LISTS,
  type ReferenceListName,
} from '../../processes/reference/reference-lists.js';
import { booleanQuery, CountSchema, iso, page, pagingQuery } from './views/paging.js';

const TAGS = ['Reference data'];
const ADMIN = { anyRole: ['admin'] } as const;

const ReferenceListSchema = z
  .object({
    list: z.enum(REFERENCE_LISTS),
    name: z.string(),
    description: z.string(),
    hierarchical: z.boolean().describe('Codes form a tree by parentCode (类 → 款 → 项)'),
    count: z.number().int().describe('Codes valid now'),
  })
  .describe('ReferenceList');

const ReferenceCodeSchema = z
  .object({
    list: z.string(),
    code: z.string(),
    name: z.string(),
    parentCode: z.string().nullable(),
    description: z.string().nullable(),
    sort: z.number().int(),
    needsVerification: z
      .boolean()
      .describe('Seeded from memory, not re-verified against the current official list'),
    validFrom: z.string().nullable(),
    validTo: z.string().nullable().describe('Retired from this time on; null = still valid'),
  })
  .describe('ReferenceCode');

const ListParams = z.object({
  list: z.string().trim().min(1).max(32).describe('List name, e.g. functionalClass'),
});
const CodeParams = ListParams.extend({ code: z.string().trim().min(1).max(32) });

const CodeFilterQuery = z.object({
  parentCode: z.string().trim().max(32).optional().describe('Children of this code; empty for the top level'),
  q: z.string().trim().max(64).optional().describe('Code prefix or part of the name'),
  includeRetired: booleanQuery.describe('Also codes not valid now'),
});

const code = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/, 'letters, digits, _ . - (at most 32)');
const dateTime = z
  .string()
  .refine((v) => !Number.isNaN(Date.parse(v)), { message: 'expected an ISO-8601 date-time' })
  .transform((v) => Date.parse(v));
const codeFields = {
  name: z.string().trim().min(1).max(128),
  parentCode: code.nullable().optional(),
  description: z.string().trim().max(500).nullable().optional(),
  sort: z.number().int().min(0).max(1_000_000).optional(),
  validFrom: dateTime.nullable().optional(),
  validTo: dateTime.nullable().optional().describe('Set to retire the code; null to reinstate it'),
};

function knownList(list: string): ReferenceListName {
  if (!isReferenceList(list))
    throw new ApiError(404, 'NOT_FOUND', `未找到代码表 ${list}`, `Reference list ${list} was not found`, {
      field: 'params.list',
      id: list,
      lists: REFERENCE_LISTS,
    });
  return list;
}

function cacheable(koa: Koa.Context): void {
  koa.set('Cache-Control', 'private, max-age=60');
}

function toJson(c: ReferenceCode) {
  return {
    list: c.list,
    code: c.code,
    name: c.name,
    parentCode: c.parentCode,
    description: c.description,
    sort: c.sort,
    needsVerification: c.needsVerification,
    validFrom: c.validFrom === null ? null : iso(c.validFrom),
    validTo: c.validTo === null ? null : iso(c.validTo),
  };
}

function refusal(err: unknown): unknown {
  if (!(err instanceof ReferenceCodeError)) return err;
  if (err.reason === 'EXISTS')
    return new ApiError(409, 'ALREADY_EXISTS', '代码已存在', err.message, { field: err.field });
  if (err.reason === 'NOT_FOUND')
    return new ApiError(404, 'NOT_FOUND', '未找到代码', err.message, { field: err.field });
  return new ApiError(400, 'INVALID_REQUEST', '上级代码不存在', err.message, { field: err.field });
}

const listLists = defineRoute({
  method: 'get',
  path: '/reference',
  summary: 'The reference lists (code tables)',
  tags: TAGS,
  access: 'user',
  response: z.array(ReferenceListSchema),
  handler: async ({ services, koa }) => {
    cacheable(koa);
    return referenceCodesFor(services.knex).lists(services.now());
  },
});

const listCodes = defineRoute({
  method: 'get',
  path: '/reference/{list}',
  summary: 'The codes of a reference list, in display order',
  description:
    'Valid codes by default; `parentCode` narrows to the children of a code (empty: the top level), `q` to a ' +
    'code prefix or a part of the name.',
  tags: TAGS,
  access: 'user',
  params: ListParams,
  query: CodeFilterQuery.extend(pagingQuery),
  response: z.array(ReferenceCodeSchema),
  handler: async ({ params, query, services, koa }) => {
    const { firstResult, maxResults, ...filter } = query;
    const codes = await referenceCodesFor(services.knex).codes(
      knownList(params.list),
      services.now(),
      filter,
    );
    cacheable(koa);
    return page(codes, { firstResult, maxResults }).map(toJson);
  },
});

const countCodes = defineRoute({
  method: 'get',
  path: '/reference/{list}/count',
  summary: 'Count the codes of a reference list (same filters)',
  tags: TAGS,
  access: 'user',
  params: ListParams,
  query: CodeFilterQuery,
  response: CountSchema,
  handler: async ({ params, query, services }) => ({
    count: (await referenceCodesFor(services.knex).codes(knownList(params.list), services.now(), query))
      .length,
  }),
});

const createCode = defineRoute({
  method: 'post',
  path: '/reference/{list}/create',
  summary: 'Add a code to a reference list (admin)',
  tags: TAGS,
  access: ADMIN,
  params: ListParams,
  body: z.object({ code, ...codeFields }),
  response: ReferenceCodeSchema,
  status: 201,
  errors: [409],
  handler: async ({ params, body, services }) => {
    const list = knownList(params.list);
    try {
      return toJson(await referenceCodesFor(services.knex).create(list, body, services.now()));
    } catch (err) {
      throw refusal(err);
    }
  },
});

const updateCode = defineRoute({
  method: 'put',
  path: '/reference/{list}/{code}',
  summary: 'Change a code: rename, move, re-order, retire (validTo) or reinstate (admin)',
  tags: TAGS,
  access: ADMIN,
  params: CodeParams,
  body: z.object({ ...codeFields, name: codeFields.name.optional() }),
  response: ReferenceCodeSchema,
  handler: async ({ params, body, services }) => {
    const list = knownList(params.list);
    try {
      return toJson(await referenceCodesFor(services.knex).update(list, params.code, body, services.now()));
    } catch (err) {
      throw refusal(err);
    }
  },
});

export const referenceRoutes: RouteSpec[] = [listLists, listCodes, countCodes, createCode, updateCode];
