import assert from 'node:assert/strict';
import {
  createTestEngine,
  forEachBackend,
  type TestEngine,
  TestClock,
} from '../../../../helpers/engine-harness.js';

forEachBackend('runtime/behaviors/user-task', (backend) => {
  let t: TestEngine;
  const clock = new TestClock();
  before(async function () {
    t = await createTestEngine(backend, { clock });
    await t.deployFixture(import.meta, 'user-task.assignment.bpmn');
  });
  after(() => t?.close());

  it('should create a task with its assignment attributes and wait', async function () {
    // when
    const instance = await t.engine.startInstance('userTaskAssignment', {
      variables: { submitter: 'clerk01', reviewers: ['rev01', 'rev02', 'rev01'] },
      businessKey: 'ZF-2026-0001',
      initiator: 'clerk01',
    });

    // then
    assert.equal(instance.status, 'running');
    assert.deepEqual(instance.activeElementIds, ['review']);
    const [task, ...others] = await t.openTasks(instance.id);
    assert.equal(others.length, 0);
    assert.equal(task!.name, '审核');
    assert.equal(task!.assignee, 'clerk01');
    assert.deepEqual(task!.candidateUsers.sort(), ['rev01', 'rev02']);
    assert.deepEqual(task!.candidateRoles.sort(), ['审核人', '科长'].sort());
    assert.equal(task!.orgScope, 'initiatorUnit');
    assert.equal(task!.formKey, 'payment-review');
    assert.equal(task!.priority, 80);
    assert.equal(task!.dueAt, clock.now() + 3 * 86_400_000);
  });

  it('should start one instance for a repeated start with the same request key', async function () {
    // when a start is repeated under the same key (its first answer was lost), and another key is used
    const options = { variables: { submitter: 'a', reviewers: [] }, requestKey: 'a:start-1' };
    const first = await t.engine.startInstance('userTaskAssignment', options);
    const repeated = await t.engine.startInstance('userTaskAssignment', options);
    const other = await t.engine.startInstance('userTaskAssignment', { ...options, requestKey: 'a:start-2' });

    // then the repeat answers the first instance, and only one task waits for it
    assert.equal(repeated.id, first.id);
    assert.notEqual(other.id, first.id);
    assert.equal((await t.openTasks(first.id)).length, 1);
    const starts = (await t.engine.history(first.id)).filter((h) => h.type === 'INSTANCE_STARTED');
    assert.equal(starts.length, 1);
  });

  it('should answer a repeated completion with the same request key with the completed task, and refuse others', async function () {
    // given a task completed under a request key (the caller never learnt it committed)
    const instance = await t.engine.startInstance('userTaskAssignment', {
      variables: { submitter: 'a', reviewers: [] },
    });
    const [review] = await t.openTasks(instance.id);
    await t.engine.completeTask(review!.id, { actor: 'a', requestKey: 'a:key-1' });

    // when the caller repeats it with the same key
    const repeated = await t.engine.completeTask(review!.id, { actor: 'a', requestKey: 'a:key-1' });

    // then it gets the completed task, and nothing happened twice
    assert.equal(repeated.id, review!.id);
    assert.equal(repeated.state, 'completed');
    const completions = (await t.engine.history(instance.id)).filter(
      (h) => h.type === 'TASK_COMPLETED' && h.taskId === review!.id,
    );
    assert.equal(completions.length, 1);
    assert.equal((await t.openTasks(instance.id)).length, 1);
    // and another key, or none, is still told the task is no longer open
    await assert.rejects(t.engine.completeTask(review!.id, { actor: 'a', requestKey: 'a:key-2' }), {
      code: 'INVALID_STATE',
    });
    await assert.rejects(t.engine.completeTask(review!.id, { actor: 'a' }), { code: 'INVALID_STATE' });
  });

  it('should complete the task with variables and actor, and create the next one', async function () {
    // given
    const instance = await t.engine.startInstance('userTaskAssignment', {
      variables: { submitter: 'a', reviewers: [] },
    });
    const [review] = await t.openTasks(instance.id);

    // when
    clock.advance(1234);
    const completed = await t.engine.completeTask(review!.id, { variables: { opinion: '同意' }, actor: 'a' });

    // then
    assert.equal(completed.state, 'completed');
    assert.equal(completed.completedBy, 'a');
    const [approve] = await t.openTasks(instance.id);
    assert.equal(approve!.elementId, 'approve');
    assert.equal(approve!.assignee, 'director01');
    assert.deepEqual(approve!.candidateUsers.sort(), ['u1', 'u2']);
    const view = await t.engine.getInstance(instance.id);
    assert.equal(view.variables.opinion, '同意');
    assert.deepEqual(view.completedElementIds, ['review', 'start']);
    const history = await t.engine.history(instance.id);
    const done = history.find((h) => h.type === 'TASK_COMPLETED');
    assert.equal(done?.actor, 'a');
    assert.deepEqual(done?.data, { variables: ['opinion'], comment: null });
    assert.equal(done?.at, clock.now());
  });

  it('should end the instance when the last task completes', async function () {
    const instance = await t.engine.startInstance('userTaskAssignment', {
      variables: { submitter: 'a', reviewers: [] },
    });
    await t.engine.completeTask((await t.openTasks(instance.id))[0]!.id, { actor: 'a' });
    await t.engine.completeTask((await t.openTasks(instance.id))[0]!.id, { actor: 'director01' });
    const view = await t.engine.getInstance(instance.id);
    assert.equal(view.status, 'completed');
    assert.deepEqual(view.activeElementIds, []);
    assert.deepEqual(view.completedElementIds, ['approve', 'end', 'review', 'start']);
    const types = (await t.engine.history(instance.id)).map((h) => h.type);
    assert.equal(types[0], 'INSTANCE_STARTED');
    assert.equal(types.at(-1), 'INSTANCE_COMPLETED');
  });

  it('should NOT complete a task twice', async function () {
    const instance = await t.engine.startInstance('userTaskAssignment', {
      variables: { submitter: 'a', reviewers: [] },
    });
    const [review] = await t.openTasks(instance.id);
    await t.engine.completeTask(review!.id, { actor: 'a' });
    await assert.rejects(t.engine.completeTask(review!.id, { actor: 'a' }), { code: 'INVALID_STATE' });
  });

  it('should raise an incident when the assignee expression fails, naming the element', async function () {
    const instance = await t.engine.startInstance('userTaskAssignment', { variables: { reviewers: [] } });
    assert.equal(instance.incidents.length, 1);
    assert.equal(instance.incidents[0]!.elementId, 'review');
    assert.equal(instance.incidents[0]!.code, 'EXPRESSION_FAILED');
    assert.match(instance.incidents[0]!.message, /user task review/);
    assert.deepEqual(await t.openTasks(instance.id), []);

    // when the variable is provided on retry, the task is created
    const retried = await t.engine.retryIncident(instance.incidents[0]!.id, {
      variables: { submitter: 'x' },
    });
    assert.equal(retried.incidents[0]!.state, 'resolved');
    assert.equal((await t.openTasks(instance.id))[0]!.assignee, 'x');
  });

  it('should reject bad variables with the variable named, writing nothing', async function () {
    await assert.rejects(t.engine.startInstance('userTaskAssignment', { variables: { amountFen: 12.5 } }), {
      code: 'INVALID_VARIABLES',
      message: /amountFen/,
    });
    await assert.rejects(t.engine.startInstance('userTaskAssignment', { variables: { 'a-b': 1 } }), {
      code: 'INVALID_VARIABLES',
      message: /a-b/,
    });
    await assert.rejects(t.engine.completeTask('no-such-task'), { code: 'NOT_FOUND' });
    await assert.rejects(t.engine.startInstance('noSuchProcess'), { code: 'NOT_FOUND' });
  });

  it('should record an overdue notice for the holders when the due time passes, once, and none after completion', async function () {
    const instance = await t.engine.startInstance('userTaskAssignment', {
      variables: { submitter: 'late1', reviewers: [] },
    });
    clock.advance(3 * 86_400_000 - 1);
    await t.engine.fireDueTimers();
    assert.equal(
      (await t.engine.history(instance.id)).filter((h) => h.type === 'TASK_OVERDUE').length,
      0,
      'not early',
    );
    clock.advance(1);
    await t.engine.fireDueTimers();
    await t.engine.fireDueTimers();
    const overdue = (await t.engine.history(instance.id)).filter((h) => h.type === 'TASK_OVERDUE');
    assert.equal(overdue.length, 1);
    assert.deepEqual(overdue[0]!.data?.holders, ['late1']);
  });
});
