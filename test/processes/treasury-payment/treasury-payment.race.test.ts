/**
 * The ledger race through the engine on MariaDB + Redis: 100 payment applications against one indicator, started
 * at once, with total demand about twice the balance. The Bull workers run B4 concurrently; every application ends
 * either reserved (waiting for its approval) or back at the unit with nothing reserved, and the books balance;
 * the invariant checker (I1–I6) is clean afterwards (reliability.md §6.11).
 */
import assert from 'node:assert/strict';
import { checkInvariants } from '../../../server/check/index.js';
import { waitFor } from '../../helpers/engine-harness.js';
import {
  application,
  apply,
  newIndicator,
  openTreasuryTest,
  type TreasuryTest,
} from './treasury-payment-helpers.js';

describe('treasury-payment/ledger race through the engine [MariaDB + Bull]', function () {
  this.timeout(120_000);
  let ctx: TreasuryTest;
  before(async function () {
    ctx = await openTreasuryTest();
  });
  after(() => ctx?.close());

  it('should accept exactly what the indicator covers among 100 concurrent payments', async function () {
    const amounts = Array.from({ length: 100 }, (_, i) => 100_000 + ((i * 37) % 50) * 2_000);
    const demand = amounts.reduce((a, b) => a + b, 0);
    const initial = Math.floor(demand / 2);
    const ind = await newIndicator(ctx, initial);
    const ids = await Promise.all(amounts.map((amount) => apply(ctx, application(ind.id, amount))));
    // every application settles: reserved and at the unit chief, or refused and back at B3
    const where = await waitFor(
      async () => {
        const open = await ctx.t.engine.listTasks({ processKey: 'treasuryPayment', state: 'created' });
        const at = new Map(
          open.filter((x) => ids.includes(x.instanceId)).map((x) => [x.instanceId, x.elementId]),
        );
        return at.size === ids.length ? at : undefined;
      },
      'all 100 applications to settle',
      90_000,
      200,
    );
    const accepted = ids.filter((id) => where.get(id) === 'B5_unitChief');
    const refused = ids.filter((id) => where.get(id) === 'B3_apply');
    assert.equal(accepted.length + refused.length, 100);
    assert.ok(
      refused.length > 0 && accepted.length > 0,
      `${accepted.length} accepted, ${refused.length} refused`,
    );
    const acceptedSum = accepted.reduce((sum, id) => sum + amounts[ids.indexOf(id)]!, 0);
    const state = (await ctx.ledger.get(ind.id))!;
    assert.equal(state.reservedFen, acceptedSum);
    assert.equal(state.availableFen, initial - acceptedSum, 'available = initial − accepted, exactly');
    assert.ok(state.availableFen >= 0);
    assert.equal(state.allocatedFen, state.availableFen + state.reservedFen + state.consumedFen);
    // every refused one was refused for lack of balance: smaller than nothing left would have been accepted
    assert.ok(
      refused.every((id) => amounts[ids.indexOf(id)]! > state.availableFen),
      'nothing was refused that the final balance could still cover',
    );
    for (const id of refused)
      assert.deepEqual(await ctx.ledger.entriesOfPayment(id), [], 'refused: no entry');
    const entries = await ctx.ledger.entries(ind.id);
    assert.equal(
      entries.filter((e) => e.kind === 'reserve').reduce((a, e) => a + e.amountFen, 0),
      acceptedSum,
      'entries sum to the balances',
    );
    const results = await checkInvariants(ctx.t.services.knex, { now: ctx.clock.now() });
    assert.deepEqual(
      results.filter((r) => !r.ok),
      [],
    );
  });
});
