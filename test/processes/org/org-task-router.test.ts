import assert from 'node:assert/strict';
import { OrgDirectory } from '../../../processes/org/org-directory.js';
import { OrgTaskRouter } from '../../../processes/org/org-task-router.js';
import { seedOrgDirectory } from '../../../processes/org/seed-org-directory.js';
import { createTestEngine, type TestEngine } from '../../helpers/engine-harness.js';

describe('org/OrgTaskRouter without an initiator (timer-, message- or signal-started instances)', () => {
  let t: TestEngine;
  let router: OrgTaskRouter;
  before(async function () {
    this.timeout(60_000);
    t = await createTestEngine('sqlite');
    await seedOrgDirectory(t.infrastructure.knex, { demo: true });
    router = new OrgTaskRouter(new OrgDirectory(t.infrastructure.knex));
  });
  after(() => t?.close());

  const request = (orgScope: string) => ({
    instanceId: 'i1',
    processKey: 'p',
    elementId: 'review',
    initiator: null,
    candidateRoles: ['reviewer'],
    orgScope,
    divisionType: 'treasury',
    at: Date.parse('2026-11-27T08:00:00Z'),
  });

  it('should resolve a scope that names its org', async () => {
    const routed = await router.resolve(request('org:410122-CZ'));
    assert.deepEqual(routed.users, ['zhongmou.treasury.reviewer']);
    assert.deepEqual(routed.orgCodes, ['410122-CZ-GK']);
    const province = await router.resolve(request('province'));
    assert.deepEqual(province.users, ['henan.treasury.reviewer']);
  });

  it('should refuse, naming the scope, a scope relative to an initiator', async () => {
    await assert.rejects(router.resolve(request('financeBureau')), /no initiator .*scope financeBureau/);
  });
});
