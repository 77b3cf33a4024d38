/**
 * The budget indicator ledger (预算指标账): every payment draws down one indicator line (domain.md §2.0, B0/B4/B10/B12).
 *
 * An indicator's money is in exactly one of three states: `available` (free to spend), `reserved` (在途: held by a
 * payment under approval or at the bank) and `consumed` (paid out). `allocated = available + reserved + consumed`
 * always holds. The operations move money between the states:
 *
 * | operation           | from      | to        | when                                             |
 * |---------------------|-----------|-----------|--------------------------------------------------|
 * | `reserve`           | available | reserved  | B4 系统校验: the application passes the balance check |
 * | `consume`           | reserved  | consumed  | B10 回单: the bank paid                            |
 * | `release`           | reserved  | available | 退回 / 不予支付 / 禁止 / 退票 before payment          |
 * | `refundToAvailable` | consumed  | available | 资金退回 after payment (the payee's bank returned it) |
 *
 * Each operation is one transaction: a ledger entry with a unique effect key is inserted, then one conditional
 * UPDATE moves the money only if the source state holds enough (`… WHERE id = ? AND available_fen >= ?`). Two
 * payments racing for the last 分 cannot both win: the row lock serialises the UPDATEs and the second finds the
 * condition false. A retried operation (same effect key) finds its entry and applies nothing; the CHECK
 * constraints of the table (migrations/20261128101000_create_treasury_ledger.ts) back all this up.
 *
 * Not enough money is a business outcome (`InsufficientBalanceError`), which the process routes back to the unit.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { isUniqueViolation } from '../../engine/index.js';

/** An indicator line (预算指标) with its balances in 分. */
export interface Indicator {
  readonly id: string;
  readonly fiscalYear: number;
  /** 财政区划: the region whose finance bureau issued the indicator. */
  readonly mofDivCode: string;
  /** 预算单位 org code. */
  readonly agencyCode: string;
  readonly proCode: string;
  readonly proName: string;
  /** 支出功能分类 (类/款/项). */
  readonly expFuncCode: string;
  /** 部门支出经济分类. */
  readonly ecoCode: string;
  /** 资金性质. */
  readonly fundTypeCode: string;
  /** 直达资金. */
  readonly isDirectFund: boolean;
  /** 指标文号. */
  readonly bgtDocNo: string;
  readonly allocatedFen: number;
  readonly availableFen: number;
  readonly reservedFen: number;
  readonly consumedFen: number;
}

/** What 指标登记 (B0) needs: the line and its amount; it starts fully available. */
export type NewIndicator = Omit<Indicator, 'id' | 'availableFen' | 'reservedFen' | 'consumedFen'> & {
  readonly id?: string;
};

export const ENTRY_KINDS = ['allocate', 'reserve', 'release', 'consume', 'refund'] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

/** One movement of an indicator. */
export interface LedgerEntry {
  readonly id: number;
  readonly indicatorId: string;
  readonly kind: EntryKind;
  readonly amountFen: number;
  readonly paymentRef: string | null;
  readonly effectKey: string;
  readonly note: string | null;
  readonly at: number;
}

/** A movement to apply. The effect key names the effect, so a retry of the same effect applies nothing. */
export interface Movement {
  readonly indicatorId: string;
  readonly amountFen: number;
  readonly paymentRef: string;
  readonly effectKey: string;
  readonly note?: string;
}

/** The outcome of a movement: `applied` false when the effect key had been applied before. */
export interface MovementResult {
  readonly applied: boolean;
  readonly entry: LedgerEntry;
}

/** The source state of a movement holds less than the amount (e.g. 指标余额不足). */
export class InsufficientBalanceError extends Error {
  readonly code = 'INSUFFICIENT_BALANCE';
  constructor(
    readonly indicatorId: string,
    readonly kind: EntryKind,
    readonly amountFen: number,
    readonly balanceFen: number,
  ) {
    super(
      `Indicator ${indicatorId} holds ${balanceFen} 分 in the state ${kind} draws from, less than ${amountFen} 分`,
    );
    this.name = 'InsufficientBalanceError';
  }
}

/** The indicator does not exist. */
export class IndicatorNotFoundError extends Error {
  readonly code = 'INDICATOR_NOT_FOUND';
  constructor(readonly indicatorId: string) {
    super(`Indicator ${indicatorId} does not exist`);
    this.name = 'IndicatorNotFoundError';
  }
}

