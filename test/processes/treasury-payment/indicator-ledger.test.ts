/**
 * The indicator ledger on real databases: conditional updates under a 1,000-way race on one indicator (MariaDB,
 * 20 connections), the CHECK constraints, idempotent effect keys, exact restoration on 退票, and a model test of
 * random reserve/consume/release/refund sequences against an in-memory ledger.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Knex } from 'knex';
import {
  IndicatorLedger,
  InsufficientBalanceError,
} from '../../../processes/treasury-payment/indicator-ledger.js';
import { checkInvariants } from '../../../server/check/index.js';
import { forEachBackend } from '../../helpers/engine-harness.js';
import { TEST_INDICATOR_LINE } from '../../helpers/indicator-line.js';
import { openMigratedDatabase } from '../../helpers/migrated-database.js';

const LINE = TEST_INDICATOR_LINE;

/** allocated = available + reserved + consumed, nothing negative, and the entries add up to the balances. */
async function assertConsistent(ledger: IndicatorLedger, id: string): Promise<void> {
  const ind = (await ledger.get(id))!;
  assert.ok(ind.availableFen >= 0 && ind.reservedFen >= 0 && ind.consumedFen >= 0, 'nothing negative');
  assert.equal(ind.allocatedFen, ind.availableFen + ind.reservedFen + ind.consumedFen, 'balanced');
  const sums = { allocate: 0, reserve: 0, release: 0, consume: 0, refund: 0 };
  for (const e of await ledger.entries(id)) sums[e.kind] += e.amountFen;
  assert.equal(sums.allocate, ind.allocatedFen, 'allocation entry');
  assert.equal(sums.reserve - sums.release - sums.consume, ind.reservedFen, 'entries give reserved');
  assert.equal(sums.consume - sums.refund, ind.consumedFen, 'entries give consumed');
  assert.equal(
    sums.allocate - sums.reserve + sums.release + sums.refund,
    ind.availableFen,
    'entries give available',
  );
}

