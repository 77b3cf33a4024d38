/**
 * 在途额度清理 (treasuryReservationSweep): gives back the indicator money still reserved by payment instances that
 * ended from outside the diagram — 撤销 by the initiator, 终止 by an administrator (both end the instance
 * `canceled`) or the engine's 拒绝 (`rejected`). Those endings run no service task, so `treasury.release` never
 * ran and the reservation would block the unit's budget for good.
 *
 * The ledger is the source of truth: one grouped query nets every payment's entries per indicator (reserve −
 * release − consume) for the instances that are not running, and returns only the non-zero holdings with the id
 * of the last entry they were netted from. Each holding is released with the effect key
 * `<payment>:reservation-sweep:<indicator>:<last entry id>`, which names "the holding as of that entry": two sweeps
 * running at once (the daily timer and a manual start) or a retried job compute the same key and release once; a
 * reservation that lands after a sweep (a `treasury.reserve` job that was in flight when the instance was
 * terminated) adds an entry, so the next sweep releases it under a new key instead of being stuck on the old one.
 *
 * What is not released but reported as an anomaly for the treasury to look into:
 * - a completed instance that still holds a reservation (every end of the diagram releases or consumes first);
 * - a voucher already sent to the bank (`treasury_payments.status = voucher`): the bank may have paid it, so the
 *   money is released only once the treasury has checked with the bank and lists the instance in
 *   `confirmedVoucherInstanceIds` when starting the sweep by hand;
 * - a negative holding (more released or consumed than reserved) and entries whose instance no longer exists.
 */
import type { Knex } from 'knex';
import type { IndicatorLedger } from './indicator-ledger.js';
import { setPaymentStatus, type PaymentStatus } from './payment-records.js';

/** One release the sweep applied. */
export interface SweepRelease {
  readonly paymentInstanceId: string;
  readonly instanceStatus: string;
  readonly endReason: string | null;
  readonly indicatorId: string;
  readonly amountFen: number;
  readonly effectKey: string;
}

export const SWEEP_ANOMALIES = [
  'completedHolding',
  'voucherAtBank',
  'negativeHolding',
  'noInstance',
] as const;
export type SweepAnomalyKind = (typeof SWEEP_ANOMALIES)[number];

/** A holding the sweep left alone, with why. */
export interface SweepAnomaly {
  readonly paymentInstanceId: string;
  readonly instanceStatus: string | null;
  readonly indicatorId: string;
  readonly reservedFen: number;
  readonly kind: SweepAnomalyKind;
  readonly message: string;
}

/** What one run released, in total and per indicator, and what it left for a person to check. */
export interface SweepOutcome {
  readonly releasedCount: number;
  readonly releasedTotalFen: number;
  readonly releasedByIndicator: ReadonlyArray<{ indicatorId: string; amountFen: number; count: number }>;
  readonly releases: readonly SweepRelease[];
  readonly anomalies: readonly SweepAnomaly[];
}

/** Which payment status an instance ending leaves once its reservation is back. */
const PAYMENT_STATUS_OF: Readonly<Record<string, PaymentStatus>> = {
  canceled: 'cancelled',
  rejected: 'rejected',
};

/** A holding of a payment on one indicator, netted from the entries up to `lastEntryId`. */
interface Holding {
  readonly paymentRef: string;
  readonly indicatorId: string;
  readonly instanceStatus: string | null;
  readonly endReason: string | null;
  readonly reservedFen: number;
  readonly lastEntryId: number;
}

