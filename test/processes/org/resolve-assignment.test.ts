import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { createTestEngine, forEachBackend, type TestEngine } from '../../helpers/engine-harness.js';
import { OrgDirectory } from '../../../processes/org/org-directory.js';
import {
  parseOrgScope,
  resolveCandidates,
  substituteAgents,
  type AssignmentInstance,
  type AssignmentRule,
} from '../../../processes/org/resolve-assignment.js';
import { seedOrgDirectory } from '../../../processes/org/seed-org-directory.js';

const AT = new Date('2026-03-02T01:00:00.000Z');
const DAY = 24 * 60 * 60 * 1000;

/** A payment started by the clerk of the first demo school of a region. */
function startedBySchoolClerk(slug: string, regionCode: string, at = AT): AssignmentInstance {
  return { initiator: `${slug}.school1.clerk`, initiatorOrgCode: `${regionCode}-BM-JY-001`, at };
}

const TREASURY_REVIEW: AssignmentRule = {
  candidateRoles: ['reviewer'],
  orgScope: 'financeBureau',
  divisionType: 'treasury',
};

describe('org/resolve-assignment', function () {
  describe('#parseOrgScope', function () {
    it('should parse the relative scopes and org:<code>', function () {
      assert.deepEqual(parseOrgScope('financeParent'), { kind: 'financeParent' });
      assert.deepEqual(parseOrgScope('org:410100-CZ-GK'), { kind: 'org', code: '410100-CZ-GK' });
    });

    it('should reject an unknown scope', function () {
      assert.throws(
        () => parseOrgScope('cityBureau'),
        /Expected orgScope to be one of .* but got 'cityBureau'/,
      );
      assert.throws(() => parseOrgScope('org:'), /but got 'org:'/);
    });
  });

  describe('#substituteAgents', function () {
    it('should replace absent users by their agents, once each, sorted', function () {
      // when
      const result = substituteAgents(
        ['b', 'c', 'd'],
        new Map([
          ['b', 'a'],
          ['d', 'c'],
        ]),
      );

      // then
      assert.deepEqual(result, {
        users: ['a', 'c'],
        substitutions: [
          { userId: 'b', agentId: 'a' },
          { userId: 'd', agentId: 'c' },
        ],
      });
    });
  });

  forEachBackend('#resolveCandidates', (backend) => {
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

    it("should route a 中牟县 unit's payment to exactly the 中牟县 treasury reviewers", async function () {
      // when
      const result = await resolveCandidates(
        directory,
        TREASURY_REVIEW,
        startedBySchoolClerk('zhongmou', '410122'),
      );

      // then
      assert.deepEqual(result, {
        users: ['zhongmou.treasury.reviewer'],
        orgCodes: ['410122-CZ-GK'],
        substitutions: [],
      });
    });

    it('should route financeParent from 巩义市 (省直管县) to the province, skipping 郑州市', async function () {
      // when
      const result = await resolveCandidates(
        directory,
        { ...TREASURY_REVIEW, orgScope: 'financeParent' },
        startedBySchoolClerk('gongyi', '410181'),
      );

      // then
      assert.deepEqual(result, {
        users: ['henan.treasury.reviewer'],
        orgCodes: ['410000-CZ-GK'],
        substitutions: [],
      });
    });

    it('should route financeParent from 中牟县 to 郑州市', async function () {
      // when
      const result = await resolveCandidates(
        directory,
        { ...TREASURY_REVIEW, orgScope: 'financeParent' },
        startedBySchoolClerk('zhongmou', '410122'),
      );

      // then
      assert.deepEqual(result.users, ['zhengzhou.treasury.reviewer']);
      assert.deepEqual(result.orgCodes, ['410100-CZ-GK']);
    });

    it('should resolve the other scopes: department, unit, province and a named org', async function () {
      // given
      const instance = startedBySchoolClerk('zhongmou', '410122');
      const resolve = (rule: AssignmentRule) => resolveCandidates(directory, rule, instance);

      // when
      const department = await resolve({ candidateRoles: ['reviewer'], orgScope: 'initiatorDepartment' });
      const unit = await resolve({ candidateRoles: ['clerk'], orgScope: 'initiatorUnit' });
      const province = await resolve({
        candidateRoles: ['reviewer'],
        orgScope: 'province',
        divisionType: 'budget',
      });
      const named = await resolve({
        candidateRoles: ['director', 'deputy_director'],
        orgScope: 'org:410100-CZ',
      });

      // then
      assert.deepEqual(
        [department.users, department.orgCodes],
        [['zhongmou.education.reviewer'], ['410122-BM-JY']],
      );
      assert.deepEqual([unit.users, unit.orgCodes], [['zhongmou.school1.clerk'], ['410122-BM-JY-001']]);
      assert.deepEqual([province.users, province.orgCodes], [['henan.budget.reviewer'], ['410000-CZ-YS']]);
      assert.deepEqual(named.users, ['zhengzhou.finance.deputy', 'zhengzhou.finance.director']);
    });

    it("should hand an out-of-office reviewer's task to the agent only while the delegation is valid", async function () {
      // given
      await directory.addAgent({
        userId: 'zhongmou.treasury.reviewer',
        agentId: 'zhongmou.treasury.chief',
        validFrom: AT.getTime() - DAY,
        validTo: AT.getTime() + DAY,
        reason: '出差',
      });

      // when
      const during = await resolveCandidates(
        directory,
        TREASURY_REVIEW,
        startedBySchoolClerk('zhongmou', '410122'),
      );
      const after = await resolveCandidates(
        directory,
        TREASURY_REVIEW,
        startedBySchoolClerk('zhongmou', '410122', new Date(AT.getTime() + DAY)),
      );

      // then
      assert.deepEqual(during, {
        users: ['zhongmou.treasury.chief'],
        orgCodes: ['410122-CZ-GK'],
        substitutions: [{ userId: 'zhongmou.treasury.reviewer', agentId: 'zhongmou.treasury.chief' }],
      });
      assert.deepEqual(after.users, ['zhongmou.treasury.reviewer']);
      assert.deepEqual(after.substitutions, []);
    });

    it('should keep an absent user whose agent is disabled', async function () {
      // given
      await directory.addAgent({
        userId: 'zhongmou.treasury.reviewer',
        agentId: 'zhongmou.treasury.chief',
        validFrom: AT.getTime() - DAY,
        validTo: null,
        reason: null,
      });
      await directory.setUserDisabled('zhongmou.treasury.chief', true);

      // when
      const result = await resolveCandidates(
        directory,
        TREASURY_REVIEW,
        startedBySchoolClerk('zhongmou', '410122'),
      );

      // then
      assert.deepEqual(result.users, ['zhongmou.treasury.reviewer']);
      assert.deepEqual(result.substitutions, []);
    });

    it('should NOT return disabled users, leaving nobody to the caller', async function () {
      // given
      await directory.setUserDisabled('zhongmou.treasury.reviewer', true);

      // when
      const result = await resolveCandidates(
        directory,
        TREASURY_REVIEW,
        startedBySchoolClerk('zhongmou', '410122'),
      );

      // then
      assert.deepEqual(result, { users: [], orgCodes: ['410122-CZ-GK'], substitutions: [] });
    });

    it('should return an empty result when nobody holds the role or the org is missing', async function () {
      // when
      const noHolder = await resolveCandidates(
        directory,
        { candidateRoles: ['director'], orgScope: 'financeBureau', divisionType: 'treasury' },
        startedBySchoolClerk('zhongmou', '410122'),
      );
      const noOrg = await resolveCandidates(directory, TREASURY_REVIEW, {
        initiator: 'someone',
        initiatorOrgCode: '419999-BM-XX-001',
        at: AT,
      });
      const noParent = await resolveCandidates(
        directory,
        { ...TREASURY_REVIEW, orgScope: 'financeParent' },
        startedBySchoolClerk('henan', '410000'),
      );

      // then
      assert.deepEqual(noHolder, { users: [], orgCodes: ['410122-CZ-GK'], substitutions: [] });
      assert.deepEqual(noOrg, { users: [], orgCodes: [], substitutions: [] });
      assert.deepEqual(noParent, { users: [], orgCodes: [], substitutions: [] });
    });

    it('should reject a rule with an unknown division type or no roles', async function () {
      // given
      const instance = startedBySchoolClerk('zhongmou', '410122');

      // then
      await assert.rejects(
        resolveCandidates(directory, { ...TREASURY_REVIEW, divisionType: 'toString' }, instance),
        /Expected divisionType to be one of .* but got 'toString'/,
      );
      await assert.rejects(
        resolveCandidates(directory, { ...TREASURY_REVIEW, candidateRoles: [] }, instance),
        /Expected at least one candidate role/,
      );
    });
  });
});
