import assert from 'node:assert/strict';
import {
  createTestEngine,
  forEachBackend,
  type TestEngine,
  waitFor,
} from '../../../../helpers/engine-harness.js';
import type { ServiceJobContext } from '../../../../../engine/index.js';

forEachBackend('runtime/behaviors/service-task', (backend) => {
  let t: TestEngine;
  const calls: ServiceJobContext[] = [];
  let failuresLeft = new Map<string, number>();
  before(async function () {
    t = await createTestEngine(backend, {
      workers: true,
      handlers: {
        'bank.send': async (job) => {
          calls.push(job);
          const left = failuresLeft.get(job.businessKey ?? '') ?? 0;
          if (left > 0) {
            failuresLeft.set(job.businessKey ?? '', left - 1);
            throw new Error(`bank front-end refused (${left})`);
          }
          return { bankSerialNo: `B-${job.businessKey}`, sentAmountFen: job.variables.amountFen as number };
        },
      },
    });
    await t.deployFixture(import.meta, 'service-task.payment.bpmn');
  });
  after(() => t?.close());
  beforeEach(() => {
    calls.length = 0;
    failuresLeft = new Map();
  });

  const settled = (id: string) =>
    waitFor(async () => {
      const view = await t.engine.getInstance(id);
      return view.activeElementIds.includes('sendToBank') && view.incidents.every((i) => i.state !== 'open')
        ? undefined
        : view;
    }, 'the service task to finish or fail');

  it('should run the handler as a queue job and continue with its result', async function () {
    const instance = await t.engine.startInstance('serviceTaskPayment', {
      businessKey: 'P1',
      variables: { amountFen: 12345 },
    });
    assert.deepEqual(instance.activeElementIds, ['sendToBank']);
    const view = await settled(instance.id);
    assert.deepEqual(view.activeElementIds, ['confirm']);
    assert.equal(view.variables.bankSerialNo, 'B-P1');
    assert.equal(view.variables.sentAmountFen, 12345);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.elementId, 'sendToBank');
    assert.equal(calls[0]!.attempt, 1);
  });

  it('should retry with backoff and succeed within the retries', async function () {
    failuresLeft.set('P2', 2);
    const instance = await t.engine.startInstance('serviceTaskPayment', {
      businessKey: 'P2',
      variables: { amountFen: 1 },
    });
    const view = await settled(instance.id);
    assert.deepEqual(view.activeElementIds, ['confirm']);
    assert.deepEqual(
      calls.map((c) => c.attempt),
      [1, 2, 3],
    );
    const failed = (await t.engine.history(instance.id)).filter((h) => h.type === 'JOB_FAILED');
    assert.equal(failed.length, 2);
    assert.match(String(failed[0]!.data?.error), /bank front-end refused/);
  });

  it('should raise an incident after the last retry, and run again when the incident is retried', async function () {
    // given a handler that fails 3 times (retries = 3)
    failuresLeft.set('P3', 3);
    const instance = await t.engine.startInstance('serviceTaskPayment', {
      businessKey: 'P3',
      variables: { amountFen: 1 },
    });
    const parked = await waitFor(async () => {
      const view = await t.engine.getInstance(instance.id);
      return view.incidents.find((i) => i.state === 'open') ? view : undefined;
    }, 'an incident');
    const incident = parked.incidents[0]!;
    assert.equal(incident.code, 'JOB_FAILED');
    assert.equal(incident.elementId, 'sendToBank');
    assert.match(incident.message, /sendToBank failed after 3 attempt/);
    assert.equal(calls.length, 3);

    // when
    await t.engine.retryIncident(incident.id, { actor: 'ops' });

    // then
    const view = await settled(instance.id);
    assert.deepEqual(view.activeElementIds, ['confirm']);
    assert.equal(calls.length, 4);
    assert.equal(view.incidents[0]!.state, 'resolved');
  });

  it('should raise NO_HANDLER at once when no handler is registered for the task type', async function () {
    const xml = (await import('node:fs'))
      .readFileSync(new URL('service-task.payment.bpmn', import.meta.url), 'utf8')
      .replace('serviceTaskPayment', 'serviceTaskUnknown')
      .replace('bank.send', 'bank.unknown');
    await t.engine.deploy(xml);
    const instance = await t.engine.startInstance('serviceTaskUnknown');
    const view = await waitFor(async () => {
      const v = await t.engine.getInstance(instance.id);
      return v.incidents.length > 0 ? v : undefined;
    }, 'an incident');
    assert.equal(view.incidents[0]!.code, 'NO_HANDLER');
    assert.match(view.incidents[0]!.message, /bank\.unknown/);
  });

  it('should drop the job when the instance is canceled', async function () {
    failuresLeft.set('P5', 100);
    const instance = await t.engine.startInstance('serviceTaskPayment', {
      businessKey: 'P5',
      variables: { amountFen: 1 },
    });
    const canceled = await t.engine.cancelInstance(instance.id, { actor: 'admin', reason: '申请撤销' });
    assert.equal(canceled.status, 'canceled');
    assert.equal(canceled.endReason, '申请撤销');
    assert.deepEqual(canceled.activeElementIds, []);
    const jobs = await t.infrastructure.knex('jobs').where({ instance_id: instance.id });
    assert.deepEqual(
      jobs.map((j: { state: string }) => j.state),
      ['canceled'],
    );
    await assert.rejects(t.engine.cancelInstance(instance.id), { code: 'INVALID_STATE' });
  });
});
