import assert from 'node:assert/strict';
import { createTestEngine, forEachBackend, type TestEngine } from '../../helpers/engine-harness.js';
import { singleTask } from '../../helpers/bpmn-builder.js';

forEachBackend('engine/deploy', (backend) => {
  let t: TestEngine;
  before(async function () {
    t = await createTestEngine(backend);
  });
  after(() => t?.close());

  it('should create version 1, then n+1 for changed XML, and nothing new for identical XML', async function () {
    // when
    const [v1] = await t.engine.deploy(singleTask('versioned', '审核'));
    const [again] = await t.engine.deploy(singleTask('versioned', '审核'));
    const [v2] = await t.engine.deploy(Buffer.from(singleTask('versioned', '复核')));

    // then
    assert.deepEqual([v1!.version, v1!.isNew], [1, true]);
    assert.deepEqual([again!.version, again!.isNew, again!.definitionId], [1, false, v1!.definitionId]);
    assert.deepEqual([v2!.version, v2!.isNew], [2, true]);
    const listed = await t.engine.listDefinitions('versioned');
    assert.deepEqual(
      listed.map((d) => d.version),
      [1, 2],
    );
  });

  it('should keep running instances on the version they started with', async function () {
    // given an instance on v1
    const [v1] = await t.engine.deploy(singleTask('pinned', '旧名称'));
    const old = await t.engine.startInstance('pinned');

    // when v2 is deployed
    await t.engine.deploy(singleTask('pinned', '新名称'));
    const fresh = await t.engine.startInstance('pinned');

    // then
    assert.equal(old.definitionId, v1!.definitionId);
    assert.equal(old.definitionVersion, 1);
    assert.equal(fresh.definitionVersion, 2);
    const [oldTask] = await t.openTasks(old.id);
    const [newTask] = await t.openTasks(fresh.id);
    assert.equal(oldTask!.name, '旧名称');
    assert.equal(newTask!.name, '新名称');
    await t.engine.completeTask(oldTask!.id);
    assert.equal((await t.engine.getInstance(old.id)).status, 'completed');
    const pinnedOld = await t.engine.startInstance('pinned', { version: 1 });
    assert.equal(pinnedOld.definitionVersion, 1);
    await assert.rejects(t.engine.startInstance('pinned', { version: 9 }), {
      code: 'NOT_FOUND',
      message: /no version 9/,
    });
  });

  it('should refuse an invalid model with every problem, deploying nothing', async function () {
    // given a gateway flow without condition and an unsupported element
    const xml = singleTask('broken')
      .replace(
        '<bpmn:userTask id="task" name="审核" />',
        '<bpmn:userTask id="task" name="审核" /><bpmn:complexGateway id="cg" />',
      )
      .replace(
        '</bpmn:process>',
        '<bpmn:sequenceFlow id="fx" sourceRef="task" targetRef="cg" /></bpmn:process>',
      );

    // when / then
    await assert.rejects(
      t.engine.deploy(xml),
      (err: { code: string; problems: { elementId: string; rule: string }[] }) => {
        assert.equal(err.code, 'VALIDATION_FAILED');
        assert.ok(err.problems.some((p) => p.elementId === 'cg' && p.rule === 'supported-elements'));
        return true;
      },
    );
    assert.deepEqual(await t.engine.listDefinitions('broken'), []);
  });

  it('should refuse a file over the size limit before parsing', async function () {
    const huge = singleTask('huge').replace(
      '</bpmn:definitions>',
      `<!-- ${'x'.repeat(3 * 1024 * 1024)} --></bpmn:definitions>`,
    );
    await assert.rejects(
      t.engine.deploy(huge),
      (err: { code: string; problems: { rule: string; message: string }[] }) => {
        assert.equal(err.code, 'VALIDATION_FAILED');
        assert.equal(err.problems[0]!.rule, 'input-limits');
        assert.match(err.problems[0]!.message, /more than the limit/);
        return true;
      },
    );
  });
});
