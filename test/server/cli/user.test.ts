/**
 * `fiscal-bpm seed` and `fiscal-bpm user create|password` against a SQLite file, then signing in through the
 * API on the same file. The password comes from --password-env or stdin, never from argv.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { loadConfig, type Config } from '../../../server/config.js';
import { openDatabase, runSeed } from '../../../server/cli/seed.js';
import { bootstrapAdmin } from '../../../server/auth/admin-bootstrap.js';
import { runUser } from '../../../server/cli/user.js';
import { main } from '../../../server/cli/main.js';
import { createTestServer } from '../../helpers/server-harness.js';

describe('cli/user and cli/seed (sqlite file)', function () {
  this.timeout(60_000);
  let dir: string;
  let config: Config;
  let lines: string[];
  const out = (line: string) => void lines.push(line);
  const io = (extra: { stdin?: Readable; env?: NodeJS.ProcessEnv } = {}) => ({ out, err: out, ...extra });

  beforeEach(() => {
    lines = [];
  });
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fiscal-bpm-user-'));
    config = loadConfig({
      DATABASE_URL: `sqlite:${join(dir, 'fiscal.sqlite')}`,
      LOG_LEVEL: 'silent',
      ADMIN_USER_ID: 'ops.admin',
      ADMIN_PASSWORD: 'Bootstrap-admin-1',
    });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('should seed the reference directory and the bootstrap administrator, idempotently', async () => {
    assert.equal(await runSeed(config, [], out, out), 0);
    assert.match(lines.join('\n'), /Org directory: \d+ orgs, 0 users/);
    assert.match(lines.join('\n'), /Administrator ops\.admin created at 410000-CZ/);
    lines = [];
    assert.equal(await runSeed(config, [], out, out), 0);
    assert.match(lines.join('\n'), /Org directory: 0 orgs, 0 users, 0 roles added/);
    assert.doesNotMatch(lines.join('\n'), /Administrator/);
  });

  it('should create a user from --password-env and one from stdin, and refuse bad input', async () => {
    const created = await runUser(
      config,
      [
        'create',
        'zhongmou.ops',
        '--name',
        '中牟县财政局运维',
        '--org',
        '410122-CZ',
        '--role',
        'reviewer@410122-CZ-GK',
        '--admin',
        '--password-env',
        'NEW_PW',
      ],
      io({ env: { NEW_PW: 'Env-password-123' } }),
    );
    assert.equal(created, 0, lines.join('\n'));
    assert.match(
      lines.join('\n'),
      /User zhongmou\.ops created at 410122-CZ .* with (admin@410122-CZ, reviewer@410122-CZ-GK|reviewer@410122-CZ-GK, admin@410122-CZ)/,
    );

    const piped = await runUser(
      config,
      ['create', 'zhongmou.piped', '--name', '管道', '--org', '410122-CZ-GK'],
      io({ stdin: Readable.from(['Stdin-password-1\nignored second line\n']) }),
    );
    assert.equal(piped, 0, lines.join('\n'));

    lines = [];
    assert.equal(
      await runUser(
        config,
        ['create', 'x.y', '--name', 'X', '--org', '410122-CZ', '--password', 'in-argv-1234'],
        io(),
      ),
      2,
    );
    assert.match(lines.join('\n'), /Unknown option '--password'/);
    lines = [];
    const unknownOrg = await runUser(
      config,
      ['create', 'x.y', '--name', 'X', '--org', 'NOPE', '--password-env', 'PW'],
      io({ env: { PW: 'Good-password-1' } }),
    );
    assert.equal(unknownOrg, 1);
    assert.match(lines.join('\n'), /Org NOPE does not exist \(--org\)/);
    lines = [];
    const weak = await runUser(
      config,
      ['create', 'x.y', '--name', 'X', '--org', '410122-CZ'],
      io({ stdin: Readable.from(['short\n']) }),
    );
    assert.equal(weak, 1);
    assert.match(lines.join('\n'), /at least 10 characters/);
    lines = [];
    assert.equal(await runUser(config, ['create', 'x.y', '--org', '410122-CZ'], io()), 2);
    assert.match(lines.join('\n'), /needs --name/);
    lines = [];
    assert.equal(
      await runUser(
        config,
        ['create', 'x.y', '--name', 'X', '--org', '410122-CZ', '--password-env', 'UNSET_VAR'],
        io({ env: {} }),
      ),
      2,
    );
    assert.match(lines.join('\n'), /UNSET_VAR: the variable is not set/);
  });

  it('should set a password with user password', async () => {
    const code = await runUser(
      config,
      ['password', 'zhongmou.piped'],
      io({ stdin: Readable.from(['Changed-password-2\n']) }),
    );
    assert.equal(code, 0, lines.join('\n'));
    assert.equal(
      await runUser(
        config,
        ['password', 'nobody.here'],
        io({ stdin: Readable.from(['Changed-password-2\n']) }),
      ),
      1,
    );
  });

  it('should let the created users and the bootstrap administrator sign in through the API', async () => {
    const t = await createTestServer('sqlite', {
      workers: false,
      demo: false,
      env: { DATABASE_URL: config.DATABASE_URL },
    });
    try {
      const login = (username: string, password: string) =>
        t.http.post('/api/auth/login').send({ username, password });
      const ops = await login('zhongmou.ops', 'Env-password-123');
      assert.equal(ops.status, 200, JSON.stringify(ops.body));
      assert.deepEqual(
        [...ops.body.user.roles].sort((a: { role: string }, b: { role: string }) =>
          a.role.localeCompare(b.role),
        ),
        [
          { role: 'admin', orgCode: '410122-CZ' },
          { role: 'reviewer', orgCode: '410122-CZ-GK' },
        ],
      );
      assert.equal((await login('zhongmou.piped', 'Stdin-password-1')).status, 401);
      assert.equal((await login('zhongmou.piped', 'Changed-password-2')).status, 200);
      const admin = await login('ops.admin', 'Bootstrap-admin-1');
      assert.equal(admin.status, 200);
      assert.deepEqual(admin.body.user.roles, [{ role: 'admin', orgCode: '410000-CZ' }]);
      assert.equal((await login('x.y', 'Good-password-1')).status, 401);
    } finally {
      await t.close();
    }
  });

  it('should refuse a half-configured or misplaced bootstrap administrator, naming the variable', async () => {
    const knex = await openDatabase(config);
    try {
      await assert.rejects(
        bootstrapAdmin(
          { ADMIN_USER_ID: 'new.admin', ADMIN_PASSWORD: undefined, ADMIN_ORG_CODE: '410000-CZ' },
          knex,
        ),
        /Set both ADMIN_USER_ID and ADMIN_PASSWORD/,
      );
      await assert.rejects(
        bootstrapAdmin(
          { ADMIN_USER_ID: 'new.admin', ADMIN_PASSWORD: 'Good-password-1', ADMIN_ORG_CODE: 'NOPE' },
          knex,
        ),
        /ADMIN_ORG_CODE.*Org NOPE does not exist/,
      );
      assert.equal(
        await bootstrapAdmin(
          { ADMIN_USER_ID: 'ops.admin', ADMIN_PASSWORD: 'Other-password-1', ADMIN_ORG_CODE: '410000-CZ' },
          knex,
        ),
        'unchanged',
      );
    } finally {
      await knex.destroy();
    }
  });

  it('should print the usage of user and seed with --help', async () => {
    const written: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => (
      written.push(String(chunk)),
      true
    )) as typeof process.stdout.write;
    try {
      assert.equal(await main(['user', '--help']), 0);
      assert.equal(await main(['seed', '--help']), 0);
    } finally {
      process.stdout.write = write;
    }
    assert.match(written.join(''), /fiscal-bpm user create <id> --name/);
    assert.match(written.join(''), /fiscal-bpm seed \[--demo\]/);
  });
});
