/**
 * The directory API: orgs, users and roles readable by every signed-in user with filters and paging, writes
 * only for admins, unknown orgs and roles refused naming the field, never a password hash in an answer.
 */
import { HENAN_DEMO_POSTS } from '../../../processes/org/henan-demo.js';
import assert from 'node:assert/strict';
import { createTestServer, type TestServer, type UserAgent } from '../../helpers/server-harness.js';

const ADMIN = 'henan.admin';
const CLERK = 'zhongmou.school1.clerk';

describe('routes/directory (sqlite)', function () {
  this.timeout(30_000);
  let t: TestServer;
  let admin: UserAgent;
  let clerk: UserAgent;
  before(async () => {
    t = await createTestServer('sqlite', { workers: false });
    admin = await t.as(ADMIN);
    clerk = await t.as(CLERK);
  });
  after(async () => t?.close());

  it('should list orgs by parent, kind, level and name, with count and paging', async () => {
    const bureaus = await clerk.get('/api/org').query({ kind: 'finance_bureau', level: 'city' });
    assert.equal(bureaus.status, 200);
    assert.equal(bureaus.body.length, 18);
    assert.ok(
      bureaus.body.every(
        (o: { kind: string; level: string }) => o.kind === 'finance_bureau' && o.level === 'city',
      ),
    );
    const count = await clerk.get('/api/org/count').query({ kind: 'finance_bureau', level: 'city' });
    assert.deepEqual(count.body, { count: 18 });

    const children = await clerk.get('/api/org').query({ parentCode: '410122-CZ', sortBy: 'code' });
    assert.ok(children.body.length > 3);
    assert.ok(children.body.every((o: { parentCode: string }) => o.parentCode === '410122-CZ'));
    const codes = children.body.map((o: { code: string }) => o.code);
    assert.deepEqual(codes, [...codes].sort());

    const page = await clerk
      .get('/api/org')
      .query({ parentCode: '410122-CZ', sortBy: 'code', firstResult: 1, maxResults: 2 });
    assert.deepEqual(
      page.body.map((o: { code: string }) => o.code),
      codes.slice(1, 3),
    );

    const named = await clerk.get('/api/org').query({ nameLike: '中牟县第一' });
    assert.deepEqual(
      named.body.map((o: { code: string }) => o.code),
      ['410122-BM-JY-001'],
    );
    // wildcards in the filter match themselves
    assert.deepEqual((await clerk.get('/api/org').query({ nameLike: '%' })).body, []);
  });

  it('should answer one org with ISO dates, and 404 for an unknown one', async () => {
    const org = await clerk.get('/api/org/410181');
    assert.equal(org.status, 200);
    assert.equal(org.body.name, '巩义市');
    assert.equal(org.body.isDirectlyAdministered, true);
    assert.equal(org.body.financeParentCode, '410000-CZ');
    assert.match(org.body.validFrom, /^\d{4}-\d\d-\d\dT/);
    const missing = await clerk.get('/api/org/999999');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'NOT_FOUND');
  });

  it('should list the roles with Chinese labels', async () => {
    const roles = await clerk.get('/api/role');
    assert.equal(roles.status, 200);
    assert.equal(roles.body.length, 8);
    assert.deepEqual(roles.body[0], { code: 'clerk', label: '经办人' });
  });

  it('should list users by org subtree, org, role and name, with count and paging, never with a hash', async () => {
    await t.services.accounts.users.resetPassword('zhongmou.treasury.chief', 'Chief-password-1');
    const subtree = await clerk.get('/api/user').query({ orgSubtree: '410122' });
    assert.equal(subtree.status, 200);
    assert.equal(subtree.body.length, HENAN_DEMO_POSTS.length);
    assert.ok(subtree.body.every((u: { id: string }) => u.id.startsWith('zhongmou.')));
    assert.deepEqual((await clerk.get('/api/user/count').query({ orgSubtree: '410122' })).body, {
      count: HENAN_DEMO_POSTS.length,
    });

    const treasury = await clerk.get('/api/user').query({ orgCode: '410122-CZ-GK', sortBy: 'id' });
    assert.deepEqual(
      treasury.body.map((u: { id: string }) => u.id),
      ['zhongmou.treasury.chief', 'zhongmou.treasury.clerk', 'zhongmou.treasury.reviewer'],
    );
    const chief = treasury.body[0];
    assert.equal(chief.passwordSet, true);
    assert.deepEqual(chief.roles, [{ role: 'chief', orgCode: '410122-CZ-GK' }]);
    assert.equal(treasury.body[1].passwordSet, false);
    assert.doesNotMatch(JSON.stringify(treasury.body), /argon2|password_hash|passwordHash/);

    const admins = await clerk.get('/api/user').query({ role: 'admin' });
    assert.deepEqual(
      admins.body.map((u: { id: string }) => u.id),
      [ADMIN],
    );
    const byName = await clerk.get('/api/user').query({ nameLike: 'school2', orgSubtree: '410122' });
    assert.deepEqual(
      byName.body.map((u: { id: string }) => u.id),
      ['zhongmou.school2.clerk'],
    );
    const paged = await clerk
      .get('/api/user')
      .query({ sortBy: 'id', sortOrder: 'desc', firstResult: 0, maxResults: 3 });
    assert.equal(paged.body.length, 3);
    assert.ok(paged.body[0].id > paged.body[1].id);

    const badRole = await clerk.get('/api/user').query({ role: 'king' });
    assert.equal(badRole.status, 400);
    assert.equal(badRole.body.details.issues[0].field, 'query.role');
    const badOrg = await clerk.get('/api/user').query({ orgSubtree: 'NOPE' });
    assert.equal(badOrg.status, 422);
    assert.equal(badOrg.body.details.field, 'query.orgSubtree');
  });

  it('should answer one user and 404 for an unknown one', async () => {
    const user = await clerk.get(`/api/user/${CLERK}`);
    assert.equal(user.status, 200);
    assert.equal(user.body.orgCode, '410122-BM-JY-001');
    assert.match(user.body.orgName, /中牟县第一中学/);
    assert.equal((await clerk.get('/api/user/nobody.here')).status, 404);
  });

  it('should refuse every write to a non-admin with 403', async () => {
    const writes = [
      clerk.post('/api/user/create').send({ id: 'x.user', name: 'X', orgCode: '410122-CZ' }),
      clerk.put(`/api/user/${CLERK}`).send({ name: 'Me' }),
      clerk.put(`/api/user/${CLERK}/roles`).send([{ role: 'admin', orgCode: '410122-CZ' }]),
      clerk.post(`/api/user/${CLERK}/password`).send({ password: 'Another-pass-1' }),
    ];
    for (const res of await Promise.all(writes)) {
      assert.equal(res.status, 403);
      assert.equal(res.body.code, 'FORBIDDEN');
    }
    assert.deepEqual((await clerk.get(`/api/user/${CLERK}`)).body.roles, [
      { role: 'clerk', orgCode: '410122-BM-JY-001' },
    ]);
  });

  it('should let an admin create a user who can then sign in', async () => {
    const created = await admin.post('/api/user/create').send({
      id: 'zhongmou.treasury.clerk2',
      name: '中牟县财政局国库股经办人二',
      orgCode: '410122-CZ-GK',
      roles: [{ role: 'clerk', orgCode: '410122-CZ-GK' }],
      password: 'Clerk2-password',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.passwordSet, true);
    assert.deepEqual(created.body.roles, [{ role: 'clerk', orgCode: '410122-CZ-GK' }]);
    const login = await t.http
      .post('/api/auth/login')
      .send({ username: 'zhongmou.treasury.clerk2', password: 'Clerk2-password' });
    assert.equal(login.status, 200);
    assert.equal(login.body.user.orgLevel, 'county');

    const again = await admin
      .post('/api/user/create')
      .send({ id: 'zhongmou.treasury.clerk2', name: 'X', orgCode: '410122-CZ-GK' });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'USER_EXISTS');
  });

  it('should refuse unknown orgs and roles, bad ids and weak passwords naming the field', async () => {
    const cases: [object, number, string, string][] = [
      [{ id: 'a.user', name: 'A', orgCode: 'NOPE-1' }, 422, 'UNKNOWN_ORG', 'body.orgCode'],
      [
        { id: 'a.user', name: 'A', orgCode: '410122-CZ', roles: [{ role: 'king', orgCode: '410122-CZ' }] },
        422,
        'UNKNOWN_ROLE',
        'body.roles.0.role',
      ],
      [
        {
          id: 'a.user',
          name: 'A',
          orgCode: '410122-CZ',
          roles: [
            { role: 'clerk', orgCode: '410122-CZ' },
            { role: 'clerk', orgCode: 'X9' },
          ],
        },
        422,
        'UNKNOWN_ORG',
        'body.roles.1.orgCode',
      ],
      [{ id: 'a user!', name: 'A', orgCode: '410122-CZ' }, 400, 'INVALID_REQUEST', 'body.id'],
      [
        { id: 'a.user', name: 'A', orgCode: '410122-CZ', password: 'short' },
        400,
        'WEAK_PASSWORD',
        'body.password',
      ],
      [
        { id: 'a.user', name: 'A', orgCode: '410122-CZ', password: 'a.user' },
        400,
        'WEAK_PASSWORD',
        'body.password',
      ],
    ];
    for (const [body, status, code, field] of cases) {
      const res = await admin.post('/api/user/create').send(body);
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.equal(res.body.code, code);
      assert.equal(res.body.details.field, field);
    }
    const zodField = await admin.post('/api/user/create').send({ id: 'a.user', orgCode: '410122-CZ' });
    assert.equal(zodField.status, 400);
    assert.equal(zodField.body.details.issues[0].field, 'body.name');
    assert.equal((await admin.get('/api/user/a.user')).status, 404);
  });

  it('should let an admin change name, org and roles, and reset a password', async () => {
    const id = 'gongyi.budget.reviewer';
    const moved = await admin
      .put(`/api/user/${id}`)
      .send({ name: '巩义市财政局国库股审核人', orgCode: '410181-CZ-GK' });
    assert.equal(moved.status, 200);
    assert.equal(moved.body.orgCode, '410181-CZ-GK');
    const badOrg = await admin.put(`/api/user/${id}`).send({ orgCode: 'NOPE' });
    assert.equal(badOrg.status, 422);
    assert.equal(badOrg.body.details.field, 'body.orgCode');

    const roles = await admin.put(`/api/user/${id}/roles`).send([
      { role: 'reviewer', orgCode: '410181-CZ-GK' },
      { role: 'reviewer', orgCode: '410181-CZ-GK' },
      { role: 'chief', orgCode: '410181-CZ-YS' },
    ]);
    assert.equal(roles.status, 200);
    assert.deepEqual(roles.body.roles, [
      { role: 'reviewer', orgCode: '410181-CZ-GK' },
      { role: 'chief', orgCode: '410181-CZ-YS' },
    ]);
    const badRole = await admin
      .put(`/api/user/${id}/roles`)
      .send([{ role: 'boss', orgCode: '410181-CZ-GK' }]);
    assert.equal(badRole.status, 422);
    assert.equal(badRole.body.details.field, 'body.0.role');
    const me = await (await t.as(id)).get('/api/auth/me');
    assert.equal(me.body.orgCode, '410181-CZ-GK');
    assert.equal(me.body.roles.length, 2);

    const reset = await admin.post(`/api/user/${id}/password`).send({ password: 'Fresh-password-9' });
    assert.equal(reset.status, 204);
    const login = await t.http.post('/api/auth/login').send({ username: id, password: 'Fresh-password-9' });
    assert.equal(login.status, 200);
    const weak = await admin.post(`/api/user/${id}/password`).send({ password: '123' });
    assert.equal(weak.status, 400);
    assert.equal(weak.body.details.field, 'body.password');
    assert.equal(
      (await admin.post('/api/user/nobody.here/password').send({ password: 'Fresh-password-9' })).status,
      404,
    );
    assert.equal((await admin.put('/api/user/nobody.here').send({ name: 'X' })).status, 404);

    // each change is on the audit log's system chain, by the admin; the password row holds no secret
    const audit = await t.services
      .knex('audit_log')
      .where({ target_type: 'user', target_id: id })
      .orderBy('seq');
    assert.deepEqual(
      audit.map((r: { action: string }) => r.action),
      ['user.update', 'user.roles', 'user.password'],
    );
    assert.ok(
      audit.every((r: { actor: string; chain_id: string }) => r.actor === ADMIN && r.chain_id === 'system'),
    );
    assert.match(String(audit[0].after_json), /410181-CZ-GK/);
    assert.doesNotMatch(JSON.stringify(audit), /Fresh-password-9|argon2/);
  });

  it('should not let an admin disable themselves or drop their own admin role', async () => {
    const disable = await admin.put(`/api/user/${ADMIN}`).send({ disabled: true });
    assert.equal(disable.status, 409);
    assert.equal(disable.body.code, 'SELF_LOCKOUT');
    const drop = await admin
      .put(`/api/user/${ADMIN}/roles`)
      .send([{ role: 'designer', orgCode: '410000-CZ' }]);
    assert.equal(drop.status, 409);
    assert.equal(drop.body.details.field, 'body');
    assert.equal((await admin.get('/api/auth/me')).status, 200);
    assert.ok(
      (await admin.get(`/api/user/${ADMIN}`)).body.roles.some((r: { role: string }) => r.role === 'admin'),
    );
  });
});

describe('routes/directory (mysql)', function () {
  this.timeout(60_000);
  let t: TestServer;
  before(async () => {
    t = await createTestServer('mysql', { workers: false });
  });
  after(async () => t?.close());

  it('should filter users and orgs by name (escaped LIKE) and subtree, and create a user', async () => {
    const clerk = await t.as(CLERK);
    const byName = await clerk.get('/api/user').query({ nameLike: 'school2', orgSubtree: '410122' });
    assert.equal(byName.status, 200, JSON.stringify(byName.body));
    assert.deepEqual(
      byName.body.map((u: { id: string }) => u.id),
      ['zhongmou.school2.clerk'],
    );
    assert.deepEqual((await clerk.get('/api/org').query({ nameLike: '%' })).body, []);
    assert.deepEqual((await clerk.get('/api/user/count').query({ orgSubtree: '410181' })).body, {
      count: HENAN_DEMO_POSTS.length,
    });
    const created = await (await t.as(ADMIN)).post('/api/user/create').send({
      id: 'gongyi.school1.clerk2',
      name: '巩义市第一中学经办人二',
      orgCode: '410181-BM-JY-001',
      roles: [{ role: 'clerk', orgCode: '410181-BM-JY-001' }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.passwordSet, false);
  });
});
