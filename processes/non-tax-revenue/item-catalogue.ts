/**
 * The 非税收入项目目录 (C0): items with their revenue classification, standard (a fixed amount per unit in 分 or
 * a rate of a base in basis points), budget-level shares and the units allowed to bill them. Read by the
 * notice and split steps; changed only by the maintenance process (nonTaxItemMaintenance), whose proposal is
 * checked here before the 处长 sees it.
 */
import type { Knex } from 'knex';
import { validShares, type LevelShares } from './revenue-split.js';

/** An item of the catalogue. */
export interface NonTaxItem {
  readonly code: string;
  readonly name: string;
  readonly revenueClassCode: string;
  readonly category: string;
  readonly standardKind: 'fixed' | 'rate';
  readonly standardFen: number | null;
  readonly rateBp: number | null;
  readonly shares: LevelShares;
  readonly remitMode: 'treasury' | 'special_account';
  readonly paymentTermDays: number;
  readonly legalBasis: string | null;
  readonly enabled: boolean;
}

/** The categories of domain.md §3.0 (Henan's regulation). */
export const NON_TAX_CATEGORIES = [
  '行政事业性收费',
  '政府性基金',
  '国有资源有偿使用收入',
  '国有资产有偿使用收入',
  '国有资本经营收益',
  '罚没收入',
  '捐赠收入',
  '主管部门集中收入',
  '其他',
] as const;

/** Items by code (missing codes are simply absent). */
export async function loadItems(knex: Knex, codes: readonly string[]): Promise<Map<string, NonTaxItem>> {
  const rows = (await knex('nontax_items').whereIn('code', [...new Set(codes)])) as Record<string, unknown>[];
  return new Map(rows.map((r) => [String(r.code), itemFromRow(r)]));
}

/** The item codes a unit may bill. */
export async function itemsOfUnit(knex: Knex, unitOrgCode: string): Promise<Set<string>> {
  const rows = (await knex('nontax_item_units').where({ unit_org_code: unitOrgCode })) as {
    item_code: string;
  }[];
  return new Set(rows.map((r) => r.item_code));
}

/** A proposed new or changed item, as the maintenance form sends it. */
export interface ItemProposal {
  readonly changeKind: 'create' | 'update' | 'disable';
  readonly itemCode: string;
  readonly itemName?: string;
  readonly revenueClassCode?: string;
  readonly category?: string;
  readonly standardKind?: 'fixed' | 'rate';
  readonly standardFen?: number | null;
  readonly rateBp?: number | null;
  readonly provinceShareBp?: number;
  readonly cityShareBp?: number;
  readonly countyShareBp?: number;
  readonly paymentTermDays?: number;
  readonly legalBasis?: string | null;
  /** 执收单位 org codes. */
  readonly unitCodes?: readonly string[];
}

