/**
 * Reserve / consume / release / reject as a fast-check `commands` model (reliability.md §6.13) on MariaDB: random
 * sequences of payments drawing on one indicator — reserve (held in 在途), consume what a payment holds (the bank
 * paid), release it (退回), a reservation over the balance rejected, a retried effect key, and two payments
 * reserving concurrently — run against IndicatorLedger and an in-memory model. After every step the indicator's
 * balances equal the model's and the checker's I3 and I4 hold (allocated = available + reserved + consumed, each ≥ 0
 * and equal to the ledger sums; no payment consumed or released more than it reserved). fast-check prints the
 * shrunk sequence on failure. The suite runs 30 sequences (about 15 s); LEDGER_COMMAND_RUNS=10000 for the plan's run.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Knex } from 'knex';
import {
  IndicatorLedger,
  InsufficientBalanceError,
} from '../../../processes/treasury-payment/indicator-ledger.js';
import { effectKeys } from '../../../server/check/effect-keys.js';
import { indicatorBalances } from '../../../server/check/indicator-balances.js';
import { TEST_INDICATOR_LINE } from '../../helpers/indicator-line.js';
import { openMigratedDatabase } from '../../helpers/migrated-database.js';

const RUNS = Number(process.env.LEDGER_COMMAND_RUNS ?? 30);
const PAYMENTS = ['p1', 'p2', 'p3', 'p4'] as const;
type Payment = (typeof PAYMENTS)[number];

const LINE = TEST_INDICATOR_LINE;

/** What the indicator and each payment should hold. */
interface Model {
  available: number;
  reserved: number;
  consumed: number;
  held: Record<Payment, number>;
  /** Effect keys applied, with their movement, for retries. */
  applied: Array<{
    kind: 'reserve' | 'consume' | 'release';
    payment: Payment;
    amountFen: number;
    key: string;
  }>;
}

interface Real {
  readonly ledger: IndicatorLedger;
  readonly knex: Knex;
  readonly indicatorId: string;
  readonly run: string;
  step: number;
}

type LedgerCommand = fc.AsyncCommand<Model, Real>;

function movement(real: Real, payment: Payment, amountFen: number, key: string) {
  return { indicatorId: real.indicatorId, amountFen, paymentRef: `${real.run}:${payment}`, effectKey: key };
}

class Reserve implements LedgerCommand {
  constructor(
    readonly payment: Payment,
    readonly amountFen: number,
  ) {}
  check = (m: Readonly<Model>) => m.available >= this.amountFen;
  async run(m: Model, r: Real) {
    const key = `${r.run}:${r.step++}:reserve`;
    assert.equal((await r.ledger.reserve(movement(r, this.payment, this.amountFen, key))).applied, true);
    m.available -= this.amountFen;
    m.reserved += this.amountFen;
    m.held[this.payment] += this.amountFen;
    m.applied.push({ kind: 'reserve', payment: this.payment, amountFen: this.amountFen, key });
  }
  toString = () => `reserve(${this.payment}, ${this.amountFen})`;
}

/** A reservation the available balance cannot cover: refused, nothing written. */
class Reject implements LedgerCommand {
  constructor(
    readonly payment: Payment,
    readonly overFen: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const key = `${r.run}:${r.step++}:reject`;
    await assert.rejects(
      r.ledger.reserve(movement(r, this.payment, m.available + this.overFen, key)),
      InsufficientBalanceError,
    );
    assert.equal(await r.knex('treasury_ledger_entries').where({ effect_key: key }).first(), undefined);
  }
  toString = () => `reject(${this.payment}, available + ${this.overFen})`;
}

/** Consume (the bank paid) or release (退回) everything the payment holds. */
class Settle implements LedgerCommand {
  constructor(
    readonly kind: 'consume' | 'release',
    readonly payment: Payment,
  ) {}
  check = (m: Readonly<Model>) => m.held[this.payment] > 0;
  async run(m: Model, r: Real) {
    const amountFen = m.held[this.payment];
    const key = `${r.run}:${r.step++}:${this.kind}`;
    const move = movement(r, this.payment, amountFen, key);
    const result = this.kind === 'consume' ? await r.ledger.consume(move) : await r.ledger.release(move);
    assert.equal(result.applied, true);
    m.reserved -= amountFen;
    if (this.kind === 'consume') m.consumed += amountFen;
    else m.available += amountFen;
    m.held[this.payment] = 0;
    m.applied.push({ kind: this.kind, payment: this.payment, amountFen, key });
  }
  toString = () => `${this.kind}(${this.payment})`;
}

