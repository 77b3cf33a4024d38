import assert from 'node:assert/strict';
import {
  createTestEngine,
  forEachBackend,
  type TestEngine,
  TestClock,
} from '../../../helpers/engine-harness.js';
import { mapLimit } from '../../../helpers/bpmn-builder.js';

forEachBackend(
  'operations: field permissions, racing operations, migration of running instances',
  (backend) => {
    let t: TestEngine;
    let clock: TestClock;
    before(async function () {
      clock = new TestClock();
      t = await createTestEngine(backend, { clock, poolMax: 16 });
      await t.deployFixture(import.meta, 'fields-races-migration.bpmn');
    });
    after(() => t?.close());

    const taskAt = async (id: string, elementId: string) =>
      (await t.engine.listTasks({ instanceId: id })).find((x) => x.elementId === elementId)!;

    it('should refuse writes to read-only and hidden fields and leave hidden fields out of the task view', async function () {
      const { id } = await t.engine.startInstance('threeSteps', {
        variables: { amountFen: 500_00, bankAccount: '6222 0000 1111' },
      });
      await t.engine.completeTask((await taskAt(id, 'a')).id, { actor: 'clerk' });
      const b = await taskAt(id, 'b');
      await assert.rejects(t.engine.completeTask(b.id, { actor: 'reviewer', variables: { amountFen: 1 } }), {
        code: 'INVALID_VARIABLES',
        message: /amountFen/,
      });
      await assert.rejects(
        t.engine.completeTask(b.id, { actor: 'reviewer', variables: { bankAccount: 'x' } }),
        { message: /bankAccount/ },
      );
      const view = await t.engine.getTaskView(b.id);
      assert.equal(view.variables.amountFen, 500_00);
      assert.equal('bankAccount' in view.variables, false);
      assert.deepEqual(view.fields, { readOnly: ['amountFen'], hidden: ['bankAccount'], editable: null });
      assert.equal((await t.engine.getInstance(id)).variables.amountFen, 500_00, 'nothing was written');
    });

    it('100 concurrent 转办 / 通过 / 撤回 on one step: exactly one wins, the others get a clear refusal, history shows the winner once', async function () {
      this.timeout(60_000);
      const { id } = await t.engine.startInstance('threeSteps');
      const a = await taskAt(id, 'a');
      await t.engine.completeTask(a.id, { actor: 'clerk' });
      const b = await taskAt(id, 'b');
      const ops = Array.from({ length: 100 }, (_, i) =>
        i % 3 === 0
          ? () => t.engine.completeTask(b.id, { actor: 'reviewer' })
          : i % 3 === 1
            ? () => t.engine.transferTask(b.id, { actor: 'reviewer', to: `deputy${i}` })
            : () => t.engine.withdrawTask(a.id, { actor: 'clerk' }),
      );
      const results = await Promise.allSettled(ops.map((op) => op()));
      const won = results.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1);
      for (const r of results) {
        if (r.status === 'rejected')
          assert.ok(['INVALID_STATE', 'CONCURRENT_MODIFICATION'].includes(r.reason.code), String(r.reason));
      }
      const history = await t.engine.history(id);
      const effects = history.filter(
        (h) =>
          (h.type === 'TASK_COMPLETED' && h.taskId === b.id) ||
          h.type === 'TASK_TRANSFERRED' ||
          h.type === 'TASK_WITHDRAWN',
      );
      assert.equal(effects.length, 1, effects.map((e) => e.type).join(','));
    });

    it('should migrate 200 instances waiting at different steps to a new version without losing a task or a timer', async function () {
      this.timeout(120_000);
      const ids: string[] = [];
      for (let i = 0; i < 200; i++) ids.push((await t.engine.startInstance('threeSteps')).id);
      await mapLimit(
        ids.filter((_, i) => i % 3 !== 0),
        8,
        async (id) => t.engine.completeTask((await taskAt(id, 'a')).id, { actor: 'clerk' }),
      );
      await mapLimit(
        ids.filter((_, i) => i % 3 === 2),
        8,
        async (id) => t.engine.completeTask((await taskAt(id, 'b')).id, { actor: 'reviewer' }),
      );
      const before = new Map<string, string>();
      for (const id of ids)
        before.set(id, (await taskAt(id, 'a')) ? 'a' : (await taskAt(id, 'b')) ? 'b' : 'c');
      const timersBefore = (await t.engine.listJobs({ state: 'pending', kind: 'timer' })).filter((j) =>
        ids.includes(j.instanceId!),
      ).length;

      // a new version adds a final check after c
      const xml = t
        .fixtureText(import.meta, 'fields-races-migration.bpmn')
        .replace(
          '<bpmn:sequenceFlow id="f5" sourceRef="c" targetRef="end" />',
          '<bpmn:sequenceFlow id="f5" sourceRef="c" targetRef="check" /><bpmn:userTask id="check" fiscal:assignee="auditor" /><bpmn:sequenceFlow id="f6" sourceRef="check" targetRef="end" />',
        );
      const [v2] = await t.engine.deploy(xml);
      const results = await t.engine.migrateInstances(ids, { actor: 'admin', toVersion: v2!.version });
      assert.ok(
        results.every((r) => r.ok),
        JSON.stringify(results.find((r) => !r.ok)),
      );

      for (const id of ids) {
        const view = await t.engine.getInstance(id);
        assert.equal(view.definitionVersion, v2!.version);
        assert.ok(view.activeElementIds.includes(before.get(id)!), `${id} lost its step`);
      }
      const timersAfter = (await t.engine.listJobs({ state: 'pending', kind: 'timer' })).filter((j) =>
        ids.includes(j.instanceId!),
      ).length;
      assert.equal(timersAfter, timersBefore, 'every reminder timer is still pending');
      clock.advance(2 * 86_400_000 + 1);
      await t.engine.fireDueTimers();
      const fired = (await t.engine.listJobs({ state: 'pending', kind: 'timer' })).filter(
        (j) => ids.includes(j.instanceId!) && j.fireCount === 1,
      );
      assert.equal(
        fired.length,
        timersBefore,
        'and fires on the new version (each cycle once, then rescheduled)',
      );
      const one = ids[2]!;
      await t.engine.completeTask((await taskAt(one, 'c')).id, { actor: 'director' });
      assert.deepEqual(
        (await t.engine.getInstance(one)).activeElementIds,
        ['check'],
        'the migrated instance runs the new version',
      );
    });
  },
);
