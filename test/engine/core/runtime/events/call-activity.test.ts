import assert from 'node:assert/strict';
import {
  createTestEngine,
  forEachBackend,
  type TestEngine,
  TestClock,
} from '../../../../helpers/engine-harness.js';

forEachBackend('runtime/behaviors/call-activity', (backend) => {
  let t: TestEngine;
  beforeEach(async function () {
    t = await createTestEngine(backend, { clock: new TestClock() });
    await t.deployFixture(import.meta, 'call-activity.parent-child.bpmn');
  });
  afterEach(() => t?.close());

  const child = async (parentId: string) => {
    await t.runPendingJobs();
    const [c] = await t.engine.listInstances({ processKey: 'callChild' });
    const view = await t.engine.getInstance(c!.id);
    assert.equal(view.parentInstanceId, parentId);
    return view;
  };

  it('should start the child with the input mappings and continue the parent with the outputs', async function () {
    const parent = await t.engine.startInstance('callParent', {
      variables: { amountFen: 500_000, unit: '101001', secret: 'x' },
    });
    const c = await child(parent.id);
    assert.deepEqual(c.variables, { requestedFen: 500_000, unit: '101001' });
    await t.complete(c.id, 'childReview', { approved: true, approvedFen: 400_000 });
    await t.runPendingJobs();
    const view = await t.engine.getInstance(parent.id);
    assert.ok(view.activeElementIds.includes('after'), String(view.activeElementIds));
    assert.equal(view.variables.grantedFen, 400_000);
    assert.equal(view.variables.approvedFen, undefined, 'only mapped outputs come back');
    assert.ok(
      view.activeElementIds.includes('readNote'),
      'the child escalation reached the non-interrupting boundary',
    );
    const created = (await t.engine.history(parent.id)).find((h) => h.type === 'CHILD_INSTANCE_CREATED');
    assert.equal(created?.data?.childInstanceId, c.id);
  });

  it('should start the child once and keep it when the call job is delivered twice at once', async function () {
    // given a parent waiting at the call activity with its call job pending
    const parent = await t.engine.startInstance('callParent', { variables: { amountFen: 1, unit: 'u' } });
    const [call] = await t.infrastructure.store.listJobs({ instanceId: parent.id, kind: 'call' });
    assert.ok(call, 'a pending call job');

    // when two deliveries of that job run at the same time (a stalled Bull job is delivered again)
    const outcomes = await Promise.all([
      t.engine.handleJob(call.id, call.attempt),
      t.engine.handleJob(call.id, call.attempt),
    ]);

    // then one started the child, the other did nothing, and the child still runs for its waiting parent
    assert.deepEqual([...outcomes].sort(), ['done', 'skipped']);
    const children = await t.engine.listInstances({ processKey: 'callChild' });
    assert.equal(children.length, 1);
    assert.equal(children[0]!.status, 'running', 'the repeated delivery must not cancel the child');
    assert.ok((await t.engine.getInstance(parent.id)).activeElementIds.includes('callReview'));
  });

  it("should take the parent's error boundary when the child ends with an error", async function () {
    const parent = await t.engine.startInstance('callParent', { variables: { amountFen: 1, unit: 'u' } });
    const c = await child(parent.id);
    await t.complete(c.id, 'childReview', { approved: false });
    await t.runPendingJobs();
    assert.deepEqual((await t.engine.getInstance(parent.id)).activeElementIds, ['rework']);
    const ended = await t.engine.getInstance(c.id);
    assert.equal(ended.status, 'canceled');
    assert.match(ended.endReason ?? '', /REJECTED/);
  });

  it('should cancel the child when the parent is canceled', async function () {
    const parent = await t.engine.startInstance('callParent', { variables: { amountFen: 1, unit: 'u' } });
    const c = await child(parent.id);
    await t.engine.cancelInstance(parent.id, { reason: '撤销' });
    await t.runPendingJobs();
    assert.equal((await t.engine.getInstance(c.id)).status, 'canceled');
  });

  it('should call the version the binding names (version, versionTag, deployment), not the latest', async function () {
    // given a second version of the child
    const xml = t.fixtureText(import.meta, 'call-activity.parent-child.bpmn');
    await t.engine.deploy(
      xml.replace('<bpmn:userTask id="childReview" />', '<bpmn:userTask id="childReview" name="v2" />'),
    );
    const bound = (binding: string, key: string) =>
      xml
        .replace('id="callParent"', `id="${key}"`)
        .replace('calledElement="callChild"', `calledElement="callChild" ${binding}`)
        .replace(/<bpmn:process id="callChild"[\s\S]*?<\/bpmn:process>/, '');
    await t.engine.deploy(
      bound('fiscal:calledElementBinding="version" fiscal:calledElementVersion="1"', 'pinnedParent'),
    );
    await t.engine.deploy(bound('', 'latestParent'));

    // when
    const pinned = await t.engine.startInstance('pinnedParent', { variables: { amountFen: 1, unit: 'u' } });
    const latest = await t.engine.startInstance('latestParent', { variables: { amountFen: 1, unit: 'u' } });
    await t.runPendingJobs();

    // then
    const children = await t.engine.listInstances({ processKey: 'callChild' });
    const versionOf = async (parentId: string) => {
      for (const c of children) {
        const view = await t.engine.getInstance(c.id);
        if (view.parentInstanceId === parentId) return view.definitionVersion;
      }
      return undefined;
    };
    assert.equal(await versionOf(pinned.id), 1);
    assert.equal(await versionOf(latest.id), 2);
  });
});
