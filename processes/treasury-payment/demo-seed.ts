/**
 * Demo data for 国库集中支付: budget indicators (B0 指标登记) for the two schools of every demo region
 * (processes/org/henan-demo.ts), the region settings that show each payment mode (中牟/河南 一体化, 郑州 legacy
 * 直接支付, 巩义 legacy 授权支付 with monthly plans) and those plans. Idempotent: stable ids, existing rows kept.
 */
import type { Knex } from 'knex';
import { HENAN_DEMO_REGIONS } from '../org/henan-demo.js';
import { IndicatorLedger, type NewIndicator } from './indicator-ledger.js';
import { saveRegionSettings, type PaymentMode } from './payment-records.js';

export const DEMO_FISCAL_YEAR = 2026;

/** The demo region settings: one region per payment mode. */
export const DEMO_REGION_MODES: Readonly<Record<string, PaymentMode>> = {
  '410000': 'integrated',
  '410122': 'integrated',
  '410100': 'direct',
  '410181': 'authorized',
};

/** The demo indicator lines of a unit: 公用经费 (办公费, 公务卡目录), 项目 (设备购置), 直达资金 (学生资助). */
export function demoIndicators(regionCode: string, unitCode: string, serial: number): NewIndicator[] {
  const prefix = `ZB-${unitCode.replace(/-/g, '')}`;
  const base = {
    fiscalYear: DEMO_FISCAL_YEAR,
    mofDivCode: regionCode,
    agencyCode: unitCode,
    fundTypeCode: 'general_public',
    bgtDocNo: `${regionCode}财预〔${DEMO_FISCAL_YEAR}〕${serial}号`,
  };
  return [
    {
      ...base,
      id: `${prefix}-01`,
      proCode: `${regionCode}${DEMO_FISCAL_YEAR}0101`,
      proName: '公用经费',
      expFuncCode: '2050203',
      ecoCode: '30201',
      isDirectFund: false,
      allocatedFen: 50_000_000,
    },
    {
      ...base,
      id: `${prefix}-02`,
      proCode: `${regionCode}${DEMO_FISCAL_YEAR}0201`,
      proName: '教学设备购置',
      expFuncCode: '2050203',
      ecoCode: '31002',
      isDirectFund: false,
      allocatedFen: 200_000_000,
    },
    {
      ...base,
      id: `${prefix}-03`,
      proCode: `${regionCode}${DEMO_FISCAL_YEAR}0301`,
      proName: '学生资助补助（直达资金）',
      expFuncCode: '2050803',
      ecoCode: '30308',
      isDirectFund: true,
      allocatedFen: 80_000_000,
    },
  ];
}

/** Seeds the demo indicators, region settings and (授权支付 region) monthly plans. */
export async function seedTreasuryDemo(knex: Knex, now: number = Date.now()): Promise<void> {
  const ledger = new IndicatorLedger(knex, () => now);
  for (const region of HENAN_DEMO_REGIONS) {
    const mode = DEMO_REGION_MODES[region.regionCode] ?? 'integrated';
    const known = await knex('treasury_region_settings').where({ region_code: region.regionCode }).first();
    if (!known) {
      await saveRegionSettings(
        knex,
        {
          regionCode: region.regionCode,
          paymentMode: mode,
          planCheck: mode === 'authorized',
          bankFollowUp: 'P1D',
        },
        now,
      );
    }
    for (const [i] of region.budgetUnits.entries()) {
      const unitCode = `${region.regionCode}-BM-${region.department.suffix}-${String(i + 1).padStart(3, '0')}`;
      for (const indicator of demoIndicators(region.regionCode, unitCode, i + 1))
        await ledger.register(indicator);
      if (mode !== 'authorized') continue;
      for (let month = 1; month <= 12; month++) {
        await knex('treasury_payment_plans')
          .insert({ agency_code: unitCode, fiscal_year: DEMO_FISCAL_YEAR, month, plan_fen: 30_000_000 })
          .onConflict(['agency_code', 'fiscal_year', 'month'])
          .ignore();
      }
    }
  }
}
