/**
 * The org-scope matrix, generated from the route table: every route that reads or acts on instances, tasks or
 * history is classified by what it does (list, read, claim, complete, operate, history, deploy) and called by six
 * actors around one 中牟县 payment approval: the province, the city (郑州), a sibling city (洛阳), the county
 * reviewer who is the task's candidate, a sibling county (巩义) and a colleague in the same 国库股 without the
 * reviewer role. Expected: only the candidate may act; the province, the city and the county may read; the others
 * get the same 404 as for an id that does not exist, and never see the approval in a list. List endpoints must
 * equal an oracle computed here, independently of the server's scope code, from the raw tables.
 */
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { apiRoutes } from '../../../server/routes/index.js';
import type { RouteSpec } from '../../../server/http/route.js';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';
import { waitFor } from '../../helpers/engine-harness.js';

type Category =
  | 'list-task'
  | 'read-task'
  | 'claim'
  | 'complete'
  | 'operate'
  | 'list-instance'
  | 'read-instance'
  | 'history'
  | 'terminate'
  | 'deploy';

/** What a route does, from its method and path; undefined for routes outside the matrix (auth, directory, …). */
export function categoryOf(route: RouteSpec): Category | undefined {
  const { method, path } = route;
  if (path === '/deployment/create') return 'deploy';
  if (method === 'get' && (path === '/task' || path === '/task/count')) return 'list-task';
  if (path.startsWith('/task/{id}')) {
    if (path.includes('{attachmentId}')) return undefined;
    if (method === 'get') return 'read-task';
    if (path === '/task/{id}/claim') return 'claim';
    if (path === '/task/{id}/complete') return 'complete';
    if (path === '/task/{id}/attachment/create') return undefined; // multipart; covered in the attachment tests
    return 'operate';
  }
  if (
    method === 'get' &&
    ['/process-instance', '/process-instance/count', '/incident', '/incident/count'].includes(path)
  )
    return 'list-instance';
  if (method === 'get' && ['/history/process-instance', '/history/process-instance/count'].includes(path))
    return 'list-instance';
  if (method === 'get' && path.startsWith('/process-instance/{id}')) return 'read-instance';
  if (method === 'get' && path.startsWith('/history/')) return 'history';
  if (method === 'delete' && path === '/process-instance/{id}') return 'terminate';
  return undefined;
}

const ACTORS = {
  province: 'henan.treasury.reviewer',
  city: 'zhengzhou.treasury.reviewer',
  siblingCity: 'luoyang.treasury.reviewer',
  county: 'zhongmou.treasury.reviewer',
  siblingCounty: 'gongyi.treasury.reviewer',
  sameOrgWithoutRole: 'zhongmou.treasury.clerk',
} as const;
type Actor = keyof typeof ACTORS;

const MAY_READ: ReadonlySet<Actor> = new Set(['province', 'city', 'county']);
const MAY_ACT: ReadonlySet<Actor> = new Set(['county']);

/** Valid bodies, so a refusal can only come from scope, never from validation. */
const BODIES: Record<string, object> = {
  '/task/{id}/complete': { variables: { approved: true } },
  '/task/{id}/reject': { comment: '不同意' },
  '/task/{id}/return': { comment: '请补充材料' },
  '/task/{id}/transfer': { userId: 'zhongmou.treasury.chief', comment: '转办' },
  '/task/{id}/delegate': { userId: 'zhongmou.treasury.chief' },
  '/task/{id}/add-signers': { userIds: ['zhongmou.treasury.chief'], mode: 'after' },
  '/task/{id}/remove-signers': { userIds: ['zhongmou.treasury.chief'] },
  '/task/{id}/cc': { userIds: ['zhongmou.treasury.chief'] },
  '/task/{id}/urge': { note: '请尽快办理' },
  '/task/{id}/comment/create': { message: '意见' },
};