/** An effect key used before for a different movement: a programming error, never applied. */
export class EffectKeyConflictError extends Error {
  readonly code = 'EFFECT_KEY_CONFLICT';
  constructor(effectKey: string) {
    super(`Effect key ${effectKey} was already used for a different movement`);
    this.name = 'EffectKeyConflictError';
  }
}

/** Net amounts a payment holds on one indicator, from its entries. */
export interface PaymentHolding {
  readonly indicatorId: string;
  readonly reservedFen: number;
  readonly consumedFen: number;
}

/** Column pairs of each movement: the state it draws from and the one it adds to. */
const MOVES: Readonly<Record<Exclude<EntryKind, 'allocate'>, readonly [string, string]>> = {
  reserve: ['available_fen', 'reserved_fen'],
  release: ['reserved_fen', 'available_fen'],
  consume: ['reserved_fen', 'consumed_fen'],
  refund: ['consumed_fen', 'available_fen'],
};

const MAX_ATTEMPTS = 8;

export class IndicatorLedger {
  constructor(
    private readonly knex: Knex,
    private readonly now: () => number = Date.now,
  ) {}

  /** B0 指标登记: a new indicator, fully available, with its `allocate` entry. Idempotent by id. */
  async register(input: NewIndicator): Promise<Indicator> {
    checkAmount(input.allocatedFen, 'allocatedFen', true);
    const id = input.id ?? randomUUID();
    const at = new Date(this.now());
    return this.inTransaction(undefined, async (trx) => {
      const existing = await this.get(id, trx);
      if (existing) return existing;
      await trx('treasury_indicators').insert({
        id,
        fiscal_year: input.fiscalYear,
        mof_div_code: input.mofDivCode,
        agency_code: input.agencyCode,
        pro_code: input.proCode,
        pro_name: input.proName,
        exp_func_code: input.expFuncCode,
        eco_code: input.ecoCode,
        fund_type_code: input.fundTypeCode,
        is_direct_fund: input.isDirectFund,
        bgt_doc_no: input.bgtDocNo,
        allocated_fen: input.allocatedFen,
        available_fen: input.allocatedFen,
        reserved_fen: 0,
        consumed_fen: 0,
        created_at: at,
        updated_at: at,
      });
      if (input.allocatedFen > 0) {
        await trx('treasury_ledger_entries').insert({
          indicator_id: id,
          kind: 'allocate',
          amount_fen: input.allocatedFen,
          payment_ref: null,
          effect_key: `allocate:${id}`,
          note: input.bgtDocNo,
          at,
        });
      }
      return (await this.get(id, trx))!;
    });
  }

  /** 在途: available → reserved. Throws InsufficientBalanceError when the available balance is short. */
  reserve(movement: Movement, trx?: Knex.Transaction): Promise<MovementResult> {
    return this.move('reserve', movement, trx);
  }

  /**
   * 在途 on several indicators for one payment, all or nothing, in one transaction (or the caller's). The rows are
   * locked in indicator id order whatever order the movements come in, so payments sharing indicators cannot
   * deadlock one another (reliability.md §6.12: 500 concurrent 2–3-indicator payments in random order on 40
   * connections left 191 deadlocked after every retry when locked in the order given, none in id order).
   * Results come back in the order given.
   */
  reserveAll(movements: readonly Movement[], trx?: Knex.Transaction): Promise<MovementResult[]> {
    const order = movements
      .map((movement, index) => ({ movement, index }))
      .sort((a, b) =>
        a.movement.indicatorId < b.movement.indicatorId
          ? -1
          : a.movement.indicatorId > b.movement.indicatorId
            ? 1
            : a.index - b.index,
      );
    return this.inTransaction(trx, async (inner) => {
      const results: MovementResult[] = new Array(movements.length);
      for (const { movement, index } of order) results[index] = await this.reserve(movement, inner);
      return results;
    });
  }

  /** 已支付 (回单): reserved → consumed. */
  consume(movement: Movement, trx?: Knex.Transaction): Promise<MovementResult> {
    return this.move('consume', movement, trx);
  }

  /** 释放 (退回, 不予支付, 禁止, 退票 before payment): reserved → available. */
  release(movement: Movement, trx?: Knex.Transaction): Promise<MovementResult> {
    return this.move('release', movement, trx);
  }

  /** 资金退回 after payment: consumed → available, restoring the indicator on its original line. */
  refundToAvailable(movement: Movement, trx?: Knex.Transaction): Promise<MovementResult> {
    return this.move('refund', movement, trx);
  }

