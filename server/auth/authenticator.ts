/**
 * Request authentication: a bearer token (API clients) or the session cookie (the browser), verified by
 * TokenService, then the principal loaded fresh from the directory (briefly cached). Cookie sessions must send
 * the CSRF token (double submit: the `fbpm_csrf` cookie echoed in `X-CSRF-Token`) and a same-origin Origin on
 * unsafe methods; bearer requests are not exposed to CSRF. A password change or reset ends every session
 * issued before it (the token's `iat` is compared with the credential's change time).
 */
import { timingSafeEqual } from 'node:crypto';
import type Koa from 'koa';
import { errors } from '../http/api-error.js';
import type { Authenticator } from '../services.js';
import type { Principal } from './principal.js';
import type { PrincipalLoader } from './principal-loader.js';
import type { TokenService } from './tokens.js';

export interface CookieNames {
  readonly session: string;
  readonly csrf: string;
}

/** `__Host-` cookies need Secure (HTTPS); plain-HTTP trials use unprefixed names. */
export function cookieNames(secure: boolean): CookieNames {
  return secure
    ? { session: '__Host-fbpm_session', csrf: '__Host-fbpm_csrf' }
    : { session: 'fbpm_session', csrf: 'fbpm_csrf' };
}

export class TokenAuthenticator implements Authenticator {
  constructor(
    private readonly tokens: TokenService,
    private readonly principals: PrincipalLoader,
    private readonly cookies: CookieNames,
    private readonly now: () => number = Date.now,
  ) {}

  async authenticate(ctx: Koa.Context): Promise<Principal | undefined> {
    const header = ctx.get('Authorization');
    let token: string | undefined;
    let via: Principal['via'];
    if (header) {
      const match = /^Bearer ([A-Za-z0-9_.~+/=-]+)$/.exec(header);
      if (!match) throw errors.unauthenticated('malformed Authorization header');
      token = match[1]!;
      via = 'bearer';
    } else {
      token = ctx.cookies.get(this.cookies.session) ?? undefined;
      via = 'cookie';
      if (!token) return undefined;
    }
    const verified = await this.tokens.verify(token, this.now());
    if ('refused' in verified) throw errors.unauthenticated(verified.refused);
    const loaded = await this.principals.load(verified.userId, this.now());
    if (!loaded) throw errors.unauthenticated('user disabled or unknown');
    const { passwordChangedAt, ...principal } = loaded;
    // tokens carry whole seconds: one issued in the second of the change (the new session) stays valid
    if (passwordChangedAt !== undefined && verified.issuedAt < Math.floor(passwordChangedAt / 1000) * 1000)
      throw errors.unauthenticated('session ended by a password change');
    return { ...principal, via };
  }

  checkCsrf(ctx: Koa.Context): void {
    const cookie = ctx.cookies.get(this.cookies.csrf) ?? '';
    const header = ctx.get('X-CSRF-Token');
    const same =
      cookie.length >= 16 &&
      cookie.length === header.length &&
      timingSafeEqual(Buffer.from(cookie), Buffer.from(header));
    if (!same)
      throw errors.forbidden('CSRF 校验失败，请刷新页面后重试', 'CSRF token missing or wrong', {
        header: 'X-CSRF-Token',
      });
    const origin = ctx.get('Origin');
    // koa 3's ctx.origin is the request's Origin header: compare with the server's own scheme and host
    if (origin && origin !== `${ctx.protocol}://${ctx.host}`)
      throw errors.forbidden('请求来源不被允许', `Origin ${origin} is not allowed`, { header: 'Origin' });
    const site = ctx.get('Sec-Fetch-Site');
    if (site && site !== 'same-origin' && site !== 'none')
      throw errors.forbidden('请求来源不被允许', `Sec-Fetch-Site ${site} is not allowed`, {
        header: 'Sec-Fetch-Site',
      });
  }
}
