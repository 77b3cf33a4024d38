/**
 * The agency bank's payment records (银行来款, `nontax_bank_records`), filled from the bank's `nonTaxPayment`
 * messages: matched to a notice when the collection instance waiting for that 缴款码 catches the message,
 * unmatched (待查) when nothing waits for it (unknown or already-paid code) and the message starts
 * nonTaxIncomingPayment instead. A record is keyed by the bank's serial number, so a redelivered message or a
 * retried handler writes nothing twice; a 待查 record identified later (补录) turns matched.
 */
import type { Knex } from 'knex';
import { regionCodeOf } from '../org/org-codes.js';
import { chinaDate } from './china-date.js';

/** What the bank's payment message carries (variables of `nonTaxPayment`). */
export interface BankPayment {
  readonly bankSerialNo: string;
  readonly paidFen: number;
  readonly paidAtMs: number;
  readonly payerName: string | null;
  readonly bankOrgCode: string | null;
  readonly paymentCode: string | null;
}

/** Reads the payment out of message variables; throws (→ incident) on a malformed bank message. */
export function bankPaymentOf(variables: Readonly<Record<string, unknown>>, nowMs: number): BankPayment {
  const serial = variables.bankSerialNo;
  const paid = variables.paidFen;
  if (typeof serial !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(serial))
    throw new Error('The bank payment message has no valid bankSerialNo');
  if (typeof paid !== 'number' || !Number.isSafeInteger(paid) || paid <= 0)
    throw new Error('The bank payment message has no positive whole paidFen');
  const paidAt = typeof variables.paidAt === 'string' ? Date.parse(variables.paidAt) : NaN;
  const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
  return {
    bankSerialNo: serial,
    paidFen: paid,
    paidAtMs: Number.isFinite(paidAt) ? paidAt : nowMs,
    payerName: text(variables.payerName),
    bankOrgCode: text(variables.bankOrgCode),
    paymentCode: text(variables.paymentCode),
  };
}

/** Records a payment matched to a notice (inserting it, or turning a 待查 record matched). */
export async function recordMatched(
  trx: Knex,
  payment: BankPayment,
  notice: { noticeNo: string; paymentCode: string; regionCode: string },
  now: Date,
): Promise<void> {
  const existing = await trx('nontax_bank_records').where({ bank_serial_no: payment.bankSerialNo }).first();
  if (existing) {
    await trx('nontax_bank_records').where({ bank_serial_no: payment.bankSerialNo }).update({
      status: 'matched',
      notice_no: notice.noticeNo,
      payment_code: notice.paymentCode,
      updated_at: now,
    });
    return;
  }
  await trx('nontax_bank_records').insert({
    ...rowOf(payment, now),
    payment_code: notice.paymentCode,
    region_code: notice.regionCode,
    status: 'matched',
    notice_no: notice.noticeNo,
  });
}

/**
 * Records money nothing waited for as 待查 (unmatched). A record seen before stays as it is, except that an
 * unmatched one goes back to the queue of the next reconciliation (a 补录 to a wrong code comes back here).
 */
export async function recordUnmatched(knex: Knex, payment: BankPayment, now: Date): Promise<'new' | 'known'> {
  const existing = await knex('nontax_bank_records').where({ bank_serial_no: payment.bankSerialNo }).first();
  if (!existing) {
    await knex('nontax_bank_records')
      .insert({
        ...rowOf(payment, now),
        payment_code: payment.paymentCode,
        region_code: regionOf(payment),
        status: 'unmatched',
        notice_no: null,
      })
      .onConflict('bank_serial_no')
      .ignore();
    return 'new';
  }
  await knex('nontax_bank_records')
    .where({ bank_serial_no: payment.bankSerialNo, status: 'unmatched' })
    .whereNotNull('suspense_instance_id')
    .update({ suspense_instance_id: null, updated_at: now });
  return 'known';
}

function rowOf(payment: BankPayment, now: Date): Record<string, unknown> {
  return {
    bank_serial_no: payment.bankSerialNo,
    amount_fen: payment.paidFen,
    payer_name: payment.payerName,
    bank_org_code: payment.bankOrgCode,
    paid_at: new Date(payment.paidAtMs),
    account_date: chinaDate(payment.paidAtMs),
    suspense_instance_id: null,
    created_at: now,
    updated_at: now,
  };
}

/** The region of unmatched money: the bank branch's, else the region a 缴款码 starts with. */
function regionOf(payment: BankPayment): string | null {
  if (payment.bankOrgCode && /^\d{6}/.test(payment.bankOrgCode)) return regionCodeOf(payment.bankOrgCode);
  if (payment.paymentCode && /^\d{6}/.test(payment.paymentCode)) return payment.paymentCode.slice(0, 6);
  return null;
}
