import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';
import { waitFor } from '../../helpers/engine-harness.js';
import { seedReferenceData } from '../../../processes/reference/seed-reference-data.js';
import { loadFormRegistry, PROCESSES_DIR } from '../../../processes/forms/form-registry.js';

const BPMN = join(PROCESSES_DIR, 'transfer-payment', 'transfer-payment-application.bpmn');

async function filesUnder(dir: string, suffix: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path, suffix)));
    else if (entry.name.endsWith(suffix)) out.push(path);
  }
  return out;
}

describe('processes/forms registry', function () {
  it('should load and validate every form file under processes/', async () => {
    const registry = await loadFormRegistry();
    const files = (await filesUnder(PROCESSES_DIR, '.form.json')).filter((f) => f.includes('/forms/'));
    assert.ok(files.length >= 1);
    assert.equal(registry.all().length, files.length);
    assert.ok(registry.get('transfer-payment-application'));
  });

  it('should have a form for every fiscal:formKey of the shipped diagrams', async () => {
    const registry = await loadFormRegistry();
    const missing = new Set<string>();
    for (const file of await filesUnder(PROCESSES_DIR, '.bpmn')) {
      for (const [, key] of (await readFile(file, 'utf8')).matchAll(/fiscal:formKey="([^"]+)"/g))
        if (!registry.get(key!)) missing.add(`${file.slice(PROCESSES_DIR.length)}: ${key}`);
    }
    assert.deepEqual([...missing], []);
  });

  it('should fail loudly, naming the file, on a broken form', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'forms-'));
    try {
      await mkdir(join(dir, 'demo', 'forms'), { recursive: true });
      const write = (name: string, text: string) => writeFile(join(dir, 'demo', 'forms', name), text);
      const ok = { key: 'good', title: '好', fields: [{ name: 'a', label: 'A', type: 'text' }] };
      await write('good.form.json', JSON.stringify(ok));
      assert.equal((await loadFormRegistry(dir)).keys().join(), 'good');

      await write('bad-json.form.json', '{ nope');
      await assert.rejects(loadFormRegistry(dir), /demo\/forms\/bad-json\.form\.json: not valid JSON/);
      await rm(join(dir, 'demo', 'forms', 'bad-json.form.json'));

      await write('other.form.json', JSON.stringify(ok));
      await assert.rejects(loadFormRegistry(dir), /other\.form\.json: key "good" differs from the file name/);
      await rm(join(dir, 'demo', 'forms', 'other.form.json'));

      await write(
        'amounts.form.json',
        JSON.stringify({ key: 'amounts', title: 'x', fields: [{ name: 'x', label: 'X', type: 'money' }] }),
      );
      await assert.rejects(
        loadFormRegistry(dir),
        /amounts\.form\.json: does not match the form format: fields\.0\.type/,
      );

      await write(
        'amounts.form.json',
        JSON.stringify({
          key: 'amounts',
          title: 'x',
          fields: [{ name: 'c', label: 'C', type: 'code', codeList: 'colours' }],
        }),
      );
      await assert.rejects(
        loadFormRegistry(dir),
        /amounts\.form\.json: fields\.0\.codeList: "colours" is not a reference list/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('server/routes/forms and the submission check on complete', function () {
  this.timeout(30_000);
  let t: TestServer;
  let taskId: string;
  before(async () => {
    t = await createTestServer('sqlite');
    await seedReferenceData(t.services.knex);
    await t.engine.deploy(await readFile(BPMN));
    const clerk = (await t.services.orgs.getUser('zhongmou.school1.clerk'))!;
    const org = (await t.services.orgs.getOrg(clerk.orgCode))!;
    const instance = await t.engine.startInstance('transferPaymentApplication', {
      initiator: clerk.id,
      businessKey: 'ZM-FORM-1',
      org: { code: org.code, path: org.path },
    });
    const task = await waitFor(
      async () => (await t.engine.listTasks({ instanceId: instance.id, state: 'created' }))[0],
      'the application task',
    );
    taskId = task.id;
  });
  after(async () => t?.close());

  const valid = {
    projectName: '中牟县农村学校校舍改造',
    fiscalYear: 2027,
    functionalClass: '205',
    fundType: 'general_public',
    requestedAmountFen: 1_250_000_00,
    projectSummary: '改造 3 所农村学校校舍',
    performanceTarget: '年底前完工，覆盖学生 1200 人',
    budgetLines: [{ item: '校舍改造', economicClass: '309', amountFen: 1_250_000_00 }],
  };

  it('should list the forms and serve a definition; unknown key → 404', async () => {
    const user = await t.as('zhongmou.school1.clerk');
    const list = await user.get('/api/form');
    assert.equal(list.status, 200);
    assert.ok(list.body.some((f: { key: string }) => f.key === 'transfer-payment-application'));
    const form = await user.get('/api/form/transfer-payment-application');
    assert.equal(form.status, 200);
    assert.ok(form.body.fields.some((f: { name: string }) => f.name === 'approvedAmountFen'));
    assert.equal((await user.get('/api/form/nope')).status, 404);
  });

  it('should apply the step’s permissions with taskId: hidden fields removed, the rest marked', async () => {
    const res = await (
      await t.as('zhongmou.school1.clerk')
    ).get(`/api/form/transfer-payment-application?taskId=${taskId}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.activityId, 'TP1_apply');
    const names = res.body.fields.map((f: { name: string }) => f.name);
    assert.ok(names.includes('requestedAmountFen'));
    for (const hidden of ['reviewedAmountFen', 'approvedAmountFen', 'approvalDocNo'])
      assert.ok(!names.includes(hidden), hidden);
    assert.ok(res.body.fields.every((f: { readOnly: boolean }) => f.readOnly === false));
    // someone who may not see the task gets the 404 of an unknown task
    const other = await (
      await t.as('gongyi.school1.clerk')
    ).get(`/api/form/transfer-payment-application?taskId=${taskId}`);
    assert.equal(other.status, 404);
  });

  it('should refuse a fractional amount naming body.variables.requestedAmountFen', async () => {
    const res = await (
      await t.as('zhongmou.school1.clerk')
    )
      .post(`/api/task/${taskId}/complete`)
      .send({ variables: { ...valid, requestedAmountFen: 1250.5 } });
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 'INVALID_REQUEST');
    assert.deepEqual(
      res.body.details.issues.map((i: { field: string }) => i.field),
      ['body.variables.requestedAmountFen'],
    );
    assert.match(res.body.message, /申请金额/);
    const en = await (
      await t.as('zhongmou.school1.clerk')
    )
      .post(`/api/task/${taskId}/complete`)
      .set('Accept-Language', 'en')
      .send({ variables: { ...valid, requestedAmountFen: '1250' } });
    assert.match(en.body.message, /requestedAmountFen.*integer amount in fen/);
  });

  it('should refuse an unknown code, including in a table row', async () => {
    const res = await (await t.as('zhongmou.school1.clerk')).post(`/api/task/${taskId}/complete`).send({
      variables: {
        ...valid,
        functionalClass: '299',
        budgetLines: [{ item: '校舍改造', economicClass: '39999', amountFen: 100 }],
      },
    });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.details.issues.map((i: { field: string }) => i.field).sort(), [
      'body.variables.budgetLines.0.economicClass',
      'body.variables.functionalClass',
    ]);
  });

  it('should refuse missing required fields, text too long and writes the step does not allow', async () => {
    const { projectSummary: _omitted, ...rest } = valid;
    const res = await (
      await t.as('zhongmou.school1.clerk')
    )
      .post(`/api/task/${taskId}/complete`)
      .send({ variables: { ...rest, projectName: 'x'.repeat(201), approvedAmountFen: 100 } });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.details.issues.map((i: { field: string }) => i.field).sort(), [
      'body.variables.approvedAmountFen',
      'body.variables.projectName',
      'body.variables.projectSummary',
    ]);
    // nothing was stored by the refused attempts
    assert.equal((await t.engine.getTask(taskId)).state, 'created');
  });

  it('should accept a valid submission and move on to the department', async () => {
    const res = await (
      await t.as('zhongmou.school1.clerk')
    )
      .post(`/api/task/${taskId}/complete`)
      .send({ variables: valid, comment: '申报' });
    assert.equal(res.status, 200);
    assert.equal(res.body.state ?? 'completed', 'completed');
    const next = await waitFor(
      async () =>
        (await t.engine.listTasks({ state: 'created', maxResults: 10 })).find(
          (x) => x.elementId === 'TP2_departmentReview',
        ),
      'the department review',
    );
    // the department's step shows the application read-only, so nothing is required there
    const form = await (
      await t.as('zhongmou.education.reviewer')
    ).get(`/api/form/transfer-payment-application?taskId=${next.id}`);
    assert.equal(form.status, 200);
    assert.ok(
      form.body.fields.every((f: { readOnly: boolean; required?: boolean }) => f.readOnly && !f.required),
    );
    const approve = await (
      await t.as('zhongmou.education.reviewer')
    )
      .post(`/api/task/${next.id}/complete`)
      .send({ comment: '同意' });
    assert.equal(approve.status, 200);
  });
});
