/**
 * Signing in over HTTP: the session answer and cookie flags, one answer for every failure, the login limits per
 * account and per address, cookie sessions with CSRF, bearer requests without, logout, the own password change,
 * and a disabled user or a removed role taking effect on the next request (SQLite; login + disable on MySQL).
 */
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import type { Response } from 'supertest';
import { DEMO_PASSWORD, seedDemoLogins } from '../../../server/auth/demo-logins.js';
import { cookieNames } from '../../../server/auth/authenticator.js';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';

const CLERK = 'zhongmou.school1.clerk';
const REVIEWER = 'zhongmou.treasury.reviewer';
const ADMIN = 'henan.admin';
const NAMES = cookieNames(false);

/** The Set-Cookie line of one cookie. */
function setCookie(res: Response, name: string): string {
  const all = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const line = all.find((c) => c.startsWith(`${name}=`));
  assert.ok(line, `expected a Set-Cookie for ${name} in ${JSON.stringify(all)}`);
  return line;
}

/** `name=value` pairs to send back as a Cookie header. */
function cookieHeader(res: Response): string {
  return ([] as string[])
    .concat(res.headers['set-cookie'] ?? [])
    .map((c) => c.split(';')[0])
    .join('; ');
}

describe('auth/login (sqlite)', function () {
  this.timeout(30_000);
  let t: TestServer;
  let address = 0;
  /** A fresh client address per test, so the address limit of one test does not reach another. */
  const from = () => `10.0.0.${++address}`;
  const login = (username: string, password: string, ip = from()) =>
    t.http
      .post('/api/auth/login')
      .set('X-Forwarded-For', ip)
      .set('Accept-Language', 'en')
      .send({ username, password });

  before(async () => {
    t = await createTestServer('sqlite', {
      workers: false,
      env: { TRUST_PROXY: 'true', LOGIN_MAX_FAILURES_PER_ACCOUNT: '5', LOGIN_MAX_FAILURES_PER_ADDRESS: '8' },
    });
    assert.ok((await seedDemoLogins(t.services.knex, t.services.now())) >= 40);
  });
  after(async () => t?.close());

  it('should give every demo user the demo password, once', async () => {
    assert.equal(await seedDemoLogins(t.services.knex, t.services.now()), 0);
    const res = await login('gongyi.finance.director', DEMO_PASSWORD);
    assert.equal(res.status, 200);
  });

  it('should sign in: token, CSRF token, the user with org and roles, and the cookies with their flags', async () => {
    const res = await login(REVIEWER, DEMO_PASSWORD);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(typeof res.body.token, 'string');
    assert.ok(Date.parse(res.body.expiresAt) > t.services.now());
    assert.deepEqual(res.body.user, {
      id: REVIEWER,
      name: res.body.user.name,
      orgCode: '410122-CZ-GK',
      orgName: res.body.user.orgName,
      orgLevel: 'county',
      roles: [{ role: 'reviewer', orgCode: '410122-CZ-GK' }],
    });
    assert.match(res.body.user.orgName, /中牟县/);
    assert.equal(res.headers['cache-control'], 'no-store');

    const session = setCookie(res, NAMES.session);
    assert.match(session, /;\s*httponly/i);
    assert.match(session, /;\s*samesite=strict/i);
    assert.match(session, /;\s*path=\/(;|$)/i);
    assert.doesNotMatch(session, /;\s*secure/i);
    assert.equal(session.split(';')[0], `${NAMES.session}=${res.body.token}`);
    const csrf = setCookie(res, NAMES.csrf);
    assert.doesNotMatch(csrf, /httponly/i);
    assert.match(csrf, /;\s*samesite=strict/i);
    assert.equal(csrf.split(';')[0], `${NAMES.csrf}=${res.body.csrfToken}`);
    assert.ok(res.body.csrfToken.length >= 32);

    const me = await t.http.get('/api/auth/me').set('Authorization', `Bearer ${res.body.token}`);
    assert.equal(me.status, 200);
    assert.deepEqual(me.body, res.body.user);
  });

  it('should answer the same 401 for a wrong password, an unknown user and a user without password', async () => {
    const wrong = await login(REVIEWER, 'not-the-password');
    const unknown = await login('nobody.here', DEMO_PASSWORD);
    await t.services.knex('user_credentials').where({ user_id: 'gongyi.bank.clerk' }).delete();
    const noPassword = await login('gongyi.bank.clerk', DEMO_PASSWORD);
    for (const res of [wrong, unknown, noPassword]) {
      assert.equal(res.status, 401);
      assert.equal(res.body.code, 'LOGIN_FAILED');
      assert.equal(res.body.message, 'Wrong username or password');
      assert.equal(res.headers['set-cookie'], undefined);
    }
    const zh = await t.http.post('/api/auth/login').send({ username: REVIEWER, password: 'nope' });
    assert.match(zh.body.message, /用户名或密码错误/);
  });

  it('should name the field of a malformed login body', async () => {
    const res = await t.http.post('/api/auth/login').send({ username: REVIEWER });
    assert.equal(res.status, 400);
    assert.equal(res.body.details.issues[0].field, 'body.password');
  });

  it('should refuse an account after 5 failures from anywhere with 429 and Retry-After, even with the right password', async () => {
    const user = 'zhengzhou.treasury.clerk';
    for (let i = 0; i < 5; i++) assert.equal((await login(user, `wrong-${i}`)).status, 401);
    const blocked = await login(user, DEMO_PASSWORD);
    assert.equal(blocked.status, 429);
    assert.equal(blocked.body.code, 'TOO_MANY_ATTEMPTS');
    const retryAfter = Number(blocked.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    // the username is counted however it is written
    assert.equal((await login(user.toUpperCase(), DEMO_PASSWORD)).status, 429);
    // other accounts are not affected
    assert.equal((await login('zhengzhou.treasury.chief', DEMO_PASSWORD)).status, 200);
  });

  it('should refuse an address after 8 failures on rotating accounts, and not other addresses', async () => {
    const ip = from();
    for (let i = 0; i < 8; i++) assert.equal((await login(`guess.${i}`, 'wrong-password', ip)).status, 401);
    const blocked = await login('henan.treasury.chief', DEMO_PASSWORD, ip);
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers['retry-after']) >= 1);
    assert.equal((await login('henan.treasury.chief', DEMO_PASSWORD)).status, 200);
  });

  it('should forget an account’s failures after a successful login', async () => {
    const user = 'zhengzhou.budget.reviewer';
    for (let i = 0; i < 4; i++) assert.equal((await login(user, 'wrong-password')).status, 401);
    assert.equal((await login(user, DEMO_PASSWORD)).status, 200);
    for (let i = 0; i < 4; i++) assert.equal((await login(user, 'wrong-password')).status, 401);
    assert.equal((await login(user, DEMO_PASSWORD)).status, 200);
  });

  it('should require the CSRF token and a same origin for unsafe cookie requests, and not for bearer ones', async () => {
    const signedIn = await login(ADMIN, DEMO_PASSWORD);
    assert.equal(signedIn.status, 200);
    const cookies = cookieHeader(signedIn);
    const csrf = signedIn.body.csrfToken as string;
    const change = () =>
      t.http.put(`/api/user/${CLERK}`).set('Cookie', cookies).send({ name: '中牟县第一中学经办人' });

    // a safe request needs only the cookie
    assert.equal((await t.http.get('/api/auth/me').set('Cookie', cookies)).status, 200);
    const missing = await change();
    assert.equal(missing.status, 403);
    assert.equal(missing.body.details.header, 'X-CSRF-Token');
    assert.equal((await change().set('X-CSRF-Token', 'x'.repeat(csrf.length))).status, 403);
    const foreign = await change().set('X-CSRF-Token', csrf).set('Origin', 'https://evil.example');
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.details.header, 'Origin');
    const crossSite = await change().set('X-CSRF-Token', csrf).set('Sec-Fetch-Site', 'cross-site');
    assert.equal(crossSite.status, 403);
    const ok = await change().set('X-CSRF-Token', csrf);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const sameOrigin = await change()
      .set('X-CSRF-Token', csrf)
      .set('Host', 'fiscal.example')
      .set('Origin', 'http://fiscal.example');
    assert.equal(sameOrigin.status, 200, JSON.stringify(sameOrigin.body));

    // bearer: no CSRF token needed
    const bearer = await t.http
      .put(`/api/user/${CLERK}`)
      .set('Authorization', `Bearer ${signedIn.body.token}`)
      .send({ name: '中牟县第一中学经办人' });
    assert.equal(bearer.status, 200);
  });

  it('should clear both cookies on logout', async () => {
    const res = await t.http.post('/api/auth/logout');
    assert.equal(res.status, 204);
    for (const name of [NAMES.session, NAMES.csrf]) {
      const line = setCookie(res, name);
      assert.match(line, new RegExp(`^${name}=;`));
      assert.match(line, /expires=Thu, 01 Jan 1970/i);
    }
  });

  it('should change one’s own password: old one checked, policy applied, other sessions ended', async () => {
    const user = 'gongyi.treasury.clerk';
    const before = await login(user, DEMO_PASSWORD);
    const older = await t.server.tokens.issue(user, t.services.now() - 5_000);
    const auth = `Bearer ${before.body.token}`;
    const change = (body: object) =>
      t.http.post('/api/auth/password').set('Authorization', auth).set('Accept-Language', 'en').send(body);

    const wrongOld = await change({ oldPassword: 'not-it-at-all', newPassword: 'A-new-password-1' });
    assert.equal(wrongOld.status, 400);
    assert.equal(wrongOld.body.code, 'WRONG_PASSWORD');
    assert.equal(wrongOld.body.details.field, 'body.oldPassword');
    const short = await change({ oldPassword: DEMO_PASSWORD, newPassword: 'short' });
    assert.equal(short.status, 400);
    assert.equal(short.body.code, 'WEAK_PASSWORD');
    assert.equal(short.body.details.field, 'body.newPassword');
    const long = await change({ oldPassword: DEMO_PASSWORD, newPassword: '密'.repeat(43) }); // 129 bytes
    assert.equal(long.status, 400);
    assert.equal(long.body.code, 'WEAK_PASSWORD');
    assert.match(long.body.message, /128 bytes/);

    const done = await change({ oldPassword: DEMO_PASSWORD, newPassword: 'A-new-password-1' });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.csrfToken, undefined);
    assert.equal(
      (await t.http.get('/api/auth/me').set('Authorization', `Bearer ${older.token}`)).status,
      401,
    );
    assert.equal(
      (await t.http.get('/api/auth/me').set('Authorization', `Bearer ${done.body.token}`)).status,
      200,
    );
    assert.equal((await login(user, DEMO_PASSWORD)).status, 401);
    assert.equal((await login(user, 'A-new-password-1')).status, 200);
  });

  it('should refuse a user disabled through the admin API on their next request and at login', async () => {
    const session = await login(CLERK, DEMO_PASSWORD);
    const auth = `Bearer ${session.body.token}`;
    assert.equal((await t.http.get('/api/auth/me').set('Authorization', auth)).status, 200);
    const admin = await t.as(ADMIN);
    assert.equal((await admin.put(`/api/user/${CLERK}`).send({ disabled: true })).status, 200);

    const next = await t.http.get('/api/auth/me').set('Authorization', auth);
    assert.equal(next.status, 401);
    assert.equal(next.body.code, 'UNAUTHENTICATED');
    const again = await login(CLERK, DEMO_PASSWORD);
    assert.equal(again.status, 401);
    assert.equal(again.body.code, 'LOGIN_FAILED');

    assert.equal((await admin.put(`/api/user/${CLERK}`).send({ disabled: false })).status, 200);
    assert.equal((await t.http.get('/api/auth/me').set('Authorization', auth)).status, 200);
  });

  it('should apply a removed role on the next request (a role-guarded route goes 403)', async () => {
    const admin = await t.as(ADMIN);
    const deputy = 'zhongmou.finance.deputy';
    const grant = await admin.put(`/api/user/${deputy}/roles`).send([
      { role: 'deputy_director', orgCode: '410122-CZ' },
      { role: 'admin', orgCode: '410122-CZ' },
    ]);
    assert.equal(grant.status, 200, JSON.stringify(grant.body));
    const asDeputy = await t.as(deputy);
    assert.equal((await asDeputy.get('/api/role')).status, 200);
    assert.equal((await asDeputy.put(`/api/user/${REVIEWER}`).send({})).status, 200);

    const revoke = await admin
      .put(`/api/user/${deputy}/roles`)
      .send({ roles: [{ role: 'deputy_director', orgCode: '410122-CZ' }] });
    assert.deepEqual(revoke.body.roles, [{ role: 'deputy_director', orgCode: '410122-CZ' }]);
    const refused = await asDeputy.put(`/api/user/${REVIEWER}`).send({});
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, 'FORBIDDEN');
    assert.deepEqual(refused.body.details.requiredRoles, ['admin']);
  });
});

