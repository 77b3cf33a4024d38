/**
 * Token verification over HTTP: every forged, foreign, expired or malformed token is refused with 401
 * UNAUTHENTICATED, and a password change ends sessions issued before it.
 */
import assert from 'node:assert/strict';
import { SignJWT, generateKeyPair } from 'jose';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';

const USER = 'zhongmou.treasury.reviewer';

describe('auth/tokens (sqlite)', function () {
  this.timeout(30_000);
  let t: TestServer;
  let secret: Uint8Array;
  before(async () => {
    t = await createTestServer('sqlite', { workers: false });
    secret = new TextEncoder().encode(t.config.AUTH_JWT_SECRET);
  });
  after(async () => t?.close());

  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = () => {
    const iat = Math.floor(t.services.now() / 1000);
    return {
      sub: USER,
      iss: t.config.AUTH_ISSUER,
      aud: t.config.AUTH_AUDIENCE,
      iat,
      exp: iat + 600,
      jti: 'j-1',
    };
  };
  const sign = (payload: Record<string, unknown>, alg = 'HS256') =>
    new SignJWT(payload).setProtectedHeader({ alg, typ: 'at+jwt' }).sign(secret);

  async function refused(authorization: string, reason?: RegExp) {
    const res = await t.http
      .get('/api/auth/me')
      .set('Authorization', authorization)
      .set('Accept-Language', 'en');
    assert.equal(res.status, 401, JSON.stringify(res.body));
    assert.equal(res.body.code, 'UNAUTHENTICATED');
    if (reason) assert.match(res.body.message, reason);
  }

  it('should accept a token the server issued', async () => {
    const res = await t.http.get('/api/auth/me').set('Authorization', `Bearer ${await t.tokenFor(USER)}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.id, USER);
  });

  it('should refuse alg "none"', async () => {
    const token = `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims())}.`;
    await refused(`Bearer ${token}`);
  });

  it('should refuse HS512 with the right secret and RS256 with a foreign key', async () => {
    await refused(`Bearer ${await sign(claims(), 'HS512')}`);
    const { privateKey } = await generateKeyPair('RS256');
    const rs = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt' })
      .sign(privateKey);
    await refused(`Bearer ${rs}`);
  });

  it('should refuse an expired token', async () => {
    const old = await t.server.tokens.issue(USER, t.services.now() - 2 * t.config.AUTH_TOKEN_TTL_S * 1000);
    await refused(`Bearer ${old.token}`, /expired/);
  });

  it('should refuse a wrong audience, a wrong issuer, a missing jti and a wrong type', async () => {
    await refused(`Bearer ${await sign({ ...claims(), aud: 'another-api' })}`, /aud/);
    await refused(`Bearer ${await sign({ ...claims(), iss: 'someone-else' })}`, /iss/);
    const { jti: _jti, ...noJti } = claims();
    await refused(`Bearer ${await sign(noJti)}`);
    const wrongType = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(secret);
    await refused(`Bearer ${wrongType}`);
  });

  it('should refuse a tampered signature or payload', async () => {
    const token = await t.tokenFor(USER);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const flipped = signature.slice(0, 5) + (signature[5] === 'A' ? 'B' : 'A') + signature.slice(6);
    await refused(`Bearer ${header}.${payload}.${flipped}`);
    const otherUser = b64({
      ...JSON.parse(Buffer.from(payload, 'base64url').toString()),
      sub: 'henan.admin',
    });
    await refused(`Bearer ${header}.${otherUser}.${signature}`);
  });

  it('should refuse a malformed Authorization header', async () => {
    for (const header of [
      'Bearer',
      'Bearer ',
      'Basic dXNlcjpwYXNz',
      'Bearer a b',
      'Bearer <script>',
      'bearer x.y.z',
    ])
      await refused(header);
    await refused('Bearer not-a-jwt');
  });

  it('should refuse a token of an unknown user', async () => {
    await refused(`Bearer ${await sign({ ...claims(), sub: 'nobody.at.all' })}`, /disabled or unknown/);
  });

  it('should end sessions issued before a password reset', async () => {
    // given a session issued a few seconds ago
    const earlier = await t.server.tokens.issue(USER, t.services.now() - 5_000);
    assert.equal(
      (await t.http.get('/api/auth/me').set('Authorization', `Bearer ${earlier.token}`)).status,
      200,
    );
    // when an admin resets the password
    const admin = await t.as('henan.admin');
    const reset = await admin.post(`/api/user/${USER}/password`).send({ password: 'Reset-Password-1' });
    assert.equal(reset.status, 204, JSON.stringify(reset.body));
    // then the old session is over, a new login works
    await refused(`Bearer ${earlier.token}`, /password change/);
    const login = await t.http.post('/api/auth/login').send({ username: USER, password: 'Reset-Password-1' });
    assert.equal(login.status, 200);
    assert.equal(
      (await t.http.get('/api/auth/me').set('Authorization', `Bearer ${login.body.token}`)).status,
      200,
    );
  });
});
