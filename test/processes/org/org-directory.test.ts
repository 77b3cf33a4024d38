import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { createTestEngine, forEachBackend, type TestEngine } from '../../helpers/engine-harness.js';
import { OrgDirectory } from '../../../processes/org/org-directory.js';
import { seedOrgDirectory } from '../../../processes/org/seed-org-directory.js';

const AT = new Date('2026-03-02T01:00:00.000Z');
const DAY = 24 * 60 * 60 * 1000;

describe('org/org-directory', function () {
  forEachBackend('OrgDirectory', (backend) => {
    let t: TestEngine;
    let knex: Knex;
    let directory: OrgDirectory;
    before(async function () {
      t = await createTestEngine(backend);
      knex = t.infrastructure.knex;
      await seedOrgDirectory(knex, { demo: true });
      directory = new OrgDirectory(knex);
    });
    afterEach(async function () {
      await knex('user_agents').del();
      await knex('users').update({ disabled: false });
    });
    after(() => t?.close());

    describe('#getOrg', function () {
      it('should read a 省直管县 with its administrative and finance parents', async function () {
        // when
        const gongyi = await directory.getOrg('410181');

        // then
        assert.deepEqual(gongyi, {
          code: '410181',
          name: '巩义市',
          shortName: '巩义市',
          kind: 'region',
          level: 'county',
          parentCode: '410100',
          financeParentCode: '410000-CZ',
          divisionType: null,
          path: '/410000/410100/410181/',
          validFrom: Date.UTC(2024, 0, 1),
          validTo: null,
          isDirectlyAdministered: true,
        });
      });

      it('should return undefined for an unknown code', async function () {
        assert.equal(await directory.getOrg('419999'), undefined);
      });
    });

    describe('#children', function () {
      it('should list the 12 county-level units of 郑州市 beside its bureau, department and bank', async function () {
        // when
        const children = await directory.children('410100', AT);

        // then
        assert.equal(children.filter((o) => o.kind === 'region').length, 12);
        assert.deepEqual(
          children.filter((o) => o.kind !== 'region').map((o) => o.code),
          ['410100-BM-JY', '410100-CZ', '410100-YH-102'],
        );
      });

      it('should leave out orgs not valid at the given time', async function () {
        // when
        const before2024 = await directory.children('410100', new Date('2020-06-01T00:00:00Z'));

        // then
        assert.deepEqual(before2024, []);
      });
    });

    describe('#subtree', function () {
      it("should contain 中牟县's orgs and none of 开封市's or the province's", async function () {
        // when
        const codes = (await directory.subtree('410100')).map((o) => o.code);

        // then
        assert.equal(codes[0], '410100');
        for (const code of ['410122', '410122-CZ', '410122-CZ-GK', '410122-BM-JY-001', '410181-CZ-ZFZX']) {
          assert.ok(codes.includes(code), code);
        }
        assert.ok(!codes.some((c) => c.startsWith('4102')), 'no 开封市 org');
        assert.ok(!codes.includes('410000-CZ'));
        // 1 city + its bureau and 9 divisions + 12 counties × 11 + 3 demo regions × 4
        assert.equal(codes.length, 1 + 10 + 12 * 11 + 3 * 4);
      });

      it('should be empty for an unknown org', async function () {
        assert.deepEqual(await directory.subtree('419999'), []);
      });
    });

    describe('#financeBureauOf', function () {
      it('should find the bureau at the level of a budget unit, a division, a region and a bureau', async function () {
        // when
        const found = await Promise.all(
          ['410122-BM-JY-001', '410122-CZ-GK', '410122', '410122-CZ', '410000-BM-JY', '410100-YH-102'].map(
            async (c) => (await directory.financeBureauOf(c))?.code,
          ),
        );

        // then
        assert.deepEqual(found, [
          '410122-CZ',
          '410122-CZ',
          '410122-CZ',
          '410122-CZ',
          '410000-CZ',
          '410100-CZ',
        ]);
      });
    });

    describe('#financeParentBureauOf', function () {
      it('should give the province bureau for 巩义市 and the 郑州市 bureau for 中牟县', async function () {
        // when
        const gongyi = await directory.financeParentBureauOf('410181-BM-JY-002');
        const zhongmou = await directory.financeParentBureauOf('410122-BM-JY-002');

        // then
        assert.equal(gongyi?.code, '410000-CZ');
        assert.equal(gongyi?.name, '河南省财政厅');
        assert.equal(zhongmou?.code, '410100-CZ');
      });

      it('should give the province bureau for a city and nothing for the province', async function () {
        assert.equal((await directory.financeParentBureauOf('410100-CZ-GK'))?.code, '410000-CZ');
        assert.equal(await directory.financeParentBureauOf('410000-CZ-GK'), undefined);
      });
    });

    describe('#provinceBureau', function () {
      it('should be 河南省财政厅', async function () {
        const bureau = await directory.provinceBureau();
        assert.equal(bureau?.code, '410000-CZ');
        assert.equal(bureau?.level, 'province');
      });
    });

    describe('#departmentOf', function () {
      it('should find the 主管部门 of a budget unit, and none for a finance division', async function () {
        assert.equal((await directory.departmentOf('410122-BM-JY-002'))?.name, '中牟县教育局');
        assert.equal((await directory.departmentOf('410122-BM-JY'))?.code, '410122-BM-JY');
        assert.equal(await directory.departmentOf('410122-CZ-GK'), undefined);
      });
    });

    describe('#usersWithRole', function () {
      it('should find the role holders of the given orgs, each once', async function () {
        // given the treasury chief also reviews for the 预算股
        await knex('user_roles').insert({
          user_id: 'zhongmou.treasury.chief',
          role: 'reviewer',
          org_code: '410122-CZ-YS',
        });

        try {
          // when
          const users = await directory.usersWithRole(
            ['reviewer', 'chief'],
            ['410122-CZ-GK', '410122-CZ-YS', '410100-CZ-GK'],
            AT,
          );

          // then
          assert.deepEqual(
            users.map((u) => u.id),
            [
              'zhengzhou.treasury.chief',
              'zhengzhou.treasury.reviewer',
              'zhongmou.budget.chief',
              'zhongmou.budget.reviewer',
              'zhongmou.treasury.chief',
              'zhongmou.treasury.reviewer',
            ],
          );
        } finally {
          await knex('user_roles').where({ user_id: 'zhongmou.treasury.chief', role: 'reviewer' }).del();
        }
      });

      it('should NOT return disabled users', async function () {
        // given
        await directory.setUserDisabled('zhongmou.treasury.reviewer', true);

        // when
        const users = await directory.usersWithRole('reviewer', ['410122-CZ-GK'], AT);

        // then
        assert.deepEqual(users, []);
      });

      it('should NOT return holders at an org that is not valid at that time', async function () {
        // given
        await knex('orgs')
          .where({ code: '410181-CZ-GK' })
          .update({ valid_to: new Date(AT.getTime() - DAY) });

        try {
          // when
          const users = await directory.usersWithRole('reviewer', ['410181-CZ-GK'], AT);

          // then
          assert.deepEqual(users, []);
        } finally {
          await knex('orgs').where({ code: '410181-CZ-GK' }).update({ valid_to: null });
        }
      });
    });

    describe('#agentFor', function () {
      it('should give the agent only while the delegation is valid (end exclusive)', async function () {
        // given
        await directory.addAgent({
          userId: 'zhongmou.treasury.reviewer',
          agentId: 'zhongmou.treasury.chief',
          validFrom: AT.getTime(),
          validTo: AT.getTime() + 3 * DAY,
          reason: '休假',
        });

        // when
        const at = (ms: number) => directory.agentFor('zhongmou.treasury.reviewer', new Date(ms));

        // then
        assert.equal(await at(AT.getTime() - 1), undefined);
        assert.equal(await at(AT.getTime()), 'zhongmou.treasury.chief');
        assert.equal(await at(AT.getTime() + 3 * DAY - 1), 'zhongmou.treasury.chief');
        assert.equal(await at(AT.getTime() + 3 * DAY), undefined);
      });

      it('should follow an open-ended chain and stop at a cycle', async function () {
        // given the reviewer → chief, chief → clerk, clerk → reviewer
        for (const [userId, agentId] of [
          ['zhongmou.treasury.reviewer', 'zhongmou.treasury.chief'],
          ['zhongmou.treasury.chief', 'zhongmou.treasury.clerk'],
          ['zhongmou.treasury.clerk', 'zhongmou.treasury.reviewer'],
        ] as const) {
          await directory.addAgent({
            userId,
            agentId,
            validFrom: AT.getTime() - DAY,
            validTo: null,
            reason: null,
          });
        }

        // when
        const agent = await directory.agentFor('zhongmou.treasury.reviewer', AT);

        // then the chain ends at the last user before it loops back
        assert.equal(agent, 'zhongmou.treasury.clerk');
      });

      it('should ignore a delegation to a disabled user and prefer the latest-starting one', async function () {
        // given
        const from = AT.getTime() - 2 * DAY;
        await directory.addAgent({
          userId: 'zhongmou.treasury.reviewer',
          agentId: 'zhongmou.treasury.clerk',
          validFrom: from,
          validTo: null,
          reason: null,
        });
        await directory.addAgent({
          userId: 'zhongmou.treasury.reviewer',
          agentId: 'zhongmou.treasury.chief',
          validFrom: from + DAY,
          validTo: null,
          reason: null,
        });

        // when
        const latest = await directory.agentFor('zhongmou.treasury.reviewer', AT);
        await directory.setUserDisabled('zhongmou.treasury.chief', true);
        const afterDisabling = await directory.agentFor('zhongmou.treasury.reviewer', AT);

        // then
        assert.equal(latest, 'zhongmou.treasury.chief');
        assert.equal(afterDisabling, 'zhongmou.treasury.clerk');
      });
    });

    describe('#supervisorChain', function () {
      it('should climb from a treasury clerk to the chief, the deputy director and the director', async function () {
        // when
        const chain = await directory.supervisorChain('zhongmou.treasury.clerk', 3, AT);

        // then
        assert.deepEqual(chain, [
          { role: 'chief', orgCode: '410122-CZ-GK', users: ['zhongmou.treasury.chief'] },
          { role: 'deputy_director', orgCode: '410122-CZ', users: ['zhongmou.finance.deputy'] },
          { role: 'director', orgCode: '410122-CZ', users: ['zhongmou.finance.director'] },
        ]);
      });

      it("should start above the user's own rank and return at most `levels` steps", async function () {
        // when
        const chiefs = await directory.supervisorChain('zhongmou.treasury.chief', 1, AT);
        const directors = await directory.supervisorChain('zhongmou.finance.director', 3, AT);

        // then
        assert.deepEqual(chiefs, [
          { role: 'deputy_director', orgCode: '410122-CZ', users: ['zhongmou.finance.deputy'] },
        ]);
        assert.deepEqual(directors, []);
      });

      it('should prefer a deputy who 分管 the division over the bureau-wide one', async function () {
        // given
        await knex('user_roles').insert({
          user_id: 'zhongmou.budget.reviewer',
          role: 'deputy_director',
          org_code: '410122-CZ-GK',
        });

        try {
          // when
          const chain = await directory.supervisorChain('zhongmou.treasury.reviewer', 2, AT);

          // then
          assert.deepEqual(chain[1], {
            role: 'deputy_director',
            orgCode: '410122-CZ-GK',
            users: ['zhongmou.budget.reviewer'],
          });
        } finally {
          await knex('user_roles')
            .where({ user_id: 'zhongmou.budget.reviewer', role: 'deputy_director' })
            .del();
        }
      });

      it('should report ranks nobody holds, and stay below the region', async function () {
        // when a bank clerk's chain is [bank]; nobody there holds a supervisor rank
        const chain = await directory.supervisorChain('zhongmou.bank.clerk', 3, AT);

        // then the bureau's deputy and director (outside the chain) are not found
        assert.deepEqual(chain, [
          { role: 'chief', orgCode: null, users: [] },
          { role: 'deputy_director', orgCode: null, users: [] },
          { role: 'director', orgCode: null, users: [] },
        ]);
      });
    });
  });
});
