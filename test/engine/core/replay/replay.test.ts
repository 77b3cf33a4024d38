/**
 * Replay (reliability plan §1.3, scenario 28): instances of real processes — the benchmark's reference approval
 * and the non-tax 减免缓 approval (processes/non-tax-revenue) — run through their different branches, some ended,
 * some in flight; then each recorded history is replayed. Against the instance's own definition the current
 * build takes every decision again the same way (0 divergences); against a changed model (a gateway condition,
 * a removed flow, a renamed element, a boundary event made interrupting, a condition reading a variable the
 * history never saw) the replay names the element of every decision that would now differ.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ReplayReport, ServiceHandler } from '../../../../engine/index.js';
import {
  createTestEngine,
  forEachBackend,
  TestClock,
  type TestEngine,
} from '../../../helpers/engine-harness.js';

const BENCH_XML = readFileSync(
  fileURLToPath(new URL('../../../../bench/reference-approval.bpmn', import.meta.url)),
  'utf8',
);
const RELIEF_XML = readFileSync(
  fileURLToPath(new URL('../../../../processes/non-tax-revenue/non-tax-relief.bpmn', import.meta.url)),
  'utf8',
);

/** The relief process's service tasks, reduced to what routing reads (the real ones need the non-tax tables). */
const reliefHandlers: Record<string, ServiceHandler> = {
  'nonTax.relief.prepare': async ({ variables }) => ({
    valid: variables.case !== 'invalid',
    needsChief: Number(variables.reliefFen) >= 500_000,
    reliefDue: { unitReview: 'P5D', financeReview: 'P5D' },
  }),
  'nonTax.relief.approve': async () => ({ reliefStatus: 'approved' }),
  'nonTax.relief.reject': async () => ({ reliefStatus: 'rejected' }),
  'nonTax.recordOverdue': async () => ({ overdueRecorded: true }),
};

/** Replaces `from` (which must occur) in `xml`. */
function edit(xml: string, from: string | RegExp, to: string): string {
  const changed = xml.replace(from, to);
  assert.notEqual(changed, xml, `expected ${String(from)} in the model`);
  return changed;
}

const divergenceIds = (r: ReplayReport) => r.divergences.map((d) => `${d.elementId}:${d.kind}`).sort();