  /** Releases everything a payment still holds reserved (on any indicator); returns the amounts released. */
  async releaseHeld(paymentRef: string, effectKeyBase: string, note?: string): Promise<PaymentHolding[]> {
    const released: PaymentHolding[] = [];
    for (const holding of await this.holdings(paymentRef)) {
      if (holding.reservedFen <= 0) continue;
      await this.release({
        indicatorId: holding.indicatorId,
        amountFen: holding.reservedFen,
        paymentRef,
        effectKey: `${effectKeyBase}:${holding.indicatorId}`,
        ...(note ? { note } : {}),
      });
      released.push(holding);
    }
    return released;
  }

  /** What a payment holds, per indicator, netted from its entries. */
  async holdings(paymentRef: string, trx?: Knex.Transaction): Promise<PaymentHolding[]> {
    const rows = (await (trx ?? this.knex)('treasury_ledger_entries')
      .select('indicator_id', 'kind')
      .sum({ total: 'amount_fen' })
      .where({ payment_ref: paymentRef })
      .groupBy('indicator_id', 'kind')) as Array<{ indicator_id: string; kind: EntryKind; total: unknown }>;
    const byIndicator = new Map<string, { reserved: number; consumed: number }>();
    for (const row of rows) {
      const h = byIndicator.get(row.indicator_id) ?? { reserved: 0, consumed: 0 };
      const total = Number(row.total);
      if (row.kind === 'reserve') h.reserved += total;
      else if (row.kind === 'release') h.reserved -= total;
      else if (row.kind === 'consume') [h.reserved, h.consumed] = [h.reserved - total, h.consumed + total];
      else if (row.kind === 'refund') h.consumed -= total;
      byIndicator.set(row.indicator_id, h);
    }
    return [...byIndicator]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([indicatorId, h]) => ({ indicatorId, reservedFen: h.reserved, consumedFen: h.consumed }));
  }

  async get(indicatorId: string, trx?: Knex.Transaction): Promise<Indicator | undefined> {
    const row = await (trx ?? this.knex)('treasury_indicators').where({ id: indicatorId }).first();
    return row ? toIndicator(row) : undefined;
  }

  /** The entries of an indicator, oldest first. */
  async entries(indicatorId: string): Promise<LedgerEntry[]> {
    const rows = await this.knex('treasury_ledger_entries')
      .where({ indicator_id: indicatorId })
      .orderBy('id');
    return rows.map(toEntry);
  }

  /** The entries of a payment, oldest first. */
  async entriesOfPayment(paymentRef: string): Promise<LedgerEntry[]> {
    const rows = await this.knex('treasury_ledger_entries').where({ payment_ref: paymentRef }).orderBy('id');
    return rows.map(toEntry);
  }

  /** Runs `work` in one transaction (retried on deadlocks), or inside the caller's. */
  inTransaction<T>(
    trx: Knex.Transaction | undefined,
    work: (trx: Knex.Transaction) => Promise<T>,
  ): Promise<T> {
    if (trx) return work(trx);
    return this.retrying(() => this.knex.transaction(work));
  }

  // helpers //////

  private async move(
    kind: Exclude<EntryKind, 'allocate'>,
    movement: Movement,
    outer?: Knex.Transaction,
  ): Promise<MovementResult> {
    checkAmount(movement.amountFen, 'amountFen', false);
    if (!movement.effectKey || movement.effectKey.length > 191)
      throw new RangeError('An effect key of 1 to 191 characters is required');
    const [from, to] = MOVES[kind];
    const run = async (trx: Knex.Transaction): Promise<MovementResult> => {
      const known = await this.findEntry(trx, movement.effectKey);
      if (known) return { applied: false, entry: sameMovement(known, kind, movement) };
      const at = this.now();
      await trx('treasury_ledger_entries').insert({
        indicator_id: movement.indicatorId,
        kind,
        amount_fen: movement.amountFen,
        payment_ref: movement.paymentRef,
        effect_key: movement.effectKey,
        note: movement.note ?? null,
        at: new Date(at),
      });
      const changed = await trx('treasury_indicators')
        .where('id', movement.indicatorId)
        .andWhere(from, '>=', movement.amountFen)
        .update({
          [from]: trx.raw('?? - ?', [from, movement.amountFen]),
          [to]: trx.raw('?? + ?', [to, movement.amountFen]),
          updated_at: new Date(at),
        });
      if (Number(changed) !== 1) {
        const current = await this.get(movement.indicatorId, trx);
        if (!current) throw new IndicatorNotFoundError(movement.indicatorId);
        throw new InsufficientBalanceError(
          movement.indicatorId,
          kind,
          movement.amountFen,
          balanceOf(current, from),
        );
      }
      return { applied: true, entry: (await this.findEntry(trx, movement.effectKey))! };
    };
    if (outer) return run(outer);
    try {
      return await this.retrying(() => this.knex.transaction(run));
    } catch (err) {
      // a concurrent attempt of the same effect committed first: report it as already applied
      if (isUniqueViolation(err)) {
        const known = await this.findEntry(this.knex, movement.effectKey);
        if (known) return { applied: false, entry: sameMovement(known, kind, movement) };
      }
      throw err;
    }
  }

  private async findEntry(db: Knex | Knex.Transaction, effectKey: string): Promise<LedgerEntry | undefined> {
    const row = await db('treasury_ledger_entries').where({ effect_key: effectKey }).first();
    return row ? toEntry(row) : undefined;
  }

  /** Re-runs on deadlocks and lock wait timeouts (MySQL) and busy databases (SQLite). */
  private async retrying<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (err) {
        if (attempt >= MAX_ATTEMPTS || !isRetryable(err)) throw err;
        await new Promise((r) => setTimeout(r, Math.min(100, 2 ** attempt) * (0.5 + Math.random())));
      }
    }
  }
}

