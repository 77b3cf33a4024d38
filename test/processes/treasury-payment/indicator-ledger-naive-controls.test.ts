/**
 * The controls of the single-indicator payment race (reliability.md §6.11): the same 1,000-way race for about twice
 * the balance, run with the two naive implementations the ledger avoids, on a scratch table without the CHECK
 * constraints. Each must visibly fail, which shows that the race test (indicator-ledger.test.ts) can catch what it
 * claims to: read-modify-write with the value read (`SET available = <read> − amount`) loses updates, so the books
 * drift from the accepted sum; check-then-act (`SELECT`, then `SET available = available − amount`) overdraws.
 * The real ledger's conditional UPDATE is the fix for both.
 */
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { connectDatabase, dropMysqlDatabase, ensureMysqlDatabase } from '../../../engine/adapters/index.js';
import { mapLimit } from '../../helpers/bpmn-builder.js';
import { MYSQL_ROOT_URL, uniqueName } from '../../helpers/engine-harness.js';

const PAYMENTS = 1000;
const INITIAL_FEN = 25_000_000;
const AMOUNTS = Array.from({ length: PAYMENTS }, (_, i) => 1 + ((i * 7919 + 13) % 99_999));

describe('treasury-payment/naive ledger controls fail the payment race [MariaDB]', function () {
  let knex: Knex;
  let url: string;
  before(async function () {
    this.timeout(60_000);
    url = `${MYSQL_ROOT_URL}/${uniqueName('fbpm_n')}`;
    await ensureMysqlDatabase(url);
    knex = connectDatabase({ url, poolMax: 20 });
    await knex.schema.createTable('naive_indicator', (t) => {
      t.integer('id').primary();
      t.bigInteger('available_fen').notNullable();
    });
  });
  after(async function () {
    await knex?.destroy();
    await dropMysqlDatabase(url);
  });

  /** Runs the race with `pay`, returning the final balance and the sum of the payments it accepted. */
  async function race(pay: (amountFen: number) => Promise<boolean>) {
    await knex('naive_indicator').delete();
    await knex('naive_indicator').insert({ id: 1, available_fen: INITIAL_FEN });
    const outcomes = await mapLimit(AMOUNTS, 40, pay);
    const acceptedFen = outcomes.reduce(
      (sum, o, i) => sum + (o.status === 'fulfilled' && o.value ? AMOUNTS[i]! : 0),
      0,
    );
    const row = await knex('naive_indicator').where({ id: 1 }).first();
    return { finalFen: Number(row.available_fen), acceptedFen };
  }

  const read = async () => Number((await knex('naive_indicator').where({ id: 1 }).first()).available_fen);

  it('read-modify-write with the value read loses updates: the balance drifts from initial − accepted', async function () {
    this.timeout(60_000);
    const { finalFen, acceptedFen } = await race(async (amountFen) => {
      const available = await read();
      if (available < amountFen) return false;
      await knex('naive_indicator')
        .where({ id: 1 })
        .update({ available_fen: available - amountFen });
      return true;
    });
    const drift = finalFen - (INITIAL_FEN - acceptedFen);
    assert.notEqual(drift, 0, 'the naive read-modify-write kept the books (the race did not happen)');
    console.log(`      naive read-modify-write: drift ${drift} 分`);
  });

  it('check-then-act overdraws: the balance goes negative', async function () {
    this.timeout(60_000);
    const { finalFen } = await race(async (amountFen) => {
      if ((await read()) < amountFen) return false;
      await knex('naive_indicator')
        .where({ id: 1 })
        .update({ available_fen: knex.raw('available_fen - ?', [amountFen]) });
      return true;
    });
    assert.ok(finalFen < 0, `the naive check-then-act did not overdraw (final ${finalFen} 分)`);
    console.log(`      naive check-then-act: final balance ${finalFen} 分`);
  });
});
