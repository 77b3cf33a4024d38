/**
 * A route is data: method, path, who may call it, the zod schemas of its parameters, query, body and
 * response, and the handler. The same definition validates the request, checks access, runs the handler,
 * and becomes an OpenAPI operation (openapi.ts), so the documentation cannot drift from the code.
 */
import type Koa from 'koa';
import type { z } from 'zod';
import type { Role } from '../../processes/org/roles.js';
import type { Principal } from '../auth/principal.js';
import type { AppServices } from '../services.js';

/** Who may call a route: anyone, any signed-in user, or holders of one of the roles. */
export type Access = 'public' | 'user' | { readonly anyRole: readonly Role[] };

/** How the body arrives: JSON (default), raw XML/text (BPMN), or multipart (uploads). */
export type BodyKind = 'json' | 'xml-or-multipart' | 'multipart';

export interface RouteContext<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  /** Present on every route whose access is not 'public'. */
  readonly principal: Principal;
  readonly services: AppServices;
  readonly requestId: string;
  /** The koa context, for headers, uploads and streaming; prefer the parsed fields above. */
  readonly koa: Koa.Context;
}

export interface RouteSpec<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
> {
  readonly method: 'get' | 'post' | 'put' | 'delete' | 'patch';
  /** OpenAPI style, relative to /api: `/task/{id}/claim`. */
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly access: Access;
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  readonly bodyKind?: BodyKind;
  /** The success body; omit for 204. */
  readonly response?: R;
  /** Success status (default 200, or 204 without a response schema). */
  readonly status?: number;
  /** Commands that change state honour `Idempotency-Key` (default: every non-GET route that needs a user). */
  readonly idempotent?: boolean;
  /** Error codes this route documents besides the common ones (400, 401, 403, 404). */
  readonly errors?: readonly number[];
  readonly handler: (
    ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>,
  ) => Promise<z.input<R> | undefined | void>;
}

/** Identity function that keeps the schema types tied to the handler. */
export function defineRoute<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
>(spec: RouteSpec<P, Q, B, R>): RouteSpec {
  return spec as unknown as RouteSpec;
}