forEachBackend('replay of recorded routing decisions', (backend) => {
  let t: TestEngine;
  let clock: TestClock;
  /** Instance ids by the path they took. */
  const bench: Record<string, string> = {};
  const relief: Record<string, string> = {};

  before(async function () {
    this.timeout(60_000);
    clock = new TestClock();
    t = await createTestEngine(backend, { clock, handlers: reliefHandlers });
    await t.engine.deploy(BENCH_XML);
    await t.engine.deploy(RELIEF_XML);

    // the reference approval: large amounts through the countersign, small ones by the default flow
    const start = async (amountFen: number) =>
      (await t.engine.startInstance('benchApproval', { variables: { amountFen } })).id;
    bench.largeDone = await start(1_250_000);
    bench.smallDone = await start(500_000);
    bench.largeAtCountersign = await start(2_000_000);
    bench.smallAtDirector = await start(10_000);
    bench.atFirstStep = await start(1_250_000);
    for (const id of [bench.largeDone, bench.smallDone, bench.largeAtCountersign, bench.smallAtDirector])
      await t.complete(id!, 'divisionReview');
    await t.complete(bench.largeDone!, 'budgetCountersign');
    await t.complete(bench.largeDone!, 'treasuryCountersign');
    await t.complete(bench.largeDone!, 'directorApproval');
    await t.complete(bench.smallDone!, 'directorApproval');
    await t.complete(bench.largeAtCountersign!, 'treasuryCountersign');

    // 减免缓: every branch of the four gateways, and a deadline boundary that fired
    const apply = async (variables: Record<string, unknown>) => {
      const id = (await t.engine.startInstance('nonTaxRelief', { variables })).id;
      await t.runPendingJobs();
      return id;
    };
    relief.invalid = await apply({ case: 'invalid', reliefFen: 1000 });
    relief.unitRejects = await apply({ case: 'ok', reliefFen: 1000 });
    await t.complete(relief.unitRejects, 'V1_unitReview', { unitApproved: false });
    relief.approvedNoChief = await apply({ case: 'ok', reliefFen: 20_000 });
    await t.complete(relief.approvedNoChief, 'V1_unitReview', { unitApproved: true });
    await t.complete(relief.approvedNoChief, 'V2_financeReview', { financeApproved: true });
    relief.chiefApproves = await apply({ case: 'ok', reliefFen: 800_000 });
    await t.complete(relief.chiefApproves, 'V1_unitReview', { unitApproved: true });
    await t.complete(relief.chiefApproves, 'V2_financeReview', { financeApproved: true });
    await t.complete(relief.chiefApproves, 'V3_chiefApproval', { chiefApproved: true });
    relief.chiefRejects = await apply({ case: 'ok', reliefFen: 900_000 });
    await t.complete(relief.chiefRejects, 'V1_unitReview', { unitApproved: true });
    await t.complete(relief.chiefRejects, 'V2_financeReview', { financeApproved: true });
    await t.complete(relief.chiefRejects, 'V3_chiefApproval', { chiefApproved: false });
    relief.overdueAtFinance = await apply({ case: 'ok', reliefFen: 700_000 });
    await t.complete(relief.overdueAtFinance, 'V1_unitReview', { unitApproved: true });
    await t.runPendingJobs();
    // five working days later the finance review is overdue: the non-interrupting deadline fires
    clock.advance(10 * 86_400_000);
    assert.ok((await t.engine.fireDueTimers()) >= 1);
    await t.runPendingJobs();
  });

  after(async () => t?.close());

  it('should run the instances through their branches (the setting the replays rely on)', async () => {
    const status = async (id: string) => (await t.engine.getInstance(id)).status;
    assert.equal(await status(bench.largeDone!), 'completed');
    assert.equal(await status(bench.smallDone!), 'completed');
    assert.equal(await status(bench.largeAtCountersign!), 'running');
    const variables = async (id: string) => (await t.engine.getInstance(id)).variables;
    assert.equal((await variables(relief.approvedNoChief!)).reliefStatus, 'approved');
    assert.equal((await variables(relief.chiefApproves!)).reliefStatus, 'approved');
    assert.equal((await variables(relief.chiefRejects!)).reliefStatus, 'rejected');
    assert.equal((await variables(relief.unitRejects!)).reliefStatus, 'rejected');
    assert.equal((await variables(relief.overdueAtFinance!)).overdueRecorded, true);
    assert.equal(await status(relief.overdueAtFinance!), 'running');
  });

  it('should replay every history against its own definition with 0 divergences', async () => {
    for (const [path, id] of [...Object.entries(bench), ...Object.entries(relief)]) {
      const report = await t.engine.replayInstance(id);
      assert.deepEqual(report.divergences, [], `${path}: ${JSON.stringify(report.divergences)}`);
      assert.deepEqual(report.unverified, [], path);
      assert.equal(report.unrecordedFlows, 0, path);
      // every element the token left decided something: start, each completed step, each gateway
      const flowsTaken = (await t.engine.history(id)).filter((h) => h.type === 'FLOW_TAKEN').length;
      assert.ok(report.decisionsChecked > 0 && flowsTaken > 0, path);
    }
    const full = await t.engine.replayInstance(bench.largeDone!);
    // start, divisionReview, amountCheck, split, 2 countersigns, join, merge, director
    assert.equal(full.decisionsChecked, 9);
    // the overdue instance's replay includes the boundary event that fired
    const overdue = await t.engine.replayInstance(relief.overdueAtFinance!);
    const history = await t.engine.history(relief.overdueAtFinance!);
    assert.ok(
      history.some((h) => h.type === 'ELEMENT_ACTIVATED' && h.elementId === 'V2_financeReview_deadline'),
    );
    assert.ok(overdue.decisionsChecked >= 7, String(overdue.decisionsChecked));
  });

  it('should keep the inputs of each decision in the history row, not the whole variable set', async () => {
    const rows = await t.engine.history(relief.chiefApproves!);
    const gateway = rows.find((h) => h.type === 'ELEMENT_COMPLETED' && h.elementId === 'V2_gw');
    assert.deepEqual(gateway?.data, {
      route: { flows: ['f_V2_chief'], inputs: { financeApproved: true, needsChief: true } },
    });
    const task = rows.find((h) => h.type === 'ELEMENT_COMPLETED' && h.elementId === 'V1_unitReview');
    assert.deepEqual(task?.data, { route: { flows: ['f_V1_gw'] } });
  });

  it('should name the gateway whose changed condition would route in-flight and ended instances differently', async () => {
    const raised = edit(BENCH_XML, 'amountFen &gt;= 1000000', 'amountFen &gt;= 1500000');
    const reports = Object.fromEntries(
      await Promise.all(
        Object.entries(bench).map(
          async ([path, id]) => [path, await t.engine.replayInstance(id, { definitionXml: raised })] as const,
        ),
      ),
    );
    // 12 500 元 passed the old line and not the new one; 20 000 元 passes both; small amounts took the default
    assert.deepEqual(divergenceIds(reports.largeDone!), ['amountCheck:flows-differ']);
    const [d] = reports.largeDone!.divergences;
    assert.deepEqual(d!.recorded, ['largeAmount']);
    assert.deepEqual(d!.replayed, ['normalAmount']);
    assert.deepEqual(reports.largeAtCountersign!.divergences, []);
    assert.deepEqual(reports.smallDone!.divergences, []);
    assert.deepEqual(reports.smallAtDirector!.divergences, []);
    assert.deepEqual(reports.atFirstStep!.divergences, [], 'not at the gateway yet');
  });

  it('should report a removed flow as a decision the model can no longer take', async () => {
    // the default flow "否" is gone: small amounts have no way out of the gateway any more
    const removed = edit(
      edit(BENCH_XML, ' default="normalAmount"', ''),
      /<bpmn:sequenceFlow id="normalAmount"[^>]*\/>/,
      '',
    );
    for (const id of [bench.smallDone!, bench.smallAtDirector!]) {
      const small = await t.engine.replayInstance(id, { definitionXml: removed });
      assert.deepEqual(divergenceIds(small), ['amountCheck:replay-failed']);
      assert.deepEqual(small.divergences[0]!.recorded, ['normalAmount']);
      assert.equal(small.divergences[0]!.replayed, null);
      assert.match(small.divergences[0]!.reason, /none did/);
    }
    const large = await t.engine.replayInstance(bench.largeDone!, { definitionXml: removed });
    assert.deepEqual(large.divergences, []);
    // a flow re-pointed to another element is found even where nothing was evaluated (a join's only way out)
    const noExit = edit(
      BENCH_XML,
      '<bpmn:sequenceFlow id="toApprovalMerge" sourceRef="countersignJoin" targetRef="approvalMerge" />',
      '<bpmn:sequenceFlow id="toApprovalMerge" sourceRef="countersignJoin" targetRef="directorApproval" />',
    );
    const viaJoin = await t.engine.replayInstance(bench.largeDone!, { definitionXml: noExit });
    assert.deepEqual(divergenceIds(viaJoin), ['countersignJoin:target-differs']);
  });

  it('should report a renamed element by its recorded id, and the flow that now leads elsewhere', async () => {
    const renamed = BENCH_XML.replaceAll('"divisionReview"', '"unitReview"');
    assert.notEqual(renamed, BENCH_XML);
    const done = await t.engine.replayInstance(bench.largeDone!, { definitionXml: renamed });
    assert.deepEqual(divergenceIds(done), ['divisionReview:element-missing', 'start:target-differs']);
    const missing = done.divergences.find((d) => d.kind === 'element-missing')!;
    assert.deepEqual(missing.recorded, ['toAmountCheck']);
    assert.equal(missing.replayed, null);
    // an instance still waiting at the renamed step has only its start decision to diverge
    const waiting = await t.engine.replayInstance(bench.atFirstStep!, { definitionXml: renamed });
    assert.deepEqual(divergenceIds(waiting), ['start:target-differs']);
  });

  it('should replay a fiscal process against a changed gateway and a boundary event made interrupting', async () => {
    // 处长审批 now for those below the line: every decision at V2_gw after approval differs
    const swapped = edit(
      RELIEF_XML,
      '= financeApproved = true and needsChief = true',
      '= financeApproved = true and needsChief = false',
    );
    const expected: Record<string, string[]> = {
      invalid: [],
      unitRejects: [],
      approvedNoChief: ['V2_gw:flows-differ'],
      chiefApproves: ['V2_gw:flows-differ'],
      chiefRejects: ['V2_gw:flows-differ'],
      overdueAtFinance: [],
    };
    for (const [path, id] of Object.entries(relief)) {
      const report = await t.engine.replayInstance(id, { definitionXml: swapped });
      assert.deepEqual(divergenceIds(report), expected[path], path);
    }
    const noChief = await t.engine.replayInstance(relief.approvedNoChief!, { definitionXml: swapped });
    assert.deepEqual(noChief.divergences[0]!.recorded, ['f_V2_ok']);
    assert.deepEqual(noChief.divergences[0]!.replayed, ['f_V2_chief']);

    const interrupting = edit(
      RELIEF_XML,
      'id="V2_financeReview_deadline" name="办理期限届满" cancelActivity="false"',
      'id="V2_financeReview_deadline" name="办理期限届满" cancelActivity="true"',
    );
    const overdue = await t.engine.replayInstance(relief.overdueAtFinance!, { definitionXml: interrupting });
    assert.deepEqual(divergenceIds(overdue), ['V2_financeReview_deadline:event-differs']);
    const approved = await t.engine.replayInstance(relief.approvedNoChief!, { definitionXml: interrupting });
    assert.deepEqual(approved.divergences, [], 'the deadline never fired there');
  });

  it('should call a decision unverified, not divergent, when the new condition reads a variable the history lacks', async () => {
    const newInput = edit(
      RELIEF_XML,
      '= unitApproved = true',
      '= unitApproved = true and reliefFen &lt; 5000000',
    );
    const report = await t.engine.replayInstance(relief.chiefApproves!, { definitionXml: newInput });
    assert.deepEqual(report.divergences, []);
    assert.deepEqual(
      report.unverified.map((u) => [u.elementId, u.missing]),
      [['V1_gw', ['reliefFen']]],
    );
  });

  it("should refuse a model without the instance's process, and an invalid one, naming the problem", async () => {
    await assert.rejects(
      t.engine.replayInstance(bench.largeDone!, { definitionXml: RELIEF_XML }),
      /has no process benchApproval/,
    );
    await assert.rejects(
      t.engine.replayInstance(bench.largeDone!, {
        definitionXml: BENCH_XML.replace('targetRef="end"', 'targetRef="nowhere"'),
      }),
      (e: Error & { code?: string }) => e.code === 'VALIDATION_FAILED',
    );
  });
});
