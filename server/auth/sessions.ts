/**
 * Signing in and out: checks a username and password (argon2id, constant-ish time for unknown users, the login
 * throttle before any check), issues the access token, and sets or clears the browser's cookies: the session
 * cookie (HttpOnly, SameSite=Strict, Path=/, Secure with COOKIE_SECURE) and the readable CSRF cookie the web
 * app echoes in `X-CSRF-Token`. Also the user's own password change, which ends their other sessions.
 */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type Koa from 'koa';
import { ApiError } from '../http/api-error.js';
import type { CookieNames } from './authenticator.js';
import type { CredentialStore } from './credentials.js';
import type { LoginThrottle } from './login-throttle.js';
import { dummyHash, hashPassword, needsRehash, passwordProblem, verifyPassword } from './passwords.js';
import type { Role } from '../../processes/org/roles.js';
import type { Principal } from './principal.js';
import type { LoadedPrincipal, PrincipalLoader } from './principal-loader.js';
import type { TokenService } from './tokens.js';
import { setPasswordAudited } from './user-admin.js';

/** The signed-in user as the login and `/auth/me` answers show it. */
export interface SessionUser {
  readonly id: string;
  readonly name: string;
  readonly orgCode: string;
  readonly orgName: string;
  readonly orgLevel: Principal['orgLevel'];
  readonly roles: { role: Role; orgCode: string }[];
}

export interface IssuedSession {
  readonly token: string;
  /** Epoch ms. */
  readonly expiresAt: number;
  readonly user: SessionUser;
}

export function sessionUser(principal: Omit<Principal, 'via'>): SessionUser {
  return {
    id: principal.userId,
    name: principal.name,
    orgCode: principal.orgCode,
    orgName: principal.orgName,
    orgLevel: principal.orgLevel,
    roles: principal.roles.map((g) => ({ role: g.role, orgCode: g.orgCode })),
  };
}

export const loginFailed = () =>
  new ApiError(401, 'LOGIN_FAILED', '用户名或密码错误', 'Wrong username or password');

export function tooManyAttempts(retryAfterS: number): ApiError {
  return new ApiError(
    429,
    'TOO_MANY_ATTEMPTS',
    `登录失败次数过多，请 ${retryAfterS} 秒后再试`,
    `Too many failed attempts; try again in ${retryAfterS} s`,
    { retryAfterSeconds: retryAfterS },
  );
}

export class SessionService {
  constructor(
    private readonly deps: {
      readonly knex: Knex;
      readonly credentials: CredentialStore;
      readonly tokens: TokenService;
      readonly principals: PrincipalLoader;
      readonly throttle: LoginThrottle;
      readonly cookies: CookieNames;
      readonly secureCookies: boolean;
      readonly now: () => number;
    },
  ) {}

  private get credentials(): CredentialStore {
    return this.deps.credentials;
  }

  /**
   * The session for a correct username and password of an enabled user; otherwise ApiError 401 LOGIN_FAILED
   * (the same for an unknown user, a wrong password, a user without password and a disabled user) or 429.
   */
  async login(username: string, password: string, address: string): Promise<IssuedSession> {
    const { throttle, principals, tokens } = this.deps;
    const now = this.deps.now();
    const verdict = await throttle.check(username, address, now);
    if (!verdict.allowed) throw tooManyAttempts(verdict.retryAfterS);

    const credential = await this.credentials.get(username);
    const matches = await verifyPassword(credential?.passwordHash ?? (await dummyHash()), password);
    let principal: LoadedPrincipal | null = null;
    if (credential && matches) {
      principals.invalidate(credential.userId);
      principal = await principals.load(credential.userId, now);
    }
    if (!credential || !principal) {
      await throttle.recordFailure(username, address, now);
      throw loginFailed();
    }
    await throttle.recordSuccess(username);
    if (needsRehash(credential.passwordHash))
      await this.credentials.rehash(credential.userId, await hashPassword(password));
    await this.credentials.recordLogin(credential.userId, now);
    const issued = await tokens.issue(principal.userId, now);
    return { ...issued, user: sessionUser(principal) };
  }

  /**
   * Changes the caller's own password after checking the old one (wrong old passwords count against the
   * account's login limit), and returns a fresh session: every earlier token of the user stops working.
   */
  async changePassword(
    principal: Principal,
    oldPassword: string,
    newPassword: string,
  ): Promise<IssuedSession> {
    const { throttle, principals, tokens } = this.deps;
    const now = this.deps.now();
    const verdict = await throttle.checkAccount(principal.userId, now);
    if (!verdict.allowed) throw tooManyAttempts(verdict.retryAfterS);
    const credential = await this.credentials.get(principal.userId);
    if (!credential || !(await verifyPassword(credential.passwordHash, oldPassword))) {
      await throttle.recordAccountFailure(principal.userId, now);
      throw new ApiError(400, 'WRONG_PASSWORD', '原密码不正确', 'The old password is wrong', {
        field: 'body.oldPassword',
      });
    }
    assertPasswordPolicy(newPassword, principal.userId, 'body.newPassword');
    if (newPassword === oldPassword)
      throw new ApiError(
        400,
        'INVALID_REQUEST',
        '新密码不能与原密码相同',
        'The new password must differ from the old one',
        { field: 'body.newPassword' },
      );
    await setPasswordAudited(this.deps.knex, principal.userId, newPassword, now);
    principals.invalidate(principal.userId);
    const issued = await tokens.issue(principal.userId, now);
    return { ...issued, user: sessionUser(principal) };
  }

  /** Sets the session and CSRF cookies; returns the CSRF token the client must echo in `X-CSRF-Token`. */
  startCookieSession(ctx: Koa.Context, session: { token: string; expiresAt: number }): string {
    const csrfToken = randomBytes(32).toString('base64url');
    const maxAge = Math.max(0, session.expiresAt - this.deps.now());
    const base = this.cookieOptions(ctx);
    ctx.cookies.set(this.deps.cookies.session, session.token, { ...base, httpOnly: true, maxAge });
    ctx.cookies.set(this.deps.cookies.csrf, csrfToken, { ...base, httpOnly: false, maxAge });
    return csrfToken;
  }

  endCookieSession(ctx: Koa.Context): void {
    const base = this.cookieOptions(ctx);
    ctx.cookies.set(this.deps.cookies.session, '', { ...base, httpOnly: true, maxAge: 0 });
    ctx.cookies.set(this.deps.cookies.csrf, '', { ...base, httpOnly: false, maxAge: 0 });
  }

  private cookieOptions(ctx: Koa.Context) {
    // COOKIE_SECURE says the site is served over HTTPS (TLS may end at a proxy koa cannot see)
    if (this.deps.secureCookies) ctx.cookies.secure = true;
    return {
      path: '/',
      sameSite: 'strict' as const,
      secure: this.deps.secureCookies,
      overwrite: true,
    };
  }
}

/** ApiError 400 naming the field when the password does not meet the policy. */
export function assertPasswordPolicy(password: string, userId: string | undefined, field: string): void {
  const problem = passwordProblem(password, userId);
  if (problem)
    throw new ApiError(400, 'WEAK_PASSWORD', problem.zh, problem.en, {
      field,
      minChars: 10,
      maxBytes: 128,
    });
}
