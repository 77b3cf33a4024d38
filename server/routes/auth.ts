/**
 * Routes: signing in and out (docs/auth.md). `POST /auth/login` checks the password and answers the access
 * token for API clients, and for browsers also sets the HttpOnly session cookie and the readable CSRF cookie
 * (the web app echoes it in `X-CSRF-Token` on unsafe requests). `GET /auth/me` is the signed-in user;
 * `POST /auth/password` changes one's own password and starts a fresh session (older ones end).
 */
import type Koa from 'koa';
import { z } from 'zod';
import { ApiError } from '../http/api-error.js';
import { defineRoute, type RouteSpec } from '../http/route.js';
import { sessionUser } from '../auth/sessions.js';
import { ROLES } from '../../processes/org/roles.js';

export const SessionUserSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    orgCode: z.string(),
    orgName: z.string(),
    orgLevel: z.enum(['province', 'city', 'county']),
    roles: z.array(z.object({ role: z.enum(ROLES), orgCode: z.string() })),
  })
  .describe('SessionUser');

const SessionSchema = z
  .object({
    token: z.string().describe('Bearer access token (HS256 JWT) for API clients'),
    expiresAt: z.string().describe('When the token and the session cookie expire (ISO-8601)'),
    csrfToken: z.string().describe('Echo in X-CSRF-Token on unsafe requests made with the session cookie'),
    user: SessionUserSchema,
  })
  .describe('Session');

const loginRoute = defineRoute({
  method: 'post',
  path: '/auth/login',
  summary: 'Sign in with username and password',
  description:
    'Answers the access token and sets the session cookie (HttpOnly, SameSite=Strict) and the CSRF cookie. A wrong ' +
    'username or password, a user without a password and a disabled user all answer the same 401 LOGIN_FAILED. ' +
    'Too many failures for the account or from the client address answer 429 TOO_MANY_ATTEMPTS with Retry-After.',
  tags: ['Auth'],
  access: 'public',
  idempotent: false,
  body: z.object({
    username: z.string().trim().min(1).max(64),
    password: z.string().min(1).max(1024),
  }),
  response: SessionSchema,
  errors: [401, 429],
  handler: async ({ body, services, koa }) => {
    koa.set('Cache-Control', 'no-store');
    const { sessions } = services.accounts;
    const session = await withRetryAfter(koa, () => sessions.login(body.username, body.password, koa.ip));
    const csrfToken = sessions.startCookieSession(koa, session);
    return {
      token: session.token,
      expiresAt: new Date(session.expiresAt).toISOString(),
      csrfToken,
      user: session.user,
    };
  },
});

const logoutRoute = defineRoute({
  method: 'post',
  path: '/auth/logout',
  summary: 'Sign out: clear the session and CSRF cookies',
  description:
    'Clears the browser’s cookies. Access tokens are stateless: an API client drops its token, which expires ' +
    'after AUTH_TOKEN_TTL_S; changing the password ends every session at once.',
  tags: ['Auth'],
  access: 'public',
  idempotent: false,
  handler: async ({ services, koa }) => {
    services.accounts.sessions.endCookieSession(koa);
  },
});

const meRoute = defineRoute({
  method: 'get',
  path: '/auth/me',
  summary: 'The signed-in user, their org and roles',
  tags: ['Auth'],
  access: 'user',
  response: SessionUserSchema,
  handler: async ({ principal, koa }) => {
    koa.set('Cache-Control', 'no-store');
    return sessionUser(principal);
  },
});

const changePasswordRoute = defineRoute({
  method: 'post',
  path: '/auth/password',
  summary: 'Change one’s own password',
  description:
    'Needs the old password (wrong ones count against the login limit: 400 WRONG_PASSWORD, then 429). The new ' +
    'one has at least 10 characters and at most 128 bytes (400 WEAK_PASSWORD naming the field). Every earlier ' +
    'session of the user ends; the answer is a fresh session (and fresh cookies for a cookie session).',
  tags: ['Auth'],
  access: 'user',
  idempotent: false,
  body: z.object({
    oldPassword: z.string().min(1).max(1024),
    newPassword: z.string().min(1).max(1024),
  }),
  response: SessionSchema.omit({ csrfToken: true }).extend({
    csrfToken: z.string().optional().describe('Present when the request came with the session cookie'),
  }),
  errors: [429],
  handler: async ({ body, principal, services, koa }) => {
    koa.set('Cache-Control', 'no-store');
    const { sessions } = services.accounts;
    const session = await withRetryAfter(koa, () =>
      sessions.changePassword(principal, body.oldPassword, body.newPassword),
    );
    const csrfToken = principal.via === 'cookie' ? sessions.startCookieSession(koa, session) : undefined;
    return {
      token: session.token,
      expiresAt: new Date(session.expiresAt).toISOString(),
      ...(csrfToken ? { csrfToken } : {}),
      user: session.user,
    };
  },
});

/** Runs `action`; a 429 from the login throttle also sets the Retry-After header. */
async function withRetryAfter<T>(koa: Koa.Context, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    if (err instanceof ApiError && err.status === 429) {
      const retryAfter = (err.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      if (retryAfter) koa.set('Retry-After', String(retryAfter));
    }
    throw err;
  }
}

export const authRoutes: RouteSpec[] = [loginRoute, logoutRoute, meRoute, changePasswordRoute];
