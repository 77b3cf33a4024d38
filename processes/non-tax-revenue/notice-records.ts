/**
 * Reading and recording on notices (电子非税收入一般缴款书): the row, its lines, and its events (通知, 催缴, 逾期,
 * 减免缓 …) written once per effect key, so a retried handler finds what its first attempt did.
 */
import type { Knex } from 'knex';
import { endOfChinaDay } from './china-date.js';

/** A notice row as the handlers use it. */
export interface NoticeRow {
  readonly noticeNo: string;
  readonly paymentCode: string;
  readonly instanceId: string | null;
  readonly unitOrgCode: string;
  readonly regionCode: string;
  readonly level: 'province' | 'city' | 'county';
  readonly payerName: string;
  readonly totalFen: number;
  readonly payableFen: number;
  readonly dueDate: string;
  readonly reminderCount: number;
  readonly status: string;
  readonly paidFen: number | null;
  readonly paidDate: string | null;
  readonly bankSerialNo: string | null;
  readonly receiptNo: string | null;
  readonly refundedFen: number;
}

/** Statuses of a notice that mean the money has arrived. */
export const PAID_STATUSES: readonly string[] = ['paid', 'confirmed', 'cleared', 'written_off'];

export async function findNotice(
  knex: Knex,
  where: { noticeNo?: string; instanceId?: string; paymentCode?: string },
): Promise<NoticeRow | undefined> {
  const query = knex('nontax_notices');
  if (where.noticeNo !== undefined) query.where({ notice_no: where.noticeNo });
  if (where.instanceId !== undefined) query.where({ instance_id: where.instanceId });
  if (where.paymentCode !== undefined) query.where({ payment_code: where.paymentCode });
  const row = (await query.first()) as Record<string, unknown> | undefined;
  return row ? noticeFromRow(row) : undefined;
}

/** The notice or an error naming it (for steps that run only after the notice exists). */
export async function requireNotice(
  knex: Knex,
  where: { noticeNo?: string; instanceId?: string },
): Promise<NoticeRow> {
  const notice = await findNotice(knex, where);
  if (!notice) throw new Error(`No notice for ${JSON.stringify(where)}`);
  return notice;
}

/** The variables the collection diagram reads about the notice's deadline and amount. */
export function deadlineVariables(notice: NoticeRow): Record<string, unknown> {
  return {
    payableFen: notice.payableFen,
    dueDate: notice.dueDate,
    dueAt: endOfChinaDay(notice.dueDate),
    reminderCount: notice.reminderCount,
  };
}

/**
 * Records an event once: inserts it under `effectKey` unless it is there, and returns the detail stored first
 * (so a retry gets the first attempt's outcome).
 */
export async function recordEventOnce(
  trx: Knex,
  event: { effectKey: string; noticeNo: string; kind: string; detail: string },
  now: Date,
): Promise<{ inserted: boolean; detail: string }> {
  const existing = (await trx('nontax_notice_events').where({ effect_key: event.effectKey }).first()) as
    { detail: string | null } | undefined;
  if (existing) return { inserted: false, detail: existing.detail ?? '' };
  await trx('nontax_notice_events').insert({
    effect_key: event.effectKey,
    notice_no: event.noticeNo,
    kind: event.kind,
    detail: event.detail,
    created_at: now,
  });
  return { inserted: true, detail: event.detail };
}

function noticeFromRow(r: Record<string, unknown>): NoticeRow {
  const opt = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    noticeNo: String(r.notice_no),
    paymentCode: String(r.payment_code),
    instanceId: opt(r.instance_id),
    unitOrgCode: String(r.unit_org_code),
    regionCode: String(r.region_code),
    level: r.level as NoticeRow['level'],
    payerName: String(r.payer_name),
    totalFen: Number(r.total_fen),
    payableFen: Number(r.payable_fen),
    dueDate: String(r.due_date),
    reminderCount: Number(r.reminder_count),
    status: String(r.status),
    paidFen: r.paid_fen === null || r.paid_fen === undefined ? null : Number(r.paid_fen),
    paidDate: opt(r.paid_date),
    bankSerialNo: opt(r.bank_serial_no),
    receiptNo: opt(r.receipt_no),
    refundedFen: Number(r.refunded_fen),
  };
}
