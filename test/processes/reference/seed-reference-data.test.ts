import assert from 'node:assert/strict';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';
import { forEachBackend } from '../../helpers/engine-harness.js';
import { seedReferenceData } from '../../../processes/reference/seed-reference-data.js';
import { REFERENCE_LISTS } from '../../../processes/reference/reference-lists.js';
import { REFERENCE_SEED } from '../../../processes/reference/reference-data.js';
import { ReferenceCodes } from '../../../processes/reference/reference-codes.js';

forEachBackend('processes/reference seed', (backend) => {
  let t: TestServer;
  before(async () => {
    t = await createTestServer(backend, { demo: false, workers: false });
  });
  after(async () => t?.close());

  const countByList = async () => {
    const rows: { list: string; n: unknown }[] = await t.services
      .knex('reference_codes')
      .select('list')
      .count({ n: '*' })
      .groupBy('list');
    return Object.fromEntries(rows.map((r) => [String(r.list), Number(r.n)]));
  };

  it('should seed every list, non-empty, and seed again without duplicating or overwriting an admin edit', async () => {
    const first = await seedReferenceData(t.services.knex);
    assert.equal(first.lists, REFERENCE_LISTS.length);
    const after1 = await countByList();
    for (const list of REFERENCE_LISTS) {
      assert.ok(after1[list]! > 0, `${list} is empty`);
      assert.equal(after1[list], REFERENCE_SEED[list].length, list);
    }
    await t.services.knex('reference_codes').where({ list: 'fundType', code: 'general_public' }).update({
      name: '一般公共预算资金（改）',
    });
    await seedReferenceData(t.services.knex);
    assert.deepEqual(await countByList(), after1);
    const edited = await t.services
      .knex('reference_codes')
      .where({ list: 'fundType', code: 'general_public' })
      .first();
    assert.equal(edited.name, '一般公共预算资金（改）');
    const lists = await t.services.knex('reference_lists').count({ n: '*' }).first();
    assert.equal(Number(lists?.n), REFERENCE_LISTS.length);
  });

  it('should hold the codes of domain.md §5 with their names, parents and verification marks', async () => {
    const codes = new ReferenceCodes(t.services.knex);
    const now = Date.now();
    const name = async (list: (typeof REFERENCE_LISTS)[number], code: string) =>
      (await codes.find(list, code))?.name;
    assert.equal(await name('functionalClass', '205'), '教育支出');
    assert.equal(await name('functionalClass', '208'), '社会保障和就业支出');
    assert.equal(await name('economicClass', '30215'), '会议费');
    assert.equal((await codes.find('economicClass', '30215'))?.parentCode, '302');
    assert.equal(await name('revenueClass', '103'), '非税收入');
    assert.equal(await name('revenueClass', '10304'), '行政事业性收费收入');
    assert.equal(await name('warningLevel', 'red'), '红色预警');
    assert.match(String((await codes.find('warningLevel', 'red'))?.description), /拦截/);
    assert.equal(await name('budgetLevel', 'county'), '县级');
    assert.equal(await name('accountType', 'unit_zero_balance'), '单位零余额账户');
    assert.equal(await name('nonTaxCategory', '06'), '罚没收入');
    // sourced codes are not flagged; codes from memory are
    assert.equal((await codes.find('functionalClass', '205'))?.needsVerification, false);
    assert.equal((await codes.find('functionalClass', '224'))?.needsVerification, true);
    // top level of the 经济分类 tree in display order: 301 before 302 before 501
    const top = (await codes.codes('economicClass', now, { parentCode: '' })).map((c) => c.code);
    assert.ok(top.indexOf('301') < top.indexOf('302') && top.indexOf('302') < top.indexOf('501'));
    assert.ok(!top.includes('30101'));
    assert.deepEqual(
      (await codes.codes('warningLevel', now)).map((c) => c.code),
      ['yellow', 'orange', 'red', 'gray', 'blue'],
    );
  });

  it('should treat a retired code as invalid from its validTo on, and still find it', async () => {
    const codes = new ReferenceCodes(t.services.knex);
    const now = Date.now();
    await codes.create('projectTerm', { code: 'pilot', name: '试点项目' }, now);
    assert.deepEqual(await codes.invalidCodes('projectTerm', ['pilot', 'one_off', 'nope'], now), ['nope']);
    await codes.update('projectTerm', 'pilot', { validTo: now - 1 }, now);
    assert.deepEqual(await codes.invalidCodes('projectTerm', ['pilot', 'one_off'], now), ['pilot']);
    assert.equal((await codes.find('projectTerm', 'pilot'))?.validTo, now - 1);
    await assert.rejects(codes.create('projectTerm', { code: 'pilot', name: 'x' }, now), {
      reason: 'EXISTS',
    });
  });
});
