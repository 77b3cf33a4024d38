import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { TaskRecord } from '../../../../engine/index.js';
import { createTestEngine, type TestEngine } from '../../../helpers/engine-harness.js';

/** One operation of a random sequence: which open task (by index) it applies to, and its kind. */
const operation = fc.record({
  kind: fc.constantFrom(
    'approve',
    'approve',
    'approve',
    'reject-vote',
    'return-previous',
    'return-initiator',
    'withdraw',
    'transfer',
    'sign-parallel',
    'sign-before',
    'sign-after',
    'remove-signer',
  ),
  pick: fc.nat(20),
});

describe('operations: random sequences on a parallel split with a 3-reviewer countersign (fast-check)', function () {
  let t: TestEngine;
  before(async function () {
    t = await createTestEngine('sqlite');
    await t.deployFixture(import.meta, 'approval.bpmn');
  });
  after(() => t?.close());

  const openTasks = async (instanceId: string): Promise<TaskRecord[]> =>
    [
      ...(await t.engine.listTasks({ instanceId })),
      ...(await t.engine.listTasks({ instanceId, state: 'suspended' })),
    ].sort((a, b) => (orderKey(a) < orderKey(b) ? -1 : orderKey(a) > orderKey(b) ? 1 : 0));
  /** A stable order so that a shrunk counterexample replays the same way (ids are random). */
  const orderKey = (x: TaskRecord) =>
    `${x.elementId}|${x.signerMode ?? 'main'}|${x.assignee ?? ''}|${x.state}`;
  const holderOf = (task: TaskRecord) => task.assignee ?? task.candidateUsers[0] ?? null;

  async function apply(
    instanceId: string,
    op: { kind: string; pick: number },
    lastCompleted: { taskId: string; actor: string }[],
  ): Promise<void> {
    const tasks = (await openTasks(instanceId)).filter((x) => x.state === 'created');
    const task = tasks[op.pick % Math.max(1, tasks.length)];
    if (!task && op.kind !== 'withdraw') return;
    const actor = task ? holderOf(task)! : '';
    const vote = task?.elementId === 'panel' && !task.signerOf;
    switch (op.kind) {
      case 'approve':
      case 'reject-vote': {
        await t.engine.completeTask(task!.id, {
          actor,
          comment: '意见',
          variables: vote ? { approved: op.kind === 'approve' } : {},
        });
        lastCompleted.push({ taskId: task!.id, actor });
        return;
      }
      case 'return-previous':
      case 'return-initiator':
        await t.engine.returnTask(task!.id, {
          actor,
          target: op.kind === 'return-previous' ? 'previous' : 'initiator',
          comment: '退回',
        });
        return;
      case 'withdraw': {
        const last = lastCompleted.at(-1);
        if (last) await t.engine.withdrawTask(last.taskId, { actor: last.actor });
        return;
      }
      case 'transfer':
        await t.engine.transferTask(task!.id, { actor, to: `other${op.pick}` });
        return;
      case 'sign-parallel':
      case 'sign-before':
      case 'sign-after':
        await t.engine.addSigners(task!.id, {
          actor,
          users: [`signer${op.pick}`],
          mode: op.kind.slice(5) as 'parallel' | 'before' | 'after',
        });
        return;
      case 'remove-signer':
        await t.engine.removeSigner(task!.id, { actor });
        return;
    }
  }

  /** Invariants that must hold after every step of a running instance. */
  async function checkInvariants(instanceId: string): Promise<void> {
    const view = await t.engine.getInstance(instanceId);
    assert.deepEqual(
      view.incidents.filter((i) => i.state === 'open'),
      [],
      'no incident',
    );
    if (view.status !== 'running') return;
    const tasks = await openTasks(instanceId);
    const executions = await t.infrastructure.knex('executions').where({ instance_id: instanceId });
    for (const e of executions as {
      id: string;
      element_id: string;
      state: string;
      vars_json: string | null;
    }[]) {
      const body = e.vars_json?.includes('$multiInstanceBody');
      if (e.state === 'waiting' && !body) {
        assert.ok(
          tasks.some((x) => x.executionId === e.id),
          `token at ${e.element_id} waits without a task (stuck)`,
        );
      }
    }
    for (const task of tasks)
      assert.ok(task.assignee || task.candidateUsers.length > 0, `task ${task.elementId} has no holder`);
    const mains = tasks.filter((x) => !x.signerOf).map((x) => x.executionId);
    assert.equal(new Set(mains).size, mains.length, 'a token has two main tasks (duplicated task)');
    assert.ok(
      tasks.some((x) => x.state === 'created'),
      'every open task is suspended: nobody can act',
    );
  }

  it('never leaves a stuck instance, a duplicated task or a task without holder; approving everything then reaches the end', async function () {
    this.timeout(600_000);
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 14 }), async (ops) => {
        const { id } = await t.engine.startInstance('paymentApproval', {
          initiator: 'clerk1',
          variables: { initiator: 'clerk1' },
        });
        const lastCompleted: { taskId: string; actor: string }[] = [];
        for (const op of ops) {
          try {
            await apply(id, op, lastCompleted);
          } catch (err) {
            const code = (err as { code?: string }).code;
            if (code !== 'INVALID_STATE' && code !== 'INVALID_VARIABLES') throw err;
          }
          await checkInvariants(id);
        }
        // then: approving whatever is open, again and again, reaches the end
        for (let round = 0; round < 80 && (await t.engine.getInstance(id)).status === 'running'; round++) {
          const [task] = (await openTasks(id)).filter((x) => x.state === 'created');
          assert.ok(task, 'a running instance with nothing to act on');
          const vote = task.elementId === 'panel' && !task.signerOf;
          await t.engine.completeTask(task.id, {
            actor: holderOf(task)!,
            comment: '同意',
            variables: vote ? { approved: true } : {},
          });
          await checkInvariants(id);
        }
        assert.equal((await t.engine.getInstance(id)).status, 'completed');
      }),
      { numRuns: 150, seed: 20261127, endOnFailure: true },
    );
  });
});
