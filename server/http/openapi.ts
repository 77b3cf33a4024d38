/**
 * The OpenAPI 3.1 document, generated from the route definitions: the zod schemas that validate requests are
 * the schemas that document them. Served at /api/openapi.json; Swagger UI at /api/docs reads it.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { RouteSpec } from './route.js';

export const ErrorBodySchema = z
  .object({
    type: z.string().describe('Error family, e.g. InvalidRequestException'),
    code: z.string().describe('Stable machine-readable code, e.g. INVALID_REQUEST, NOT_FOUND'),
    message: z.string().describe('For people: Chinese by default, English with Accept-Language: en'),
    details: z.unknown().optional().describe('The offending field(s) or BPMN element ids'),
  })
  .describe('Error');

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid request (details.issues name each field)',
  401: 'Not signed in, or the token is invalid, expired or revoked',
  403: 'Signed in, but not allowed (role, CSRF)',
  404: 'Not found, or outside the caller’s scope',
  409: 'The object is not in a state that allows this',
  413: 'Body too large',
  415: 'Unsupported content type',
  422: 'Unprocessable: model problems, or an Idempotency-Key reused with another body',
  429: 'Too many requests',
  503: 'A dependency is unavailable',
};

export function buildOpenApiDocument(routes: readonly RouteSpec[], version: string): object {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  registry.registerComponent('securitySchemes', 'cookieAuth', {
    type: 'apiKey',
    in: 'cookie',
    name: 'fbpm_session',
  });
  for (const route of routes) {
    const codes = new Set<number>([
      400,
      ...(route.access === 'public' ? [] : [401, 403]),
      ...(route.errors ?? []),
    ]);
    if (route.path.includes('{')) codes.add(404);
    const okStatus = route.response ? (route.status ?? 200) : 204;
    const responses: RouteConfig['responses'] = {
      [okStatus]: route.response
        ? { description: 'Success', content: { 'application/json': { schema: route.response } } }
        : { description: 'Done, no content' },
    };
    for (const code of [...codes].sort())
      responses[code] = {
        description: ERROR_TEXT[code] ?? 'Error',
        content: { 'application/json': { schema: ErrorBodySchema } },
      };
    const request: RouteConfig['request'] = {};
    if (route.params)
      request.params = route.params as RouteConfig['request'] extends { params?: infer X } ? X : never;
    if (route.query)
      request.query = route.query as RouteConfig['request'] extends { query?: infer X } ? X : never;
    if (route.body && route.bodyKind !== 'multipart')
      request.body = { content: { 'application/json': { schema: route.body } } };
    if (route.bodyKind === 'xml-or-multipart' || route.bodyKind === 'multipart')
      request.body = {
        content: {
          ...(route.bodyKind === 'xml-or-multipart'
            ? { 'application/xml': { schema: z.string().describe('BPMN 2.0 XML') } }
            : {}),
          'multipart/form-data': { schema: route.body ?? z.object({ file: z.string().describe('binary') }) },
        },
      };
    registry.registerPath({
      method: route.method,
      path:
        route.path.startsWith('/healthz') || route.path.startsWith('/readyz')
          ? route.path
          : `/api${route.path}`,
      summary: route.summary,
      description: route.description,
      tags: [...route.tags],
      security: route.access === 'public' ? [] : [{ bearerAuth: [] }, { cookieAuth: [] }],
      request,
      responses,
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'fiscal-bpm API',
      version,
      description:
        'Workflow engine and approvals for government finance. Paths, paging (firstResult/maxResults) and sorting (sortBy/sortOrder) follow Camunda 7’s REST API. Commands accept an Idempotency-Key header.',
    },
  });
}
