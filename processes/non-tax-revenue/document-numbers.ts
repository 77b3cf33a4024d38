/**
 * Numbers the system assigns under finance rules (domain.md §3.1 C1, §3.3): the 票号 of a notice, its 缴款码
 * (what the payer enters at the bank; the last digit is a Luhn check digit so a mistyped code is caught at
 * the counter) and the 电子票据 number of the receipt (8-digit 票据代码 = 4-digit prefix from the settings +
 * 种类 + 2-digit year, then a 10-digit 票据号码). Running numbers come from `nontax_sequences`, one row per
 * series, incremented in a transaction, so two workers never get the same number.
 */
import type { Knex } from 'knex';

/** Takes the next number of a series (notice, payment, receipt). */
export async function nextNumber(knex: Knex, name: 'notice' | 'payment' | 'receipt'): Promise<number> {
  return knex.transaction(async (trx) => {
    const updated = await trx('nontax_sequences').where({ name }).increment('next_value', 1);
    if (!updated) throw new Error(`Sequence ${name} is missing from nontax_sequences`);
    const row = (await trx('nontax_sequences').where({ name }).first()) as { next_value: number | string };
    return Number(row.next_value) - 1;
  });
}

/** 票号: region (6) + year (2) + running number (8). */
export function noticeNumber(regionCode: string, year: number, serial: number): string {
  return `${regionCode}${String(year % 100).padStart(2, '0')}${String(serial).padStart(8, '0')}`;
}

/** 缴款码: region (6) + year (2) + running number (8) + Luhn check digit. */
export function paymentCode(regionCode: string, year: number, serial: number): string {
  const body = `${regionCode}${String(year % 100).padStart(2, '0')}${String(serial).padStart(8, '0')}`;
  return `${body}${luhnDigit(body)}`;
}

/** True if a 缴款码 has the right shape and check digit. */
export function validPaymentCode(code: string): boolean {
  return /^\d{17}$/.test(code) && luhnDigit(code.slice(0, 16)) === code.slice(16);
}

/** 电子票据号: 票据代码 (prefix 4 + 种类 2 + year 2) + 票据号码 (10). */
export function receiptNumber(prefix: string, kind: string, year: number, serial: number): string {
  return `${prefix}${kind}${String(year % 100).padStart(2, '0')}${String(serial).padStart(10, '0')}`;
}

function luhnDigit(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}