export async function releaseOrphanedReservations(
  knex: Knex,
  ledger: IndicatorLedger,
  options: { now: () => number; confirmedVoucherInstanceIds?: readonly string[] },
): Promise<SweepOutcome> {
  const confirmed = new Set(options.confirmedVoucherInstanceIds ?? []);
  const holdings = await heldByEndedInstances(knex);
  const voucherAtBank = await paymentsAtBank(
    knex,
    holdings.map((h) => h.paymentRef),
  );
  const releases: SweepRelease[] = [];
  const anomalies: SweepAnomaly[] = [];
  const anomaly = (h: Holding, kind: SweepAnomalyKind, message: string) =>
    anomalies.push({
      paymentInstanceId: h.paymentRef,
      instanceStatus: h.instanceStatus,
      indicatorId: h.indicatorId,
      reservedFen: h.reservedFen,
      kind,
      message,
    });

  for (const h of holdings) {
    if (h.instanceStatus === null) {
      anomaly(h, 'noInstance', `指标账中的支付 ${h.paymentRef} 没有对应的流程实例`);
    } else if (h.reservedFen < 0) {
      anomaly(h, 'negativeHolding', `在途额度为负（${h.reservedFen} 分）：释放或支付多于占用`);
    } else if (!PAYMENT_STATUS_OF[h.instanceStatus]) {
      anomaly(
        h,
        'completedHolding',
        `实例已${h.instanceStatus === 'completed' ? '正常结束' : `结束（${h.instanceStatus}）`}，仍占用 ${h.reservedFen} 分`,
      );
    } else if (voucherAtBank.has(h.paymentRef) && !confirmed.has(h.paymentRef)) {
      anomaly(
        h,
        'voucherAtBank',
        `支付凭证 ${voucherAtBank.get(h.paymentRef)} 已送代理银行：须与银行核对未支付后，手工发起清理并列入 confirmedVoucherInstanceIds`,
      );
    } else {
      const effectKey = `${h.paymentRef}:reservation-sweep:${h.indicatorId}:${h.lastEntryId}`;
      const result = await ledger.release({
        indicatorId: h.indicatorId,
        amountFen: h.reservedFen,
        paymentRef: h.paymentRef,
        effectKey,
        note: `在途额度清理：实例已${endingLabel(h)}`,
      });
      await setPaymentStatus(knex, h.paymentRef, PAYMENT_STATUS_OF[h.instanceStatus]!, options.now());
      // a concurrent sweep applied this very key first: it reports the release, not this run
      if (!result.applied) continue;
      releases.push({
        paymentInstanceId: h.paymentRef,
        instanceStatus: h.instanceStatus,
        endReason: h.endReason,
        indicatorId: h.indicatorId,
        amountFen: h.reservedFen,
        effectKey,
      });
    }
  }

  const byIndicator = new Map<string, { amountFen: number; count: number }>();
  for (const r of releases) {
    const sum = byIndicator.get(r.indicatorId) ?? { amountFen: 0, count: 0 };
    byIndicator.set(r.indicatorId, { amountFen: sum.amountFen + r.amountFen, count: sum.count + 1 });
  }
  return {
    releasedCount: releases.length,
    releasedTotalFen: releases.reduce((total, r) => total + r.amountFen, 0),
    releasedByIndicator: [...byIndicator]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([indicatorId, s]) => ({ indicatorId, ...s })),
    releases,
    anomalies,
  };
}

/**
 * Non-zero holdings of payments whose instance is not running (or is gone), with the last entry netted. One
 * statement, so each holding and its last entry id come from the same snapshot.
 */
async function heldByEndedInstances(knex: Knex): Promise<Holding[]> {
  const net =
    "SUM(CASE e.kind WHEN 'reserve' THEN e.amount_fen WHEN 'release' THEN -e.amount_fen " +
    "WHEN 'consume' THEN -e.amount_fen ELSE 0 END)";
  const rows = (await knex('treasury_ledger_entries as e')
    .leftJoin('process_instances as p', 'p.id', 'e.payment_ref')
    .whereNotNull('e.payment_ref')
    .whereIn('e.kind', ['reserve', 'release', 'consume'])
    .andWhere((q) => q.whereNull('p.id').orWhereNot('p.status', 'running'))
    .select('e.payment_ref', 'e.indicator_id', 'p.status', 'p.end_reason')
    .select(knex.raw(`${net} as reserved_fen`))
    .max({ last_entry_id: 'e.id' })
    .groupBy('e.payment_ref', 'e.indicator_id', 'p.status', 'p.end_reason')
    .havingRaw(`${net} <> 0`)
    .orderBy(['e.payment_ref', 'e.indicator_id'])) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    paymentRef: String(r.payment_ref),
    indicatorId: String(r.indicator_id),
    instanceStatus: r.status === null || r.status === undefined ? null : String(r.status),
    endReason: r.end_reason === null || r.end_reason === undefined ? null : String(r.end_reason),
    reservedFen: Number(r.reserved_fen),
    lastEntryId: Number(r.last_entry_id),
  }));
}

/** The payments among `refs` whose voucher is at the bank, with the voucher number. */
async function paymentsAtBank(knex: Knex, refs: readonly string[]): Promise<Map<string, string>> {
  const atBank = new Map<string, string>();
  for (let i = 0; i < refs.length; i += 500) {
    const rows = await knex('treasury_payments')
      .select('instance_id', 'voucher_no')
      .whereIn('instance_id', refs.slice(i, i + 500))
      .andWhere({ status: 'voucher' });
    for (const r of rows) atBank.set(String(r.instance_id), String(r.voucher_no ?? ''));
  }
  return atBank;
}

/** 撤销 / 终止 / 拒绝, from the instance's status and end reason (the engine prefixes revocations and terminations). */
function endingLabel(h: Holding): string {
  if (h.instanceStatus === 'rejected') return '拒绝';
  if (h.endReason?.startsWith('revoked')) return '撤销';
  if (h.endReason?.startsWith('terminated')) return '终止';
  return '取消';
}
