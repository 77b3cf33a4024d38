/**
 * The account services the auth and directory routes use, built once per server: sign-in and sessions, user
 * administration, and the login throttle (with its Redis connection when REDIS_URL is set, closed here).
 */
import type { Knex } from 'knex';
import type pino from 'pino';
import type { Config } from '../config.js';
import { cookieNames } from './authenticator.js';
import { CredentialStore } from './credentials.js';
import { createLoginThrottle, type LoginThrottle } from './login-throttle.js';
import type { PrincipalLoader } from './principal-loader.js';
import { SessionService } from './sessions.js';
import type { TokenService } from './tokens.js';
import { UserAdmin } from './user-admin.js';

export interface Accounts {
  readonly sessions: SessionService;
  readonly users: UserAdmin;
  readonly throttle: LoginThrottle;
  close(): Promise<void>;
}

export function openAccounts(deps: {
  config: Config;
  knex: Knex;
  tokens: TokenService;
  principals: PrincipalLoader;
  now: () => number;
  logger?: pino.Logger;
}): Accounts {
  const { config, knex, tokens, principals, now } = deps;
  const credentials = new CredentialStore(knex);
  const throttle = createLoginThrottle({
    limits: {
      perAccount: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      perAddress: config.LOGIN_MAX_FAILURES_PER_ADDRESS,
      windowMs: config.LOGIN_FAILURE_WINDOW_S * 1000,
    },
    redisUrl: config.REDIS_URL,
    keyPrefix: config.QUEUE_PREFIX,
    logger: deps.logger,
  });
  return {
    sessions: new SessionService({
      knex,
      credentials,
      tokens,
      principals,
      throttle,
      cookies: cookieNames(config.COOKIE_SECURE),
      secureCookies: config.COOKIE_SECURE,
      now,
    }),
    users: new UserAdmin(knex, principals, now),
    throttle,
    close: () => throttle.close(),
  };
}
