/**
 * Routes: /dashboard (the managers' read model). The aggregates equal what a straightforward query over the
 * engine tables returns, the drill-down follows the region tree, and a county user never sees another county's
 * numbers, on both SQLite and MariaDB.
 */
import assert from 'node:assert/strict';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';
import { TestClock, waitFor } from '../../helpers/engine-harness.js';

const KEY = 'dash_payment';
const XML = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="defs" targetNamespace="http://fiscal-bpm.org/test">
<bpmn:process id="${KEY}" name="统计测试支付" isExecutable="true"><bpmn:startEvent id="start" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fill" />
<bpmn:userTask id="fill" name="填报" fiscal:assignee="=initiator" fiscal:dueIn="P1D" />
<bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="review" />
<bpmn:userTask id="review" name="国库审核" fiscal:candidateRoles="reviewer" fiscal:orgScope="financeBureau" fiscal:divisionType="treasury" />
<bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="end" /><bpmn:endEvent id="end" /></bpmn:process></bpmn:definitions>`;

const HOUR = 3_600_000;
const ADMIN = 'henan.admin';
const COUNTY = 'zhongmou.treasury.reviewer';
const OTHER_COUNTY = 'gongyi.treasury.reviewer';

for (const backend of ['sqlite', 'mysql'] as const) {
  describe(`routes: /dashboard (${backend})`, function () {
    this.timeout(60_000);
    let t: TestServer;
    const clock = new TestClock();
    const instances: Record<string, string> = {};

    const start = async (name: string, initiator: string) => {
      const res = await (
        await t.as(initiator)
      )
        .post(`/api/process-definition/key/${KEY}/start`)
        .send({ businessKey: name, variables: { initiator } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      instances[name] = res.body.id as string;
    };
    const openTask = (name: string, elementId: string) =>
      waitFor(async () => {
        const [task] = await t.engine.listTasks({ instanceId: instances[name], state: 'created' });
        return task?.elementId === elementId ? task : undefined;
      }, `${name} at ${elementId}`);

    /** The plain query the aggregates must agree with. */
    const countInstances = async (pathPrefix: string, status?: string) => {
      const q = t.services.knex('process_instances').where('org_path', 'like', `${pathPrefix}%`);
      if (status) q.where('status', status);
      return Number((await q.count({ n: '*' }).first())?.n ?? 0);
    };
    const countOverdue = async (pathPrefix: string) =>
      Number(
        (
          await t.services
            .knex('user_tasks')
            .whereIn('state', ['routing', 'created', 'suspended'])
            .andWhere('org_path', 'like', `${pathPrefix}%`)
            .andWhere('due_at', '<', new Date(clock.now()))
            .count({ n: '*' })
            .first()
        )?.n ?? 0,
      );

    before(async () => {
      t = await createTestServer(backend, { clock });
      await t.engine.deploy(XML, { deployedBy: ADMIN });
      await start('A1', 'zhongmou.school1.clerk');
      await start('A2', 'zhongmou.school2.clerk');
      await start('G1', 'gongyi.school1.clerk');
      await start('Z1', 'zhengzhou.school1.clerk');
      for (const name of ['A1', 'A2', 'G1', 'Z1']) await openTask(name, 'fill');
      clock.advance(2 * HOUR);
      const fill = await openTask('A1', 'fill');
      await t.engine.completeTask(fill.id, { actor: 'zhongmou.school1.clerk' });
      await openTask('A1', 'review');
      clock.advance(48 * HOUR);
    });
    after(async () => t?.close());

    it('should count by state, process and level as the plain query does, and drill down province → city', async () => {
      const admin = await t.as(ADMIN);
      const res = await admin.get('/api/dashboard/overview');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const province = res.body;
      assert.equal(province.scope.code, '410000');
      assert.equal(province.parent, null);
      assert.equal(province.byState.running, await countInstances('/410000/', 'running'));
      assert.equal(province.byState.total, 4);
      assert.deepEqual(
        province.byProcess.map((p: { key: string; name: string; running: number }) => [
          p.key,
          p.name,
          p.running,
        ]),
        [[KEY, '统计测试支付', 4]],
      );
      assert.deepEqual(province.byLevel, { province: 0, city: 1, county: 3 });
      const zhengzhou = province.byChildOrg.find((c: { code: string }) => c.code === '410100');
      assert.equal(zhengzhou.total, 4);
      assert.equal(zhengzhou.drillable, true);
      assert.equal(province.overdueTasks, await countOverdue('/410000/'));
      assert.equal(
        province.overdueTasks,
        3,
        'the three fill tasks (due P1D) are overdue, the review has no due',
      );
      assert.equal(province.openTasks, 4);

      const city = (await admin.get('/api/dashboard/overview').query({ orgCode: '410100' })).body;
      assert.equal(city.scope.code, '410100');
      assert.equal(city.parent.code, '410000');
      const byCode = Object.fromEntries(
        city.byChildOrg.map((c: { code: string; own: boolean; total: number }) => [
          c.own ? 'own' : c.code,
          c,
        ]),
      );
      assert.equal(byCode['410122'].total, await countInstances('/410000/410100/410122/'));
      assert.equal(byCode['410122'].total, 2);
      assert.equal(byCode['410122'].overdueTasks, 1);
      assert.equal(byCode['410122'].openTasks, 2);
      assert.equal(byCode['410181'].total, 1);
      assert.equal(byCode.own.total, 1, '郑州市本级: the city school');
      assert.equal(byCode.own.name, '郑州市（本级）');
    });

    it('should show a county user only their county, and refuse other orgs with 403', async () => {
      const county = await t.as(COUNTY);
      const res = await county.get('/api/dashboard/overview');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.scope.code, '410122');
      assert.equal(res.body.parent, null, 'no drill-up above the county');
      assert.equal(res.body.byState.total, await countInstances('/410000/410100/410122/'));
      assert.equal(res.body.byState.total, 2);
      assert.equal(res.body.overdueTasks, 1);
      for (const orgCode of ['410181', '410100', '410000']) {
        const refused = await county
          .get('/api/dashboard/overview')
          .query({ orgCode })
          .set('Accept-Language', 'en');
        assert.equal(refused.status, 403, orgCode);
        assert.equal(refused.body.code, 'FORBIDDEN');
        assert.equal(refused.body.details.field, 'query.orgCode');
        assert.match(refused.body.message, /may not view/);
      }
      const refusedNodes = await county
        .get('/api/dashboard/nodes')
        .query({ processKey: KEY, orgCode: '410181' });
      assert.equal(refusedNodes.status, 403);
      assert.match(refusedNodes.body.message, /无权查看/);

      const other = (await (await t.as(OTHER_COUNTY)).get('/api/dashboard/overview')).body;
      assert.equal(other.scope.code, '410181');
      assert.equal(other.byState.total, 1);
    });

    it('should give per-node durations, waiting work and heat', async () => {
      const res = await (await t.as(ADMIN)).get('/api/dashboard/nodes').query({ processKey: KEY });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const nodes = Object.fromEntries(res.body.nodes.map((n: { elementId: string }) => [n.elementId, n]));
      assert.equal(nodes.fill.completed, 1);
      assert.equal(nodes.fill.avgDurationMs, 2 * HOUR);
      assert.equal(nodes.fill.p95DurationMs, 2 * HOUR);
      assert.equal(nodes.fill.open, 3);
      assert.equal(nodes.fill.avgWaitMs, 50 * HOUR);
      assert.equal(nodes.fill.overdue, 3);
      assert.equal(nodes.fill.heat, 150);
      assert.equal(nodes.review.open, 1);
      assert.equal(nodes.review.avgWaitMs, 48 * HOUR);
      assert.equal(nodes.review.heat, 48);
      assert.equal(res.body.nodes[0].elementId, 'fill', 'hottest first');
      assert.ok(res.body.definitionId);

      const county = (await (await t.as(COUNTY)).get('/api/dashboard/nodes').query({ processKey: KEY })).body;
      const countyNodes = Object.fromEntries(
        county.nodes.map((n: { elementId: string }) => [n.elementId, n]),
      );
      assert.equal(countyNodes.fill.open, 1);
      assert.equal(countyNodes.fill.completed, 1);
      assert.equal(countyNodes.review.open, 1);
    });

    it('should refuse bad input and callers without a viewing role', async () => {
      const admin = await t.as(ADMIN);
      const unknown = await admin.get('/api/dashboard/overview').query({ orgCode: 'NOPE' });
      assert.equal(unknown.status, 422);
      assert.equal(unknown.body.code, 'UNKNOWN_ORG');
      assert.equal(unknown.body.details.field, 'query.orgCode');
      const noKey = await admin.get('/api/dashboard/nodes');
      assert.equal(noKey.status, 400);
      assert.equal(noKey.body.details.issues[0].field, 'query.processKey');
      const missing = await admin.get('/api/dashboard/nodes').query({ processKey: 'nope' });
      assert.equal(missing.status, 404);
      const clerk = await (await t.as('zhongmou.school1.clerk')).get('/api/dashboard/overview');
      assert.equal(clerk.status, 403);
    });
  });
}
