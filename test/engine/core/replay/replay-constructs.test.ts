/**
 * Replay of the other kinds of recorded choices: an event-based gateway (the event that fired chose the flow), a
 * multi-instance countersign whose result a gateway reads, and the replayer itself on altered histories — a
 * recorded choice that the current build's evaluation does not reproduce is a divergence (what a changed
 * evaluator or selection rule would produce), and rows written before decisions were recorded are counted, not
 * guessed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadModel, replayHistory, type StoredHistoryRecord } from '../../../../engine/index.js';
import {
  createTestEngine,
  forEachBackend,
  TestClock,
  type TestEngine,
} from '../../../helpers/engine-harness.js';

const fixture = (path: string) => readFileSync(fileURLToPath(new URL(path, import.meta.url)), 'utf8');
const EVENT_GATEWAY_XML = fixture('../runtime/events/event-based-gateway.bpmn');
const COUNTERSIGN_XML = fixture('../runtime/events/multi-instance.approvals.bpmn');
const BENCH_XML = fixture('../../../../bench/reference-approval.bpmn');

forEachBackend('replay of event and countersign choices', (backend) => {
  let t: TestEngine;
  let clock: TestClock;
  before(async () => {
    clock = new TestClock();
    t = await createTestEngine(backend, { clock });
    await t.engine.deploy(EVENT_GATEWAY_XML);
    await t.engine.deploy(COUNTERSIGN_XML);
    await t.engine.deploy(BENCH_XML);
  });
  after(async () => t?.close());

  it('should replay the event that fired at an event-based gateway, and miss it when the event is renamed', async () => {
    const paid = await t.engine.startInstance('waitForPayment', { variables: { noticeNo: 'RP-1' } });
    await t.engine.correlateMessage('paid', { correlationKey: 'RP-1' });
    const late = await t.engine.startInstance('waitForPayment', { variables: { noticeNo: 'RP-2' } });
    clock.advance(15 * 86_400_000);
    assert.equal(await t.engine.fireDueTimers(), 1);
    for (const id of [paid.id, late.id]) {
      const own = await t.engine.replayInstance(id);
      assert.deepEqual(own.divergences, []);
      assert.equal(own.decisionsChecked, 3, 'start, the gateway, the event that fired');
    }
    const renamed = EVENT_GATEWAY_XML.replaceAll('paidMessage', 'receiptMessage');
    const paidReplay = await t.engine.replayInstance(paid.id, { definitionXml: renamed });
    assert.deepEqual(
      paidReplay.divergences.map((d) => [d.elementId, d.kind, d.recorded, d.replayed]),
      [
        ['firstOf', 'flows-differ', ['f2'], []],
        ['paidMessage', 'element-missing', ['f4'], null],
      ],
    );
    assert.deepEqual((await t.engine.replayInstance(late.id, { definitionXml: renamed })).divergences, []);
  });

  it('should replay the gateway after a countersign with the result the votes produced', async () => {
    const instance = await t.engine.startInstance('countersign', {
      variables: { reviewers: ['li', 'wang', 'zhao'] },
    });
    const votes = await t.engine.listTasks({ instanceId: instance.id });
    assert.equal(votes.length, 3);
    for (const task of votes.slice(0, 2))
      await t.engine.completeTask(task.id, { variables: { approved: true } });
    assert.deepEqual((await t.engine.getInstance(instance.id)).activeElementIds, ['passed']);
    const own = await t.engine.replayInstance(instance.id);
    assert.deepEqual(own.divergences, []);
    const decide = (await t.engine.history(instance.id)).find(
      (h) => h.type === 'ELEMENT_COMPLETED' && h.elementId === 'decide',
    );
    assert.deepEqual(decide?.data, { route: { flows: ['fYes'], inputs: { approvalResult: 'approved' } } });
    const stricter = COUNTERSIGN_XML.replace('approvalResult = "approved"', 'approvalResult = "unanimous"');
    const replay = await t.engine.replayInstance(instance.id, { definitionXml: stricter });
    assert.deepEqual(
      replay.divergences.map((d) => [d.elementId, d.recorded, d.replayed]),
      [['decide', ['fYes'], ['fNo']]],
    );
  });

  it('should find a recorded choice the current evaluation does not reproduce, and count unrecorded rows', async () => {
    const instance = await t.engine.startInstance('benchApproval', { variables: { amountFen: 1_250_000 } });
    await t.complete(instance.id, 'divisionReview');
    const history = await t.engine.history(instance.id);
    const loaded = await loadModel(BENCH_XML);
    assert.ok(loaded.ok);
    const model = loaded.model.processes.benchApproval!;
    const replay = (rows: StoredHistoryRecord[]) =>
      replayHistory({
        instanceId: instance.id,
        processKey: 'benchApproval',
        startDefinitionId: 'v1',
        history: rows,
        recordedModels: new Map([['v1', model]]),
      });
    assert.deepEqual(replay(history).divergences, []);
    // a build that had seen 12 500 元 and still taken the large-amount flow would be found out
    const altered = history.map((h) =>
      h.elementId === 'amountCheck' && h.type === 'ELEMENT_COMPLETED'
        ? { ...h, data: { route: { flows: ['largeAmount'], inputs: { amountFen: 5_000 } } } }
        : h,
    );
    const report = replay(altered);
    assert.deepEqual(
      report.divergences.map((d) => [d.elementId, d.kind, d.recorded, d.replayed]),
      [['amountCheck', 'flows-differ', ['largeAmount'], ['normalAmount']]],
    );
    // rows from before decisions were recorded: nothing is checked, and the flows are counted
    const legacy = replay(history.map((h) => (h.type === 'ELEMENT_COMPLETED' ? { ...h, data: null } : h)));
    assert.equal(legacy.decisionsChecked, 0);
    assert.equal(legacy.unrecordedFlows, history.filter((h) => h.type === 'FLOW_TAKEN').length);
  });
});
