import assert from 'node:assert/strict';
import {
  createTestEngine,
  forEachBackend,
  type TestEngine,
  TestClock,
} from '../../../../helpers/engine-harness.js';

forEachBackend('runtime/events/messages', (backend) => {
  let t: TestEngine;
  let clock: TestClock;
  beforeEach(async function () {
    clock = new TestClock();
    t = await createTestEngine(backend, { clock });
    await t.deployFixture(import.meta, 'messages.payment-receipt.bpmn');
    await t.deployFixture(import.meta, 'messages.start-and-throw.bpmn');
  });
  afterEach(() => t?.close());

  const startPayment = async (voucherNo: string) => {
    const instance = await t.engine.startInstance('paymentReceipt', { variables: { voucherNo } });
    return instance.id;
  };

  it('should correlate by name and correlation key, set the variables and move on', async function () {
    // given two payments waiting for their bank receipt
    const a = await startPayment('ZF-001');
    const b = await startPayment('ZF-002');
    await t.complete(a, 'review');
    await t.complete(b, 'review');

    // when the bank's receipt for ZF-002 arrives
    const result = await t.engine.correlateMessage('bankReceipt', {
      correlationKey: 'ZF-002',
      variables: { paidFen: 123456 },
    });

    // then only that instance moves
    assert.deepEqual(result, { messageId: result.messageId, outcome: 'correlated', instanceId: b });
    const viewB = await t.engine.getInstance(b);
    assert.deepEqual(viewB.activeElementIds, ['waitRefundWindow']);
    assert.equal(viewB.variables.paidFen, 123456);
    assert.deepEqual((await t.engine.getInstance(a)).activeElementIds, ['waitReceipt']);

    // and the receive task takes the next message
    await t.engine.correlateMessage('bankRefund', { correlationKey: 'ZF-002' });
    assert.equal((await t.engine.getInstance(b)).status, 'completed');
  });

  it('should be idempotent by message id', async function () {
    const a = await startPayment('ZF-010');
    await t.complete(a, 'review');
    const first = await t.engine.correlateMessage('bankReceipt', {
      correlationKey: 'ZF-010',
      messageId: 'bank-msg-1',
    });
    const again = await t.engine.correlateMessage('bankReceipt', {
      correlationKey: 'ZF-010',
      messageId: 'bank-msg-1',
    });
    assert.deepEqual(again, first);
    const correlated = (await t.engine.history(a)).filter((h) => h.type === 'MESSAGE_CORRELATED');
    assert.equal(correlated.length, 1);
    assert.deepEqual((await t.engine.getInstance(a)).activeElementIds, ['waitRefundWindow']);
  });

  it('should buffer a message that arrives before its subscription, then correlate it when the subscription opens', async function () {
    // given the receipt arrives while the payment is still in review
    const a = await startPayment('ZF-020');
    const early = await t.engine.correlateMessage('bankReceipt', { correlationKey: 'ZF-020', ttlMs: 60_000 });
    assert.equal(early.outcome, 'buffered');

    // when the payment reaches the catch event
    await t.complete(a, 'review');

    // then the buffered receipt is consumed at once
    assert.deepEqual((await t.engine.getInstance(a)).activeElementIds, ['waitRefundWindow']);
    const [message] = await t.engine.listMessages({ name: 'bankReceipt' });
    assert.equal(message!.state, 'correlated');
    assert.equal(message!.instanceId, a);
  });

  it('should report a message that matches nothing, and expire buffered ones after their time-to-live', async function () {
    await assert.rejects(t.engine.correlateMessage('bankReceipt', { correlationKey: 'NOPE', ttlMs: 0 }), {
      code: 'MESSAGE_NOT_CORRELATED',
      message: /bankReceipt with correlation key NOPE/,
    });
    assert.equal((await t.engine.listMessages({ state: 'unmatched' })).length, 1);
    await t.engine.correlateMessage('bankReceipt', { correlationKey: 'LATER', ttlMs: 1000 });
    clock.advance(1001);
    assert.deepEqual(await t.engine.sweepMessages(), { expired: 1, correlated: 0 });
    assert.equal((await t.engine.listMessages({ state: 'expired' })).length, 1);
  });

  it('should interrupt on a message boundary event and not on a non-interrupting one', async function () {
    const a = await startPayment('ZF-030');
    await t.engine.correlateMessage('urge', { correlationKey: 'ZF-030' });
    await t.engine.correlateMessage('urge', { correlationKey: 'ZF-030' });
    let view = await t.engine.getInstance(a);
    assert.deepEqual(view.activeElementIds, ['review'], 'urging leaves the task open');
    assert.equal(
      (await t.engine.history(a)).filter((h) => h.type === 'ELEMENT_COMPLETED' && h.elementId === 'urgedEnd')
        .length,
      2,
    );
    await t.engine.correlateMessage('cancelPayment', { correlationKey: 'ZF-030' });
    view = await t.engine.getInstance(a);
    assert.equal(view.status, 'completed');
    assert.ok(view.completedElementIds.includes('canceledEnd'));
    assert.equal((await t.engine.listTasks({ instanceId: a, state: 'canceled' })).length, 1);
    const subscriptions = await t.infrastructure.knex('event_subscriptions').where({ instance_id: a });
    assert.deepEqual(subscriptions, [], 'the other boundary subscriptions are closed with the task');
  });

  it('should start an instance from a message start event, and publish a message end event to correlation', async function () {
    // given a payment waiting for its receipt
    const payment = await startPayment('ZF-040');
    await t.complete(payment, 'review');

    // when a payment notice arrives (message start)
    const started = await t.engine.correlateMessage('paymentNotice', {
      correlationKey: 'ZF-040',
      variables: { voucherNo: 'ZF-040' },
    });
    assert.equal(started.outcome, 'started');
    const notice = await t.engine.getInstance(started.instanceId!);
    assert.equal(notice.businessKey, 'ZF-040');
    await t.complete(notice.id, 'pay', { paidFen: 88_800 });

    // then its message end event becomes a job that correlates the receipt to the payment
    assert.equal((await t.engine.getInstance(notice.id)).status, 'completed');
    assert.deepEqual((await t.engine.getInstance(payment)).activeElementIds, ['waitReceipt']);
    await t.runPendingJobs();
    const paid = await t.engine.getInstance(payment);
    assert.deepEqual(paid.activeElementIds, ['waitRefundWindow']);
    assert.equal(paid.variables.paidFen, 88_800, 'the payload of the thrown message arrives with it');
  });
});