function checkAmount(value: number, name: string, zeroAllowed: boolean): void {
  if (!Number.isSafeInteger(value) || value < 0 || (!zeroAllowed && value === 0)) {
    throw new RangeError(
      `Expected ${name} to be a ${zeroAllowed ? 'non-negative' : 'positive'} integer 分, but got ${value}`,
    );
  }
}

function sameMovement(entry: LedgerEntry, kind: EntryKind, movement: Movement): LedgerEntry {
  if (
    entry.kind !== kind ||
    entry.indicatorId !== movement.indicatorId ||
    entry.amountFen !== movement.amountFen ||
    entry.paymentRef !== movement.paymentRef
  ) {
    throw new EffectKeyConflictError(movement.effectKey);
  }
  return entry;
}

function balanceOf(indicator: Indicator, column: string): number {
  switch (column) {
    case 'available_fen':
      return indicator.availableFen;
    case 'reserved_fen':
      return indicator.reservedFen;
    default:
      return indicator.consumedFen;
  }
}

function isRetryable(err: unknown): boolean {
  const e = err as { code?: string; errno?: number } | null;
  return (
    e?.errno === 1213 ||
    e?.errno === 1205 ||
    e?.code === 'ER_LOCK_DEADLOCK' ||
    e?.code === 'ER_LOCK_WAIT_TIMEOUT' ||
    e?.code === 'SQLITE_BUSY'
  );
}

function toTime(value: unknown): number {
  return value instanceof Date
    ? value.getTime()
    : typeof value === 'number'
      ? value
      : Date.parse(String(value));
}

function toIndicator(r: Record<string, unknown>): Indicator {
  return {
    id: String(r.id),
    fiscalYear: Number(r.fiscal_year),
    mofDivCode: String(r.mof_div_code),
    agencyCode: String(r.agency_code),
    proCode: String(r.pro_code),
    proName: String(r.pro_name),
    expFuncCode: String(r.exp_func_code),
    ecoCode: String(r.eco_code),
    fundTypeCode: String(r.fund_type_code),
    isDirectFund: Boolean(r.is_direct_fund),
    bgtDocNo: String(r.bgt_doc_no),
    allocatedFen: Number(r.allocated_fen),
    availableFen: Number(r.available_fen),
    reservedFen: Number(r.reserved_fen),
    consumedFen: Number(r.consumed_fen),
  };
}

function toEntry(r: Record<string, unknown>): LedgerEntry {
  return {
    id: Number(r.id),
    indicatorId: String(r.indicator_id),
    kind: String(r.kind) as EntryKind,
    amountFen: Number(r.amount_fen),
    paymentRef: r.payment_ref === null || r.payment_ref === undefined ? null : String(r.payment_ref),
    effectKey: String(r.effect_key),
    note: r.note === null || r.note === undefined ? null : String(r.note),
    at: toTime(r.at),
  };
}
