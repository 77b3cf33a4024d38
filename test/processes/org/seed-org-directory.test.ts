import { HENAN_DEMO_POSTS } from '../../../processes/org/henan-demo.js';
import assert from 'node:assert/strict';
import { createTestEngine, forEachBackend, type TestEngine } from '../../helpers/engine-harness.js';
import { FINANCE_DIVISIONS } from '../../../processes/org/finance-divisions.js';
import { OrgDirectory } from '../../../processes/org/org-directory.js';
import { planOrgDirectory, seedOrgDirectory } from '../../../processes/org/seed-org-directory.js';

/** 1 province + 18 prefecture-level units (济源 included) + 156 county-level units (domain.md §5.1). */
const REGIONS = 1 + 18 + 156;
/** Demo: 4 regions × (department + 2 budget units + bank). */
const DEMO_ORGS = 4 * 4;
/** Demo: 4 regions × the demo posts + the province admin. */
const DEMO_USERS = 4 * HENAN_DEMO_POSTS.length + 1;

describe('org/seed-org-directory', function () {
  describe('#planOrgDirectory', function () {
    it('should plan every region with its bureau and divisions, and unique codes', function () {
      // when
      const plan = planOrgDirectory();

      // then
      const byKind = countBy(plan.orgs.map((o) => o.kind));
      assert.deepEqual(byKind, {
        region: REGIONS,
        finance_bureau: REGIONS,
        division: REGIONS * FINANCE_DIVISIONS.length,
      });
      assert.equal(new Set(plan.orgs.map((o) => o.code)).size, plan.orgs.length);
      assert.equal(plan.users.length, 0);
    });

    it('should name divisions 处 at the province, 科 in a city and 股 in a county', function () {
      // when
      const names = new Map(planOrgDirectory().orgs.map((o) => [o.code, o.name]));

      // then
      assert.equal(names.get('410000-CZ'), '河南省财政厅');
      assert.equal(names.get('410000-CZ-GK'), '河南省财政厅国库处');
      assert.equal(names.get('410100-CZ-GK'), '郑州市财政局国库科');
      assert.equal(names.get('410122-CZ-GK'), '中牟县财政局国库股');
      assert.equal(names.get('410122-CZ-ZFZX'), '中牟县财政局国库支付中心');
      assert.equal(names.get('419001-CZ-YS'), '济源市财政局预算科');
    });
  });

  forEachBackend('#seedOrgDirectory', (backend) => {
    let t: TestEngine;
    beforeEach(async function () {
      t = await createTestEngine(backend);
    });
    afterEach(() => t?.close());

    it('should seed every region, bureau and division of Henan', async function () {
      // given
      const knex = t.infrastructure.knex;

      // when
      const result = await seedOrgDirectory(knex);

      // then
      assert.deepEqual(result, { orgs: REGIONS * (2 + FINANCE_DIVISIONS.length), users: 0, roles: 0 });
      const counts = await countByColumn(knex, 'kind');
      assert.deepEqual(counts, {
        division: REGIONS * FINANCE_DIVISIONS.length,
        finance_bureau: REGIONS,
        region: REGIONS,
      });
      const regionLevels = await countByColumn(knex, 'level', { kind: 'region' });
      assert.deepEqual(regionLevels, { city: 18, county: 156, province: 1 });
    });

    it('should seed the demo departments, units, banks and users', async function () {
      // given
      const knex = t.infrastructure.knex;

      // when
      const result = await seedOrgDirectory(knex, { demo: true });

      // then
      assert.deepEqual(result, {
        orgs: REGIONS * (2 + FINANCE_DIVISIONS.length) + DEMO_ORGS,
        users: DEMO_USERS,
        roles: DEMO_USERS + 2,
      });
      const demo = await countByColumn(knex, 'kind', (q) =>
        q.whereIn('kind', ['department', 'budget_unit', 'bank']),
      );
      assert.deepEqual(demo, { bank: 4, budget_unit: 8, department: 4 });
      const reviewer = await new OrgDirectory(knex).getUser('zhongmou.treasury.reviewer');
      assert.equal(reviewer?.orgCode, '410122-CZ-GK');
      assert.equal(reviewer?.name, '中牟县财政局国库股审核人');
    });

    it('should insert nothing on a re-seed and keep rows edited since', async function () {
      // given
      const knex = t.infrastructure.knex;
      await seedOrgDirectory(knex, { demo: true });
      await knex('orgs').where({ code: '410122-CZ-JKW' }).update({ name: '中牟县财政局教科文卫股' });
      const before = await knex('orgs').count({ n: '*' });

      // when
      const again = await seedOrgDirectory(knex, { demo: true });

      // then
      assert.deepEqual(again, { orgs: 0, users: 0, roles: 0 });
      assert.deepEqual(await knex('orgs').count({ n: '*' }), before);
      const edited = await new OrgDirectory(knex).getOrg('410122-CZ-JKW');
      assert.equal(edited?.name, '中牟县财政局教科文卫股');
    });

    it('should add only what is missing when demo data comes later', async function () {
      // given
      const knex = t.infrastructure.knex;
      await seedOrgDirectory(knex);

      // when
      const result = await seedOrgDirectory(knex, { demo: true });

      // then
      assert.deepEqual(result, { orgs: DEMO_ORGS, users: DEMO_USERS, roles: DEMO_USERS + 2 });
    });

    it('should write in a handful of batched inserts', async function () {
      // given
      const knex = t.infrastructure.knex;
      const inserts: string[] = [];
      const onQuery = (q: { sql: string }) => {
        if (/^insert/i.test(q.sql.trim())) inserts.push(q.sql);
      };
      knex.on('query', onQuery);

      // when
      const started = Date.now();
      await seedOrgDirectory(knex, { demo: true });
      const elapsedMs = Date.now() - started;
      knex.off('query', onQuery);

      // then ~2,000 orgs in 500-row chunks, users and roles in one insert each
      assert.ok(inserts.length <= 8, `expected at most 8 insert statements, got ${inserts.length}`);
      assert.ok(elapsedMs < 5000, `seeding took ${elapsedMs} ms`);
    });

    it('should point 省直管县 at the province bureau and other counties at their city bureau', async function () {
      // given
      const knex = t.infrastructure.knex;
      await seedOrgDirectory(knex);
      const directory = new OrgDirectory(knex);

      // when
      const flagged = await knex('orgs')
        .where({ kind: 'region', is_directly_administered: true })
        .orderBy('code');

      // then
      assert.deepEqual(
        flagged.map((r) => [r.code, r.finance_parent_code]),
        [
          '410181',
          '410225',
          '410482',
          '410526',
          '410783',
          '411381',
          '411481',
          '411525',
          '411628',
          '411729',
        ].map((code) => [code, '410000-CZ']),
      );
      assert.equal((await directory.getOrg('410122'))?.financeParentCode, '410100-CZ');
      assert.equal((await directory.getOrg('410100'))?.financeParentCode, '410000-CZ');
      assert.equal((await directory.getOrg('419001'))?.financeParentCode, '410000-CZ');
      assert.equal((await directory.getOrg('410000'))?.financeParentCode, null);
    });
  });
});

// helpers //////

function countBy(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

async function countByColumn(
  knex: TestEngine['infrastructure']['knex'],
  column: string,
  where: Record<string, unknown> | ((q: ReturnType<TestEngine['infrastructure']['knex']>) => unknown) = {},
): Promise<Record<string, number>> {
  const query = knex('orgs').select(column).count({ n: '*' }).groupBy(column).orderBy(column);
  if (typeof where === 'function') where(query);
  else query.where(where);
  const rows = (await query) as Array<Record<string, unknown>>;
  return Object.fromEntries(rows.map((r) => [String(r[column]), Number(r.n)]));
}
