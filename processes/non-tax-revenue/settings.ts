/**
 * The configurable numbers of the non-tax processes (`nontax_settings`, seeded with example defaults by the
 * migration and editable there): 催缴 rounds, the working-day deadlines of 退付 and 减免缓, the 减免 amount that
 * needs the 处长, the 省直管县 split rule. Handlers read them when a step starts, so a change applies to the next
 * step without a redeploy. A missing or malformed row is an error (an incident naming the key), never a silent
 * default in code.
 */
import type { Knex } from 'knex';

/** Every setting key the handlers read. */
export type NonTaxSettingKey =
  | 'collection.maxReminders'
  | 'collection.reminderTermDays'
  | 'refund.unitReviewDays.payer'
  | 'refund.unitReviewDays.unit'
  | 'refund.financeReviewDays'
  | 'refund.financeReviewUpwardDays'
  | 'refund.upperReviewDays'
  | 'refund.treasuryDays'
  | 'relief.unitReviewDays'
  | 'relief.financeReviewDays'
  | 'relief.chiefApprovalFen'
  | 'split.directCountyCityShareTo'
  | 'receipt.codePrefix';

/** Reads settings; one query per call. */
export class NonTaxSettings {
  constructor(private readonly knex: Knex) {}

  /** The text of a setting. */
  async text(key: NonTaxSettingKey): Promise<string> {
    const row = (await this.knex('nontax_settings').where({ key }).first()) as { value: string } | undefined;
    if (!row) throw new Error(`Setting ${key} is missing from nontax_settings`);
    return row.value;
  }

  /** A whole number ≥ 0. */
  async integer(key: NonTaxSettingKey): Promise<number> {
    const text = await this.text(key);
    const value = Number(text);
    if (!/^\d{1,15}$/.test(text.trim()) || !Number.isSafeInteger(value)) {
      throw new Error(`Setting ${key} must be a whole number ≥ 0, but is "${text}"`);
    }
    return value;
  }

  /** A number of working days as the ISO duration a timer reads (`P10D`); at least one day. */
  async workingDays(key: NonTaxSettingKey): Promise<string> {
    const days = await this.integer(key);
    if (days < 1) throw new Error(`Setting ${key} must be at least 1 day, but is ${days}`);
    return `P${days}D`;
  }

  /** One of the allowed values. */
  async oneOf<T extends string>(key: NonTaxSettingKey, allowed: readonly T[]): Promise<T> {
    const text = (await this.text(key)).trim();
    if (!(allowed as readonly string[]).includes(text)) {
      throw new Error(`Setting ${key} must be one of ${allowed.join(', ')}, but is "${text}"`);
    }
    return text as T;
  }
}