forEachBackend('treasury-payment/indicator ledger', (backend) => {
  let db: { knex: Knex; close(): Promise<void> };
  let ledger: IndicatorLedger;
  before(async function () {
    this.timeout(60_000);
    db = await openMigratedDatabase(backend, 20);
    ledger = new IndicatorLedger(db.knex);
  });
  after(() => db?.close());

  it('should reserve, consume, release and refund with one entry each, and refuse what the balance lacks', async function () {
    const ind = await ledger.register({ ...LINE, allocatedFen: 1_000_000 });
    await ledger.reserve({ indicatorId: ind.id, amountFen: 600_000, paymentRef: 'p1', effectKey: 'p1:r' });
    await assert.rejects(
      ledger.reserve({ indicatorId: ind.id, amountFen: 400_001, paymentRef: 'p2', effectKey: 'p2:r' }),
      (err: unknown) =>
        err instanceof InsufficientBalanceError && err.balanceFen === 400_000 && err.amountFen === 400_001,
    );
    assert.equal((await ledger.entriesOfPayment('p2')).length, 0, 'a refused reservation leaves no entry');
    await ledger.consume({ indicatorId: ind.id, amountFen: 600_000, paymentRef: 'p1', effectKey: 'p1:c' });
    assert.deepEqual(await ledger.holdings('p1'), [
      { indicatorId: ind.id, reservedFen: 0, consumedFen: 600_000 },
    ]);
    await assert.rejects(
      ledger.release({ indicatorId: ind.id, amountFen: 1, paymentRef: 'p1', effectKey: 'p1:x' }),
      InsufficientBalanceError,
    );
    // 资金退回 after payment restores the line exactly
    await ledger.refundToAvailable({
      indicatorId: ind.id,
      amountFen: 600_000,
      paymentRef: 'p1',
      effectKey: 'p1:refund',
    });
    const after = (await ledger.get(ind.id))!;
    assert.deepEqual(
      [after.availableFen, after.reservedFen, after.consumedFen],
      [1_000_000, 0, 0],
      'available back to its value before',
    );
    assert.deepEqual(
      (await ledger.entries(ind.id)).map((e) => e.kind),
      ['allocate', 'reserve', 'consume', 'refund'],
    );
    await assertConsistent(ledger, ind.id);
  });

  it('should apply an effect key once: a retry, even concurrent, is a no-op; reusing it for another movement is refused', async function () {
    const ind = await ledger.register({ ...LINE, allocatedFen: 500_000 });
    const move = { indicatorId: ind.id, amountFen: 100_000, paymentRef: 'p', effectKey: 'p:job1:reserve' };
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => ledger.reserve(move)));
    assert.equal(results.filter((r) => r.applied).length, 1, 'exactly one applied');
    assert.equal(new Set(results.map((r) => r.entry.id)).size, 1, 'all report the same entry');
    assert.equal((await ledger.get(ind.id))!.reservedFen, 100_000);
    assert.equal((await ledger.reserve(move)).applied, false);
    await assert.rejects(ledger.reserve({ ...move, amountFen: 1 }), { code: 'EFFECT_KEY_CONFLICT' });
    await assertConsistent(ledger, ind.id);
  });

  it('should refuse by CHECK constraint what would unbalance or overdraw a row, whatever the code does', async function () {
    const ind = await ledger.register({ ...LINE, allocatedFen: 100 });
    await assert.rejects(db.knex('treasury_indicators').where({ id: ind.id }).update({ available_fen: -1 }));
    await assert.rejects(db.knex('treasury_indicators').where({ id: ind.id }).update({ reserved_fen: 5 }));
    assert.equal((await ledger.get(ind.id))!.availableFen, 100);
  });

  it('should never overdraw under concurrent reservations: 1,000 racing for about twice the balance', async function () {
    this.timeout(120_000);
    const initial = 25_000_000;
    const ind = await ledger.register({ ...LINE, allocatedFen: initial });
    // amounts 1…99,999 分 in a fixed pseudo-random pattern; total about twice the balance
    const amounts = Array.from({ length: 1000 }, (_, i) => 1 + ((i * 7919 + 13) % 99_999));
    const demand = amounts.reduce((a, b) => a + b, 0);
    assert.ok(demand > 1.8 * initial && demand < 2.2 * initial, `demand ${demand}`);
    const accepted: number[] = [];
    let refused = 0;
    const batch = backend === 'mysql' ? 100 : 250;
    for (let from = 0; from < amounts.length; from += batch) {
      const outcomes = await Promise.allSettled(
        amounts.slice(from, from + batch).map((amountFen, k) =>
          ledger.reserve({
            indicatorId: ind.id,
            amountFen,
            paymentRef: `race-${from + k}`,
            effectKey: `race-${from + k}:reserve`,
          }),
        ),
      );
      for (const [k, o] of outcomes.entries()) {
        if (o.status === 'fulfilled') accepted.push(amounts[from + k]!);
        else if (o.reason instanceof InsufficientBalanceError) refused++;
        else throw o.reason;
      }
      await assertConsistent(ledger, ind.id);
    }
    const state = (await ledger.get(ind.id))!;
    const sumAccepted = accepted.reduce((a, b) => a + b, 0);
    assert.equal(accepted.length + refused, 1000);
    assert.ok(refused > 0, 'demand exceeded the balance, so some were refused');
    assert.equal(state.availableFen, initial - sumAccepted, 'available = initial − accepted, exactly');
    assert.equal(state.reservedFen, sumAccepted);
    // retrying every accepted effect applies nothing
    const retries = await Promise.all(
      amounts.slice(0, 200).map((amountFen, i) =>
        ledger
          .reserve({
            indicatorId: ind.id,
            amountFen,
            paymentRef: `race-${i}`,
            effectKey: `race-${i}:reserve`,
          })
          .then((r) => r.applied)
          .catch((err: unknown) =>
            err instanceof InsufficientBalanceError ? 'refused' : Promise.reject(err),
          ),
      ),
    );
    assert.ok(!retries.includes(true), 'no retry applied twice');
    assert.equal((await ledger.get(ind.id))!.availableFen, initial - sumAccepted);
    // 退票 for every accepted one: the indicator is whole again
    const holders = await db.knex('treasury_ledger_entries').where({ indicator_id: ind.id, kind: 'reserve' });
    for (let i = 0; i < holders.length; i += batch) {
      await Promise.all(
        holders.slice(i, i + batch).map((h: { payment_ref: string; amount_fen: unknown }) =>
          ledger.release({
            indicatorId: ind.id,
            amountFen: Number(h.amount_fen),
            paymentRef: h.payment_ref,
            effectKey: `${h.payment_ref}:refund-release`,
          }),
        ),
      );
    }
    const restored = (await ledger.get(ind.id))!;
    assert.deepEqual([restored.availableFen, restored.reservedFen, restored.consumedFen], [initial, 0, 0]);
    await assertConsistent(ledger, ind.id);
    const results = await checkInvariants(db.knex);
    assert.deepEqual(
      results.filter((r) => !r.ok),
      [],
    );
  });

  it('should agree with an in-memory model on random sequences of movements (fast-check)', async function () {
    this.timeout(120_000);
    type Op = { kind: 'reserve' | 'consume' | 'release' | 'refund'; amount: number; retry: boolean };
    const opArb: fc.Arbitrary<Op> = fc.record({
      kind: fc.constantFrom('reserve', 'consume', 'release', 'refund'),
      amount: fc.integer({ min: 1, max: 4_000 }),
      retry: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 10_000 }),
        fc.array(opArb, { maxLength: 25 }),
        async (alloc, ops) => {
          const ind = await ledger.register({ ...LINE, allocatedFen: alloc });
          const model = { available: alloc, reserved: 0, consumed: 0 };
          const take: Record<Op['kind'], [keyof typeof model, keyof typeof model]> = {
            reserve: ['available', 'reserved'],
            consume: ['reserved', 'consumed'],
            release: ['reserved', 'available'],
            refund: ['consumed', 'available'],
          };
          for (const [i, op] of ops.entries()) {
            const movement = {
              indicatorId: ind.id,
              amountFen: op.amount,
              paymentRef: 'm',
              effectKey: `${ind.id}:${i}`,
            };
            const run = () =>
              op.kind === 'reserve'
                ? ledger.reserve(movement)
                : op.kind === 'consume'
                  ? ledger.consume(movement)
                  : op.kind === 'release'
                    ? ledger.release(movement)
                    : ledger.refundToAvailable(movement);
            const [from, to] = take[op.kind];
            const fits = model[from] >= op.amount;
            if (fits) {
              assert.equal((await run()).applied, true);
              model[from] -= op.amount;
              model[to] += op.amount;
              if (op.retry) assert.equal((await run()).applied, false, 'a retry applies nothing');
            } else {
              await assert.rejects(run(), InsufficientBalanceError);
            }
          }
          const state = (await ledger.get(ind.id))!;
          assert.deepEqual(
            { available: state.availableFen, reserved: state.reservedFen, consumed: state.consumedFen },
            model,
          );
          await assertConsistent(ledger, ind.id);
        },
      ),
      { numRuns: backend === 'mysql' ? 40 : 100 },
    );
  });
});