describe('auth/login (mysql)', function () {
  this.timeout(60_000);
  let t: TestServer;
  before(async () => {
    t = await createTestServer('mysql', { workers: false });
    await t.services.accounts.users.resetPassword(CLERK, 'Mysql-login-pass-1');
  });
  after(async () => t?.close());

  it('should sign in, then refuse the user once disabled', async () => {
    const res = await t.http
      .post('/api/auth/login')
      .send({ username: CLERK, password: 'Mysql-login-pass-1' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.user.orgCode, '410122-BM-JY-001');
    const auth = `Bearer ${res.body.token}`;
    assert.equal((await t.http.get('/api/auth/me').set('Authorization', auth)).status, 200);
    const wrong = await t.http.post('/api/auth/login').send({ username: CLERK, password: 'wrong-password' });
    assert.equal(wrong.status, 401);

    const admin = await t.as(ADMIN);
    const disabled = await admin.put(`/api/user/${CLERK}`).send({ disabled: true });
    assert.equal(disabled.status, 200);
    assert.equal(disabled.body.disabled, true);
    assert.equal((await t.http.get('/api/auth/me').set('Authorization', auth)).status, 401);
    const again = await t.http
      .post('/api/auth/login')
      .send({ username: CLERK, password: 'Mysql-login-pass-1' });
    assert.equal(again.status, 401);
    assert.equal(again.body.code, 'LOGIN_FAILED');
  });

  it('should count failures in Redis, shared by every API process', async () => {
    const user = 'zhongmou.school2.clerk';
    for (let i = 0; i < 5; i++)
      assert.equal(
        (await t.http.post('/api/auth/login').send({ username: user, password: `wrong-${i}` })).status,
        401,
      );
    const blocked = await t.http.post('/api/auth/login').send({ username: user, password: 'wrong-again' });
    assert.equal(blocked.status, 429);
    const redis = new Redis(t.config.REDIS_URL!);
    try {
      const keys = await redis.keys(`${t.config.QUEUE_PREFIX}:login:acct:*`);
      assert.ok(keys.length >= 1);
      assert.ok(Math.max(...(await Promise.all(keys.map((k) => redis.get(k)))).map(Number)) >= 5);
    } finally {
      await redis.quit();
    }
  });
});

describe('auth/login with COOKIE_SECURE (sqlite)', function () {
  this.timeout(30_000);
  let t: TestServer;
  before(async () => {
    t = await createTestServer('sqlite', { workers: false, env: { COOKIE_SECURE: 'true' } });
    await t.services.accounts.users.resetPassword(REVIEWER, 'Secure-cookie-pass-1');
  });
  after(async () => t?.close());

  it('should set __Host- cookies marked Secure, and accept them back', async () => {
    const res = await t.http
      .post('/api/auth/login')
      .send({ username: REVIEWER, password: 'Secure-cookie-pass-1' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const names = cookieNames(true);
    for (const name of [names.session, names.csrf]) {
      const line = setCookie(res, name);
      assert.match(line, /;\s*secure/i);
      assert.match(line, /;\s*path=\/(;|$)/i);
      assert.doesNotMatch(line, /domain=/i);
    }
    const me = await t.http.get('/api/auth/me').set('Cookie', cookieHeader(res));
    assert.equal(me.status, 200);
    assert.equal(me.body.id, REVIEWER);
  });
});
