/**
 * Demo data for 非税收入收缴: the province's item catalogue (C0; example items, revenue classes and shares, not
 * an official list) with the two schools of every demo region (processes/org/henan-demo.ts) as 执收单位, one
 * paid and written-off notice of 中牟县一中 with its bank record, split and treasury entries, and one bank
 * payment no notice claims (待查) for the reconciliation walkthrough. Idempotent: stable keys, existing rows
 * kept. The settings' defaults come with the migration, not from here.
 */
import type { Knex } from 'knex';
import { budgetUnitCode, departmentCode } from '../org/org-codes.js';
import { HENAN_DEMO_REGIONS } from '../org/henan-demo.js';

/** The demo items: one per kind of split (county, city, three levels, a remainder that needs the rule). */
export const DEMO_ITEMS = [
  {
    code: 'JY-ZSF',
    name: '普通高中住宿费',
    revenue_class_code: '1030414',
    category: '行政事业性收费',
    standard_kind: 'fixed',
    standard_fen: 60_000,
    rate_bp: null,
    province_share_bp: 0,
    city_share_bp: 0,
    county_share_bp: 10_000,
    payment_term_days: 15,
    legal_basis: '示例：住宿费收费标准文件',
  },
  {
    code: 'JY-KWF',
    name: '教育考试考务费（市级收入）',
    revenue_class_code: '1030414',
    category: '行政事业性收费',
    standard_kind: 'fixed',
    standard_fen: 12_000,
    rate_bp: null,
    province_share_bp: 0,
    city_share_bp: 10_000,
    county_share_bp: 0,
    payment_term_days: 10,
    legal_basis: '示例：考试收费标准文件',
  },
  {
    code: 'ZY-KCQ',
    name: '矿业权出让收益',
    revenue_class_code: '1030705',
    category: '国有资源有偿使用收入',
    standard_kind: 'rate',
    standard_fen: null,
    rate_bp: 300,
    province_share_bp: 3_000,
    city_share_bp: 3_000,
    county_share_bp: 4_000,
    payment_term_days: 30,
    legal_basis: '示例：按出让价款的 3% 计征',
  },
  {
    code: 'ZC-CDZJ',
    name: '国有资产（场地）出租收入',
    revenue_class_code: '1030702',
    category: '国有资产有偿使用收入',
    standard_kind: 'fixed',
    standard_fen: 33_333,
    rate_bp: null,
    province_share_bp: 3_333,
    city_share_bp: 3_333,
    county_share_bp: 3_334,
    payment_term_days: 15,
    legal_basis: '示例：分成比例不能整除时尾差留本级',
  },
] as const;

/** The demo notice (already paid and written off) and the 待查 bank payment. */
export const DEMO_NOTICE_NO = 'DEMO-410122-0001';
export const DEMO_SUSPENSE_SERIAL = 'DEMO-ICBC-0002';

export async function seedNonTaxDemo(knex: Knex): Promise<void> {
  const now = new Date();
  await knex.transaction(async (trx) => {
    await trx('nontax_items')
      .insert(
        DEMO_ITEMS.map((item) => ({
          ...item,
          remit_mode: 'treasury',
          enabled: true,
          version: 1,
          updated_by: 'henan.nontax.chief',
          updated_at: now,
        })),
      )
      .onConflict('code')
      .ignore();
    const units = HENAN_DEMO_REGIONS.flatMap((region) => {
      const department = departmentCode(region.regionCode, region.department.suffix);
      return region.budgetUnits.map((_, i) => budgetUnitCode(department, i + 1));
    });
    await trx('nontax_item_units')
      .insert(
        DEMO_ITEMS.flatMap((item) => units.map((unit) => ({ item_code: item.code, unit_org_code: unit }))),
      )
      .onConflict(['item_code', 'unit_org_code'])
      .ignore();

    // a paid notice of 中牟县一中: 住宿费 600.00 元, all county revenue
    const paidAt = new Date('2026-03-01T02:30:00.000Z');
    await trx('nontax_notices')
      .insert({
        notice_no: DEMO_NOTICE_NO,
        payment_code: 'DEMO0000000000001',
        instance_id: null,
        unit_org_code: '410122-BM-JY-001',
        region_code: '410122',
        level: 'county',
        payer_name: '张三（示例）',
        total_fen: 60_000,
        payable_fen: 60_000,
        due_date: '2026-03-15',
        reminder_count: 0,
        status: 'written_off',
        paid_fen: 60_000,
        paid_at: paidAt,
        paid_date: '2026-03-01',
        bank_serial_no: 'DEMO-ICBC-0001',
        receipt_no: 'DEMO-RECEIPT-0001',
        created_at: paidAt,
        updated_at: paidAt,
      })
      .onConflict('notice_no')
      .ignore();
    await trx('nontax_notice_lines')
      .insert({
        notice_no: DEMO_NOTICE_NO,
        line_no: 1,
        item_code: 'JY-ZSF',
        quantity: 1,
        base_fen: null,
        amount_fen: 60_000,
      })
      .onConflict(['notice_no', 'line_no'])
      .ignore();
    await trx('nontax_splits')
      .insert({
        notice_no: DEMO_NOTICE_NO,
        line_no: 1,
        level: 'county',
        region_code: '410122',
        amount_fen: 60_000,
        created_at: paidAt,
      })
      .onConflict(['notice_no', 'line_no', 'level'])
      .ignore();
    await trx('nontax_treasury_entries')
      .insert({
        notice_no: DEMO_NOTICE_NO,
        level: 'county',
        region_code: '410122',
        amount_fen: 60_000,
        entry_date: '2026-03-01',
        created_at: paidAt,
      })
      .onConflict(['notice_no', 'level'])
      .ignore();
    const bank = {
      amount_fen: 60_000,
      bank_org_code: '410122-YH-102',
      region_code: '410122',
      paid_at: paidAt,
      account_date: '2026-03-01',
      suspense_instance_id: null,
      created_at: paidAt,
      updated_at: paidAt,
    };
    await trx('nontax_bank_records')
      .insert([
        {
          ...bank,
          bank_serial_no: 'DEMO-ICBC-0001',
          payment_code: 'DEMO0000000000001',
          payer_name: '张三（示例）',
          status: 'matched',
          notice_no: DEMO_NOTICE_NO,
        },
        // money with a mistyped 缴款码: nothing waits for it, so it is 待查
        {
          ...bank,
          amount_fen: 12_000,
          bank_serial_no: DEMO_SUSPENSE_SERIAL,
          payment_code: '41012226999999990',
          payer_name: '李四（示例）',
          status: 'unmatched',
          notice_no: null,
        },
      ])
      .onConflict('bank_serial_no')
      .ignore();
  });
}