/** The last applied effect again (a job delivered twice): applies nothing. */
class Retry implements LedgerCommand {
  check = (m: Readonly<Model>) => m.applied.length > 0;
  async run(m: Model, r: Real) {
    const last = m.applied.at(-1)!;
    const move = movement(r, last.payment, last.amountFen, last.key);
    const result =
      last.kind === 'reserve'
        ? await r.ledger.reserve(move)
        : last.kind === 'consume'
          ? await r.ledger.consume(move)
          : await r.ledger.release(move);
    assert.equal(result.applied, false, 'a retried effect applied again');
  }
  toString = () => 'retry(last)';
}

/** Two payments reserve at the same time; whatever fits is taken, never more than available. */
class ConcurrentReserves implements LedgerCommand {
  constructor(
    readonly a: Payment,
    readonly b: Payment,
    readonly amountA: number,
    readonly amountB: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const keys = [`${r.run}:${r.step++}:reserve`, `${r.run}:${r.step++}:reserve`];
    const asks = [
      { payment: this.a, amountFen: this.amountA, key: keys[0]! },
      { payment: this.b, amountFen: this.amountB, key: keys[1]! },
    ];
    const outcomes = await Promise.allSettled(
      asks.map((ask) => r.ledger.reserve(movement(r, ask.payment, ask.amountFen, ask.key))),
    );
    for (const o of outcomes)
      if (o.status === 'rejected') assert.ok(o.reason instanceof InsufficientBalanceError, String(o.reason));
    const won = asks.filter((_, i) => outcomes[i]!.status === 'fulfilled');
    const total = won.reduce((sum, ask) => sum + ask.amountFen, 0);
    assert.ok(total <= m.available, 'reserved more than was available');
    if (this.amountA + this.amountB <= m.available) assert.equal(won.length, 2, 'both fitted');
    else if (Math.min(this.amountA, this.amountB) <= m.available) assert.ok(won.length >= 1, 'one fitted');
    for (const ask of won) {
      m.available -= ask.amountFen;
      m.reserved += ask.amountFen;
      m.held[ask.payment] += ask.amountFen;
      m.applied.push({ kind: 'reserve', payment: ask.payment, amountFen: ask.amountFen, key: ask.key });
    }
  }
  toString = () => `concurrently(reserve(${this.a}, ${this.amountA}), reserve(${this.b}, ${this.amountB}))`;
}

describe('treasury-payment/indicator ledger as a commands model [MariaDB]', function () {
  let knex: Knex;
  let database: Awaited<ReturnType<typeof openMigratedDatabase>> | undefined;
  before(async function () {
    this.timeout(60_000);
    database = await openMigratedDatabase('mysql', 8);
    knex = database.knex;
  });
  after(() => database?.close());

  it(`should keep the ledger equal to the model and I3/I4 after every step (${RUNS} sequences)`, async function () {
    this.timeout(180_000);
    const ledger = new IndicatorLedger(knex);
    const payment = fc.constantFrom(...PAYMENTS);
    const amount = fc.integer({ min: 1, max: 30_000 });
    const commands = [
      fc.tuple(payment, amount).map(([p, a]) => new Reserve(p, a)),
      fc.tuple(payment, fc.integer({ min: 1, max: 1000 })).map(([p, o]) => new Reject(p, o)),
      payment.map((p) => new Settle('consume', p)),
      payment.map((p) => new Settle('release', p)),
      fc.constant(new Retry()),
      fc.tuple(payment, payment, amount, amount).map(([a, b, x, y]) => new ConcurrentReserves(a, b, x, y)),
    ];
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 100_000 }),
        fc.commands(commands, { maxCommands: 20 }),
        async (allocatedFen, cmds) => {
          const run = `r${++runs}`;
          const indicator = await ledger.register({ ...LINE, allocatedFen });
          const model: Model = {
            available: allocatedFen,
            reserved: 0,
            consumed: 0,
            held: { p1: 0, p2: 0, p3: 0, p4: 0 },
            applied: [],
          };
          const real: Real = { ledger, knex, indicatorId: indicator.id, run, step: 0 };
          // after every command: the balances are the model's, and the checker's I3 and I4 hold
          const checked = [...cmds].map((command) => ({
            check: (m: Readonly<Model>) => command.check(m),
            async run(m: Model, r: Real) {
              await command.run(m, r);
              const state = (await r.ledger.get(r.indicatorId))!;
              assert.deepEqual(
                [state.availableFen, state.reservedFen, state.consumedFen],
                [m.available, m.reserved, m.consumed],
                `balances after ${command.toString()}`,
              );
              const options = { horizonMs: 60_000, now: Date.now() };
              assert.deepEqual(
                await indicatorBalances.check(r.knex, options),
                [],
                `I4 after ${command.toString()}`,
              );
              assert.deepEqual(await effectKeys.check(r.knex, options), [], `I3 after ${command.toString()}`);
            },
            toString: () => command.toString(),
          }));
          await fc.asyncModelRun(() => ({ model, real }), checked);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
