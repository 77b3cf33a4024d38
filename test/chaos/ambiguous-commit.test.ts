/**
 * Reliability plan §6 item 6, ambiguous commit on payments: the fault proxy lets each of 100 indicator
 * reservations commit on MariaDB and then cuts the client's connection before the OK arrives. The client sees a
 * retryable "connection lost", retries the same effect key over a healthy connection, and gets the original entry
 * back: each reservation is applied exactly once, and the indicator balances (I4).
 */
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import {
  connectDatabase,
  dropMysqlDatabase,
  ensureMysqlDatabase,
  migrateLatest,
} from '../../engine/adapters/index.js';
import { isTransientDatabaseError } from '../../engine/adapters/knex/knex-process-store.js';
import {
  IndicatorLedger,
  type Indicator,
  type Movement,
  type MovementResult,
} from '../../processes/treasury-payment/indicator-ledger.js';
import { MYSQL_ROOT_URL, uniqueName } from '../helpers/engine-harness.js';
import { FaultProxy, seededRandom } from './fault-proxy.js';
import { TEST_INDICATOR_LINE } from '../helpers/indicator-line.js';

const PAYMENTS = 100;

/** allocated = available + reserved + consumed, nothing negative, and the ledger entries add up to each part. */
async function assertBalanced(ledger: IndicatorLedger, id: string, context: string): Promise<Indicator> {
  const ind = (await ledger.get(id))!;
  assert.ok(
    ind.availableFen >= 0 && ind.reservedFen >= 0 && ind.consumedFen >= 0,
    `negative part (${context})`,
  );
  assert.equal(ind.allocatedFen, ind.availableFen + ind.reservedFen + ind.consumedFen, context);
  const sums = { allocate: 0, reserve: 0, release: 0, consume: 0, refund: 0 };
  for (const e of await ledger.entries(id)) sums[e.kind] += e.amountFen;
  assert.equal(
    sums.reserve - sums.release - sums.consume,
    ind.reservedFen,
    `entries give reserved (${context})`,
  );
  assert.equal(sums.consume - sums.refund, ind.consumedFen, `entries give consumed (${context})`);
  return ind;
}

describe('chaos/ambiguous commit on payments [MariaDB through the fault proxy]', function () {
  const databaseUrl = `${MYSQL_ROOT_URL}/${uniqueName('fbpm_amb')}`;
  let proxy: FaultProxy;
  let direct: Knex;
  let viaProxy: Knex;
  before(async function () {
    this.timeout(30_000);
    await ensureMysqlDatabase(databaseUrl);
    direct = connectDatabase({ url: databaseUrl, poolMax: 4 });
    await migrateLatest(direct);
    proxy = await FaultProxy.startForMysql(MYSQL_ROOT_URL);
    viaProxy = connectDatabase({ url: proxy.urlThrough(databaseUrl), poolMax: 4 });
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(`    fault proxy: ${proxy.describe()}`);
  });
  after(async function () {
    await viaProxy?.destroy();
    await direct?.destroy();
    await proxy?.close();
    await dropMysqlDatabase(databaseUrl);
  });

  it('should apply each of 100 reservations whose COMMIT OK was lost exactly once, the same-key retry returning the original entry', async function () {
    this.timeout(60_000);
    const random = seededRandom(proxy.seed);
    const healthy = new IndicatorLedger(direct);
    const faulty = new IndicatorLedger(viaProxy);
    const indicator = await healthy.register({
      ...TEST_INDICATOR_LINE,
      allocatedFen: 100_000_000,
    });

    let expectedFen = 0;
    const errors: string[] = [];
    for (let i = 0; i < PAYMENTS; i++) {
      const movement: Movement = {
        indicatorId: indicator.id,
        amountFen: 100 + Math.floor(random() * 99_900),
        paymentRef: `pay-${i}`,
        effectKey: `pay-${i}:reserve`,
      };
      expectedFen += movement.amountFen;

      // when the COMMIT of the reservation reaches the server but its OK never reaches the client
      proxy.dropAfterCommit();
      const failure = await faulty.reserve(movement).then(
        (r: MovementResult) => r,
        (err: unknown) => err as Error & { code?: string },
      );
      await proxy.commitDropsDone();

      // then the client got a retryable error, not a result
      assert.ok(failure instanceof Error, `reservation ${i} reported success although its OK was dropped`);
      assert.ok(isTransientDatabaseError(failure), `reservation ${i}: not retryable: ${String(failure)}`);
      errors.push(String(failure.code));

      // and the retry with the same effect key (over a healthy connection) finds the committed entry
      const retry = await healthy.reserve(movement);
      assert.equal(retry.applied, false, `the retry of reservation ${i} debited the indicator again`);
      const stored = await healthy.entriesOfPayment(movement.paymentRef);
      assert.equal(stored.length, 1, `reservation ${i} has ${stored.length} entries`);
      assert.deepEqual(retry.entry, stored[0]);
      assert.equal(retry.entry.amountFen, movement.amountFen);
      assert.equal(retry.entry.kind, 'reserve');

      // and a second retry through the proxy's pool (its broken connection replaced) says the same
      const again = await faulty.reserve(movement);
      assert.deepEqual(again, retry);
    }

    // then exactly 100 reserve entries, and the reserved amount is their sum: exactly once each
    const entries = await healthy.entries(indicator.id);
    const reserves = entries.filter((e) => e.kind === 'reserve');
    assert.equal(reserves.length, PAYMENTS);
    assert.equal(new Set(reserves.map((e) => e.effectKey)).size, PAYMENTS);
    const after = await assertBalanced(healthy, indicator.id, 'after the reservations');
    assert.equal(after.reservedFen, expectedFen);
    assert.equal(after.availableFen, 100_000_000 - expectedFen);
    assert.equal(proxy.stats.commitsDropped, PAYMENTS, proxy.describe());
    console.log(
      `      ${PAYMENTS} commits dropped; client errors: ${JSON.stringify(countBy(errors))}; ${proxy.describe()}`,
    );
  });

  it('should also settle 20 payments (consume) exactly once when their COMMIT OK is lost', async function () {
    this.timeout(30_000);
    const healthy = new IndicatorLedger(direct);
    const faulty = new IndicatorLedger(viaProxy);
    const [row] = await direct('treasury_indicators').select('id');
    const id = String((row as { id: string }).id);
    const before = (await healthy.get(id))!;
    let consumedFen = 0;
    for (let i = 0; i < 20; i++) {
      const [reserved] = await healthy.entriesOfPayment(`pay-${i}`);
      const movement: Movement = {
        indicatorId: id,
        amountFen: reserved!.amountFen,
        paymentRef: `pay-${i}`,
        effectKey: `pay-${i}:consume`,
      };
      consumedFen += movement.amountFen;
      proxy.dropAfterCommit();
      await assert.rejects(faulty.consume(movement), (err: unknown) => isTransientDatabaseError(err));
      await proxy.commitDropsDone();
      const retry = await healthy.consume(movement);
      assert.equal(retry.applied, false, `the retried consume of payment ${i} applied twice`);
      assert.deepEqual(await healthy.holdings(`pay-${i}`), [
        { indicatorId: id, reservedFen: 0, consumedFen: movement.amountFen },
      ]);
    }
    const after = await assertBalanced(healthy, id, 'after the settlements');
    assert.equal(after.consumedFen, before.consumedFen + consumedFen);
    assert.equal(after.reservedFen, before.reservedFen - consumedFen);
  });
});

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