/** The problems of a proposal (empty when it may go to the 处长), each naming the field. */
export function proposalProblems(p: ItemProposal, exists: boolean): string[] {
  const problems: string[] = [];
  if (!['create', 'update', 'disable'].includes(p.changeKind))
    problems.push('changeKind: 必须是 create、update 或 disable');
  if (typeof p.itemCode !== 'string' || !/^[A-Z0-9-]{2,32}$/.test(p.itemCode))
    problems.push('itemCode: 项目编码为 2–32 位大写字母、数字或 -');
  if (p.changeKind === 'create' && exists) problems.push('itemCode: 项目编码已存在');
  if (p.changeKind !== 'create' && !exists) problems.push('itemCode: 项目不存在');
  if (p.changeKind === 'disable') return problems;
  if (typeof p.itemName !== 'string' || p.itemName.trim() === '') problems.push('itemName: 必填');
  if (typeof p.revenueClassCode !== 'string' || !/^103\d{2,4}$/.test(p.revenueClassCode))
    problems.push('revenueClassCode: 须为 103 非税收入类下的收入分类科目');
  if (!(NON_TAX_CATEGORIES as readonly unknown[]).includes(p.category))
    problems.push(`category: 须为 ${NON_TAX_CATEGORIES.join('、')} 之一`);
  if (p.standardKind === 'fixed') {
    if (!Number.isSafeInteger(p.standardFen) || (p.standardFen ?? 0) <= 0)
      problems.push('standardFen: 定额标准须为正整数（分）');
  } else if (p.standardKind === 'rate') {
    if (!Number.isSafeInteger(p.rateBp) || (p.rateBp ?? 0) <= 0 || (p.rateBp ?? 0) > 10_000)
      problems.push('rateBp: 比率须为 1–10000 基点');
  } else problems.push('standardKind: 须为 fixed（定额）或 rate（比率）');
  const shares = {
    province: p.provinceShareBp ?? NaN,
    city: p.cityShareBp ?? NaN,
    county: p.countyShareBp ?? NaN,
  };
  if (!validShares(shares)) problems.push('provinceShareBp: 省、市、县分成比例须为非负整数基点且合计 10000');
  if (!Number.isSafeInteger(p.paymentTermDays) || (p.paymentTermDays ?? 0) <= 0)
    problems.push('paymentTermDays: 缴款期限须为正整数天');
  return problems;
}

/** Writes an approved proposal to the catalogue (one transaction; re-running it writes the same rows). */
export async function applyProposal(
  knex: Knex,
  p: ItemProposal,
  actor: string | null,
  now: Date,
): Promise<void> {
  await knex.transaction(async (trx) => {
    if (p.changeKind === 'disable') {
      await trx('nontax_items')
        .where({ code: p.itemCode })
        .update({ enabled: false, updated_by: actor, updated_at: now });
      return;
    }
    const row = {
      name: p.itemName!.trim(),
      revenue_class_code: p.revenueClassCode!,
      category: p.category!,
      standard_kind: p.standardKind!,
      standard_fen: p.standardKind === 'fixed' ? p.standardFen! : null,
      rate_bp: p.standardKind === 'rate' ? p.rateBp! : null,
      province_share_bp: p.provinceShareBp!,
      city_share_bp: p.cityShareBp!,
      county_share_bp: p.countyShareBp!,
      payment_term_days: p.paymentTermDays!,
      legal_basis: p.legalBasis ?? null,
      enabled: true,
      updated_by: actor,
      updated_at: now,
    };
    const existing = await trx('nontax_items').where({ code: p.itemCode }).first('version');
    if (existing) {
      await trx('nontax_items')
        .where({ code: p.itemCode })
        .update({ ...row, version: Number((existing as { version: number }).version) + 1 });
    } else {
      await trx('nontax_items').insert({ code: p.itemCode, ...row, remit_mode: 'treasury', version: 1 });
    }
    if (p.unitCodes) {
      await trx('nontax_item_units').where({ item_code: p.itemCode }).delete();
      const units = [...new Set(p.unitCodes)];
      if (units.length > 0)
        await trx('nontax_item_units').insert(
          units.map((u) => ({ item_code: p.itemCode, unit_org_code: u })),
        );
    }
  });
}

function itemFromRow(r: Record<string, unknown>): NonTaxItem {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    code: String(r.code),
    name: String(r.name),
    revenueClassCode: String(r.revenue_class_code),
    category: String(r.category),
    standardKind: r.standard_kind === 'rate' ? 'rate' : 'fixed',
    standardFen: num(r.standard_fen),
    rateBp: num(r.rate_bp),
    shares: {
      province: Number(r.province_share_bp),
      city: Number(r.city_share_bp),
      county: Number(r.county_share_bp),
    },
    remitMode: r.remit_mode === 'special_account' ? 'special_account' : 'treasury',
    paymentTermDays: Number(r.payment_term_days),
    legalBasis: r.legal_basis === null || r.legal_basis === undefined ? null : String(r.legal_basis),
    enabled: Boolean(r.enabled),
  };
}
