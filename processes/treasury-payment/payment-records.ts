/**
 * The payment application as a row (`treasury_payments`, one per process instance) and the per-region settings
 * (`treasury_region_settings`). The row is what monitoring (high-frequency payments), the 用款计划 check and the bank
 * step (voucher number → payment) read; the process variables stay the source of what the applicant entered.
 */
import type { Knex } from 'knex';

/** 一体化 by default; the legacy 直接支付 / 授权支付 split where a region still runs it (domain.md §2.0). */
export const PAYMENT_MODES = ['integrated', 'direct', 'authorized'] as const;
export type PaymentMode = (typeof PAYMENT_MODES)[number];

export const PAYMENT_MODE_LABELS: Readonly<Record<PaymentMode, string>> = {
  integrated: '国库集中支付（一体化）',
  direct: '财政直接支付',
  authorized: '财政授权支付',
};

export interface RegionSettings {
  readonly regionCode: string;
  readonly paymentMode: PaymentMode;
  /** Check the monthly 用款计划 (always done for 授权支付: the plan is the 授权额度). */
  readonly planCheck: boolean;
  /** ISO duration on working days until the payment center follows up a voucher without an answer (T+1). */
  readonly bankFollowUp: string;
}

/** A region without a row runs 一体化, without plan check, with a T+1 follow-up. */
export async function regionSettings(knex: Knex, regionCode: string): Promise<RegionSettings> {
  const row = await knex('treasury_region_settings').where({ region_code: regionCode }).first();
  const mode = String(row?.payment_mode ?? 'integrated');
  if (!(PAYMENT_MODES as readonly string[]).includes(mode))
    throw new Error(`treasury_region_settings of ${regionCode}: unknown payment_mode ${mode}`);
  const paymentMode = mode as PaymentMode;
  return {
    regionCode,
    paymentMode,
    planCheck: paymentMode === 'authorized' || Boolean(row?.plan_check ?? false),
    bankFollowUp: String(row?.bank_follow_up ?? 'P1D'),
  };
}

/** Sets a region's settings (insert or replace). */
export async function saveRegionSettings(
  knex: Knex,
  settings: Omit<RegionSettings, 'planCheck'> & { planCheck?: boolean },
  now: number,
): Promise<void> {
  await knex('treasury_region_settings')
    .insert({
      region_code: settings.regionCode,
      payment_mode: settings.paymentMode,
      plan_check: settings.planCheck ?? false,
      bank_follow_up: settings.bankFollowUp,
      updated_at: new Date(now),
    })
    .onConflict('region_code')
    .merge();
}

export type PaymentStatus =
  | 'checking'
  | 'reserved'
  | 'voucher'
  | 'paid'
  | 'refunded'
  | 'rejected'
  | 'forbidden'
  | 'cancelled'
  | 'returned';

export interface PaymentRow {
  readonly instanceId: string;
  readonly agencyCode: string;
  readonly mofDivCode: string;
  readonly indicatorId: string;
  readonly fiscalYear: number;
  readonly month: number;
  readonly payeeName: string;
  readonly payeeAccount: string;
  readonly payeeBank: string;
  readonly payeeAccountType: string;
  readonly settlementMethod: string;
  readonly paymentMode: PaymentMode;
  readonly amountFen: number;
  readonly status: PaymentStatus;
  readonly voucherNo: string | null;
  readonly bankSerial: string | null;
}

/** Records (or refreshes, on resubmission) an application; the voucher and bank fields are kept. */
export async function upsertPayment(
  knex: Knex,
  p: Omit<PaymentRow, 'voucherNo' | 'bankSerial'>,
  now: number,
): Promise<void> {
  const at = new Date(now);
  const values = {
    agency_code: p.agencyCode,
    mof_div_code: p.mofDivCode,
    indicator_id: p.indicatorId,
    fiscal_year: p.fiscalYear,
    month: p.month,
    payee_name: p.payeeName,
    payee_account: p.payeeAccount,
    payee_bank: p.payeeBank,
    payee_account_type: p.payeeAccountType,
    settlement_method: p.settlementMethod,
    payment_mode: p.paymentMode,
    amount_fen: p.amountFen,
    status: p.status,
    updated_at: at,
  };
  await knex('treasury_payments')
    .insert({ instance_id: p.instanceId, ...values, created_at: at })
    .onConflict('instance_id')
    .merge(values);
}

export async function setPaymentStatus(
  knex: Knex,
  instanceId: string,
  status: PaymentStatus,
  now: number,
  extra: { voucher_no?: string; bank_serial?: string; refund_reason?: string } = {},
): Promise<void> {
  await knex('treasury_payments')
    .where({ instance_id: instanceId })
    .update({ status, ...extra, updated_at: new Date(now) });
}

export async function getPayment(knex: Knex, instanceId: string): Promise<PaymentRow | undefined> {
  const r = await knex('treasury_payments').where({ instance_id: instanceId }).first();
  if (!r) return undefined;
  return {
    instanceId: String(r.instance_id),
    agencyCode: String(r.agency_code),
    mofDivCode: String(r.mof_div_code),
    indicatorId: String(r.indicator_id),
    fiscalYear: Number(r.fiscal_year),
    month: Number(r.month),
    payeeName: String(r.payee_name),
    payeeAccount: String(r.payee_account),
    payeeBank: String(r.payee_bank),
    payeeAccountType: String(r.payee_account_type),
    settlementMethod: String(r.settlement_method),
    paymentMode: String(r.payment_mode) as PaymentMode,
    amountFen: Number(r.amount_fen),
    status: String(r.status) as PaymentStatus,
    voucherNo: r.voucher_no === null ? null : String(r.voucher_no),
    bankSerial: r.bank_serial === null ? null : String(r.bank_serial),
  };
}

/** The unit's other payments to the same payee account since `sinceMs` (for 异常高频支付). */
export async function countRecentToPayee(
  knex: Knex,
  p: { instanceId: string; agencyCode: string; payeeAccount: string },
  sinceMs: number,
): Promise<number> {
  const [row] = await knex('treasury_payments')
    .count({ n: '*' })
    .where({ agency_code: p.agencyCode, payee_account: p.payeeAccount })
    .andWhere('created_at', '>=', new Date(sinceMs))
    .andWhereNot('instance_id', p.instanceId)
    .whereNotIn('status', ['rejected', 'forbidden', 'cancelled']);
  return Number(row?.n ?? 0);
}

/** The unit's payments of a month still counting against its plan (everything not ended without paying). */
export async function plannedUse(
  knex: Knex,
  p: { instanceId: string; agencyCode: string; fiscalYear: number; month: number },
): Promise<number> {
  const [row] = await knex('treasury_payments')
    .sum({ total: 'amount_fen' })
    .where({ agency_code: p.agencyCode, fiscal_year: p.fiscalYear, month: p.month })
    .andWhereNot('instance_id', p.instanceId)
    .whereIn('status', ['reserved', 'voucher', 'paid']);
  return Number(row?.total ?? 0);
}

/** The monthly plan of a unit; undefined when none was filed. */
export async function monthlyPlan(
  knex: Knex,
  agencyCode: string,
  fiscalYear: number,
  month: number,
): Promise<number | undefined> {
  const row = await knex('treasury_payment_plans')
    .where({ agency_code: agencyCode, fiscal_year: fiscalYear, month })
    .first();
  return row ? Number(row.plan_fen) : undefined;
}