const PAYMENT = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="d" targetNamespace="http://fiscal-bpm.org/test">
<bpmn:process id="scopedPayment" name="支付申请" isExecutable="true">
<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="treasuryReview" />
<bpmn:userTask id="treasuryReview" name="国库股审核" fiscal:candidateRoles="reviewer" fiscal:orgScope="financeBureau" fiscal:divisionType="treasury" />
<bpmn:sequenceFlow id="f2" sourceRef="treasuryReview" targetRef="end" /><bpmn:endEvent id="end" />
</bpmn:process></bpmn:definitions>`;

/** The oracle: instances a user may see, from the raw tables and the rule as written in the docs. */
async function visibleInstanceIds(knex: Knex, userId: string, onlyRunning = false): Promise<Set<string>> {
  const viewing = ['reviewer', 'chief', 'deputy_director', 'director', 'process_admin'];
  const grants: { role: string; code: string; kind: string; path: string; parent_code: string | null }[] =
    await knex('user_roles as r')
      .join('orgs as o', 'o.code', 'r.org_code')
      .where('r.user_id', userId)
      .select('r.role', 'o.code', 'o.kind', 'o.path', 'o.parent_code');
  const isAdmin = grants.some((g) => g.role === 'admin');
  const roots: string[] = [];
  for (const g of grants.filter((x) => viewing.includes(x.role))) {
    if (g.kind === 'finance_bureau' || g.kind === 'division') {
      // climb to the region the bureau serves
      let code: string | null = g.parent_code;
      for (;;) {
        const org = await knex('orgs').where({ code }).first('code', 'kind', 'path', 'parent_code');
        if (!org) break;
        if (org.kind === 'region') {
          roots.push(String(org.path));
          break;
        }
        code = org.parent_code;
      }
    } else roots.push(g.path);
  }
  const rows: { id: string; org_path: string | null; initiator: string | null }[] = await knex(
    'process_instances',
  )
    .modify((q) => (onlyRunning ? q.where('status', 'running') : q))
    .select('id', 'org_path', 'initiator');
  const involved = new Set<string>();
  for (const r of await knex('user_tasks')
    .where('assignee', userId)
    .orWhere('owner', userId)
    .orWhere('completed_by', userId)
    .select('instance_id'))
    involved.add(String(r.instance_id));
  for (const r of await knex('task_candidates as c')
    .join('user_tasks as t', 't.id', 'c.task_id')
    .where({ 'c.kind': 'user', 'c.value': userId })
    .select('t.instance_id'))
    involved.add(String(r.instance_id));
  for (const r of await knex('carbon_copies').where('user_id', userId).select('instance_id'))
    involved.add(String(r.instance_id));
  return new Set(
    rows
      .filter(
        (r) =>
          isAdmin ||
          r.initiator === userId ||
          involved.has(r.id) ||
          roots.some((root) => r.org_path !== null && r.org_path.startsWith(root)),
      )
      .map((r) => r.id),
  );
}

describe('server: org-scope matrix from the route table', function () {
  this.timeout(180_000);
  let t: TestServer;
  const started = new Map<string, string>(); // initiator → instance id

  async function startPayment(initiator: string): Promise<{ instanceId: string; taskId: string }> {
    const res = await (
      await t.as(initiator)
    )
      .post('/api/process-definition/key/scopedPayment/start')
      .send({ variables: { amountFen: 880_000 } });
    assert.equal(res.status, 200, res.text);
    const instanceId = String(res.body.id);
    const task = await waitFor(async () => {
      const [open] = await t.engine.listTasks({ instanceId });
      return open && open.state === 'created' ? open : undefined;
    }, `the task of ${instanceId} routed`);
    return { instanceId, taskId: task.id };
  }

  before(async () => {
    t = await createTestServer('sqlite');
    // a sibling city's treasury reviewer (洛阳), not among the demo users
    const luoyang = await t.services.knex('orgs').where({ code: '410300-CZ-GK' }).first();
    assert.ok(luoyang, 'the seed has the 洛阳 treasury division');
    await t.services.knex('users').insert({
      id: ACTORS.siblingCity,
      name: '洛阳国库审核',
      org_code: '410300-CZ-GK',
      disabled: false,
      created_at: new Date(),
    });
    await t.services
      .knex('user_roles')
      .insert({ user_id: ACTORS.siblingCity, role: 'reviewer', org_code: '410300-CZ-GK' });
    await t.engine.deploy(PAYMENT);
    for (const clerk of [
      'zhongmou.school1.clerk',
      'gongyi.school1.clerk',
      'zhengzhou.school1.clerk',
      'henan.school1.clerk',
    ])
      started.set(clerk, (await startPayment(clerk)).instanceId);
  });
  after(async () => t?.close());

  const matrixRoutes = apiRoutes.filter((r) => categoryOf(r) !== undefined);

  it('should classify the instance, task and history routes of the table', () => {
    const categories = new Set(matrixRoutes.map((r) => categoryOf(r)));
    for (const c of [
      'list-task',
      'read-task',
      'claim',
      'complete',
      'operate',
      'list-instance',
      'read-instance',
      'history',
      'deploy',
    ])
      assert.ok(categories.has(c as Category), `no route in category ${c}`);
  });

  it('should give 0 violations over {6 actors} × {every classified route}', async () => {
    const violations: string[] = [];
    const unknownId = '00000000-0000-4000-8000-000000000000';
    for (const route of matrixRoutes) {
      const category = categoryOf(route)!;
      // a fresh approval per route, so an allowed state change cannot spoil the next route
      const { instanceId, taskId } = await startPayment('zhongmou.school1.clerk');
      const idFor = (path: string) => (path.startsWith('/task') ? taskId : instanceId);
      const order: Actor[] = [
        'province',
        'city',
        'siblingCity',
        'siblingCounty',
        'sameOrgWithoutRole',
        'county',
      ];
      for (const actor of order) {
        const agent = await t.as(ACTORS[actor]);
        const send = (id: string) => {
          let path = `/api${route.path.replace('{id}', id)}`;
          if (category === 'history' && !route.path.includes('{id}'))
            path += `?processInstanceId=${instanceId}`;
          const req = agent[route.method](path);
          if (route.method === 'get' || route.method === 'delete') return req;
          if (category === 'deploy')
            return req
              .set('Content-Type', 'application/xml')
              .send(PAYMENT.replace('scopedPayment', 'otherPayment'));
          return req.send(BODIES[route.path] ?? {});
        };
        const res = await send(idFor(route.path));
        const where = `${route.method.toUpperCase()} ${route.path} as ${actor}`;
        const mayRead = MAY_READ.has(actor);
        const mayAct = MAY_ACT.has(actor);
        switch (category) {
          case 'deploy':
            if (res.status !== 403)
              violations.push(`${where}: ${res.status}, expected 403 (no designer role)`);
            break;
          case 'list-task': {
            const ids = Array.isArray(res.body) ? res.body.map((x: { id: string }) => x.id) : undefined;
            if (res.status !== 200) violations.push(`${where}: ${res.status}`);
            else if (ids && ids.includes(taskId) !== mayAct)
              violations.push(`${where}: task listed=${ids.includes(taskId)}`);
            else if (!ids) {
              const count = Number(res.body.count);
              const own = await t.engine.countTasks({ visibleTo: { userId: ACTORS[actor] } });
              if (count !== own) violations.push(`${where}: count ${count} ≠ ${own}`);
            }
            break;
          }
          case 'read-task':
          case 'claim':
          case 'complete':
          case 'operate':
            if (!mayAct && res.status !== 404)
              violations.push(`${where}: ${res.status}, expected 404 ${res.text.slice(0, 120)}`);
            if (mayAct && [401, 403, 404].includes(res.status))
              violations.push(`${where}: refused ${res.status} ${res.text.slice(0, 160)}`);
            if (!mayAct && res.status === 404) {
              // the same answer as for an id that does not exist
              const ghost = await send(unknownId);
              if (ghost.status !== 404 || ghost.body.code !== res.body.code)
                violations.push(
                  `${where}: foreign id answered ${res.body.code}, unknown id ${ghost.status} ${ghost.body.code}`,
                );
            }
            break;
          case 'list-instance': {
            if (res.status !== 200) {
              violations.push(`${where}: ${res.status}`);
              break;
            }
            const expected = await visibleInstanceIds(
              t.services.knex,
              ACTORS[actor],
              route.path.startsWith('/process-instance'),
            );
            if (Array.isArray(res.body)) {
              const ids: string[] = res.body.map((x: { id?: string; processInstanceId?: string }) =>
                String(x.processInstanceId ?? x.id),
              );
              if (route.path.startsWith('/incident')) {
                if (ids.some((id: string) => !expected.has(id)))
                  violations.push(`${where}: incident outside scope`);
              } else {
                const got = new Set<string>(ids);
                const missing = [...expected].filter((id) => !got.has(id));
                const extra = [...got].filter((id) => !expected.has(id));
                if (missing.length || extra.length)
                  violations.push(`${where}: missing ${missing.length}, extra ${extra.length}`);
              }
            } else if (!route.path.startsWith('/incident') && Number(res.body.count) !== expected.size)
              violations.push(`${where}: count ${res.body.count} ≠ oracle ${expected.size}`);
            break;
          }
          case 'read-instance':
            if (!mayRead && res.status !== 404) violations.push(`${where}: ${res.status}, expected 404`);
            if (mayRead && res.status !== 200)
              violations.push(`${where}: ${res.status} ${res.text.slice(0, 160)}`);
            break;
          case 'history': {
            if (route.path.includes('{id}')) {
              if (!mayRead && res.status !== 404) violations.push(`${where}: ${res.status}, expected 404`);
              if (mayRead && res.status !== 200)
                violations.push(`${where}: ${res.status} ${res.text.slice(0, 160)}`);
            } else if (!mayRead && res.status === 200 && Array.isArray(res.body) && res.body.length > 0)
              violations.push(`${where}: ${res.body.length} rows of a foreign instance`);
            else if (mayRead && res.status !== 200) violations.push(`${where}: ${res.status}`);
            break;
          }
          case 'terminate':
            // nobody here holds process_admin: refused, and for out-of-scope actors indistinguishable from unknown
            if (![403, 404].includes(res.status))
              violations.push(`${where}: ${res.status}, expected 403/404`);
            break;
        }
      }
    }
    assert.deepEqual(violations, []);
  });

  it('should list for each actor exactly the instances of the independent scope query', async () => {
    for (const actor of Object.keys(ACTORS) as Actor[]) {
      const res = await (await t.as(ACTORS[actor])).get('/api/process-instance?maxResults=1000');
      assert.equal(res.status, 200);
      const got = new Set<string>(res.body.map((x: { id: string }) => x.id));
      const expected = await visibleInstanceIds(t.services.knex, ACTORS[actor], true);
      assert.deepEqual([...got].sort(), [...expected].sort(), actor);
    }
    // and the oracle itself is not trivial: the city sees both counties, the sibling county sees only its own
    const city = await visibleInstanceIds(t.services.knex, ACTORS.city);
    assert.ok(
      city.has(started.get('zhongmou.school1.clerk')!) && city.has(started.get('gongyi.school1.clerk')!),
    );
    const gongyi = await visibleInstanceIds(t.services.knex, ACTORS.siblingCounty);
    assert.ok(
      gongyi.has(started.get('gongyi.school1.clerk')!) && !gongyi.has(started.get('zhongmou.school1.clerk')!),
    );
  });
});
