/**
 * Turns route definitions into koa-router handlers: authenticate, check the role, CSRF for cookie sessions,
 * validate params/query/body with the route's zod schemas, honour Idempotency-Key, run, respond.
 */
import { createHash } from 'node:crypto';
import type Router from '@koa/router';
import type Koa from 'koa';
import { ApiError, errors, fromZodError } from './api-error.js';
import type { RouteSpec } from './route.js';
import type { AppServices } from '../services.js';
import { hasAnyRole, isAdmin, type Principal } from '../auth/principal.js';
import { requestContext } from './request-context.js';

/** `/task/{id}/claim` → `/task/:id/claim`. */
export function koaPath(openApiPath: string): string {
  return openApiPath.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}

export function mountRoutes(router: Router, routes: readonly RouteSpec[], services: AppServices): void {
  for (const route of routes) {
    router[route.method](koaPath(route.path), async (ctx) => handle(ctx, route, services));
  }
}

async function handle(ctx: Koa.Context, route: RouteSpec, services: AppServices): Promise<void> {
  const requestId = String(ctx.state.requestId ?? '');
  let principal: Principal | undefined;
  if (route.access !== 'public') {
    principal = await services.auth.authenticate(ctx);
    if (!principal) throw errors.unauthenticated('no credentials');
    if (principal.via === 'cookie' && !['GET', 'HEAD', 'OPTIONS'].includes(ctx.method))
      services.auth.checkCsrf(ctx);
    if (
      typeof route.access === 'object' &&
      !isAdmin(principal) &&
      !hasAnyRole(principal, route.access.anyRole)
    )
      throw errors.forbidden(
        `此操作需要以下角色之一：${route.access.anyRole.join('、')}`,
        `This operation needs one of the roles: ${route.access.anyRole.join(', ')}`,
        { requiredRoles: route.access.anyRole },
      );
    ctx.state.principal = principal;
  }
  const params = parse(route.params, ctx.params, 'params');
  const query = parse(route.query, ctx.query, 'query');
  const rawBody = (ctx.request as { body?: unknown }).body;
  const body = parse(route.body, rawBody, 'body');

  const execute = async (): Promise<{ status: number; body: unknown }> => {
    const result = await requestContext.run(
      {
        requestId,
        userId: principal?.userId,
        orgCode: principal?.orgCode,
        roles: principal?.roles.map((g) => g.role),
      },
      () =>
        route.handler({
          params,
          query,
          body,
          principal: principal as Principal,
          services,
          requestId,
          koa: ctx,
        }),
    );
    if (result === undefined)
      return { status: route.response ? (route.status ?? 200) : 204, body: undefined };
    return { status: route.status ?? 200, body: result };
  };

  const key = ctx.get('Idempotency-Key');
  const idempotent = route.idempotent ?? (route.method !== 'get' && route.access !== 'public');
  if (key && idempotent && principal) {
    if (key.length > 128 || !/^[\x21-\x7e]+$/.test(key))
      throw errors.invalid(
        'headers.Idempotency-Key',
        'Idempotency-Key 须为 1–128 个可见 ASCII 字符',
        'Idempotency-Key must be 1–128 visible ASCII characters',
      );
    const fingerprint = createHash('sha256')
      .update(
        JSON.stringify([
          ctx.method,
          ctx.path,
          ctx.querystring,
          rawBody ?? null,
          // uploads are parsed inside the handler: their size stands in for their bytes
          ctx.is('multipart') ? ctx.get('Content-Length') : null,
        ]),
      )
      .digest('hex');
    const outcome = await services.idempotency.run(
      { userId: principal.userId, key, method: ctx.method, path: ctx.path, fingerprint },
      execute,
    );
    if (outcome.replayed) ctx.set('Idempotent-Replayed', 'true');
    respond(ctx, outcome);
    return;
  }
  respond(ctx, await execute());
}

function respond(ctx: Koa.Context, outcome: { status: number; body: unknown }): void {
  ctx.status = outcome.status;
  if (outcome.body !== undefined) ctx.body = outcome.body;
}

function parse(
  schema: RouteSpec['params'],
  value: unknown,
  where: 'params' | 'query' | 'body',
): never | unknown {
  if (!schema) return value;
  const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (!result.success) throw fromZodError(result.error, where);
  return result.data;
}

export { ApiError };
