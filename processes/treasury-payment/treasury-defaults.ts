/**
 * The example defaults of the treasury payment configuration, written into the tables by the migration and
 * editable afterwards: monitoring rules (domain.md §2.3; thresholds are region-specific, these are examples) and
 * the authority table (§5.6: "no national rule ties approval levels to amounts"; 5万 / 50万 are examples).
 */
import type { Knex } from 'knex';
import { authorityRowValues, type AuthorityRow } from './approval-authority.js';
import { checkRule, type MonitorRule } from './monitoring-rules.js';

/** 公务卡强制结算目录 items by 部门支出经济分类 (办公费, 印刷费, 差旅费, 会议费, 公务接待费 …). */
export const CARD_MANDATORY_ECO_CODES = ['30201', '30202', '30207', '30211', '30215', '30216', '30217'];

export const DEFAULT_MONITOR_RULES: readonly MonitorRule[] = [
  {
    code: 'GWK-001',
    name: '建议使用公务卡业务',
    kind: 'card_mandatory_by_transfer',
    level: 'yellow',
    triggerType: 'realtime',
    regionCode: null,
    params: { ecoCodes: CARD_MANDATORY_ECO_CODES },
    enabled: true,
  },
  {
    code: 'GR-001',
    name: '向个人账户大额转账单笔',
    kind: 'personal_account_large',
    level: 'orange',
    triggerType: 'realtime',
    regionCode: null,
    params: { thresholdFen: 5_000_000 },
    enabled: true,
  },
  {
    code: 'TX-001',
    name: '单笔大额提现',
    kind: 'large_cash_withdrawal',
    level: 'red',
    triggerType: 'realtime',
    regionCode: null,
    params: { thresholdFen: 5_000_000 },
    enabled: true,
  },
  {
    code: 'ZH-001',
    name: '向本单位实有资金账户划款',
    kind: 'transfer_to_own_account',
    level: 'red',
    triggerType: 'realtime',
    regionCode: null,
    params: { directFundOnly: false },
    enabled: true,
  },
  {
    code: 'ZD-001',
    name: '违规将直达资金划转至单位实有资金账户',
    kind: 'transfer_to_own_account',
    level: 'gray',
    triggerType: 'realtime',
    regionCode: null,
    params: { directFundOnly: true },
    enabled: true,
  },
  {
    code: 'GP-001',
    name: '异常高频支付',
    kind: 'high_frequency_payee',
    level: 'blue',
    triggerType: 'realtime',
    regionCode: null,
    params: { windowHours: 24, maxCount: 3 },
    enabled: true,
  },
];

/** ≤ 5万 单位负责人; ≤ 50万 + 主要负责人; above + 主管部门 and 支付中心. */
export const DEFAULT_AUTHORITY: readonly AuthorityRow[] = [
  {
    regionCode: null,
    fundTypeCode: null,
    minExclusiveFen: 0,
    maxFen: 5_000_000,
    level: 1,
    steps: ['unitChief'],
    financeReview: false,
    note: '5万元及以下：单位负责人审核',
  },
  {
    regionCode: null,
    fundTypeCode: null,
    minExclusiveFen: 5_000_000,
    maxFen: 50_000_000,
    level: 2,
    steps: ['unitChief', 'unitDirector'],
    financeReview: false,
    note: '5万至50万元：加单位主要负责人审批',
  },
  {
    regionCode: null,
    fundTypeCode: null,
    minExclusiveFen: 50_000_000,
    maxFen: null,
    level: 3,
    steps: ['unitChief', 'unitDirector', 'departmentReview'],
    financeReview: true,
    note: '50万元以上：加主管部门审核和财政（支付中心）审核',
  },
];

/** Writes the defaults into empty tables (a table someone has configured is left alone). */
export async function seedTreasuryDefaults(knex: Knex, now: number): Promise<void> {
  const empty = async (table: string) => Number((await knex(table).count({ n: '*' }))[0]?.n ?? 0) === 0;
  if (await empty('treasury_monitor_rules')) {
    await knex('treasury_monitor_rules').insert(
      DEFAULT_MONITOR_RULES.map((r) => ({
        code: checkRule(r).code,
        name: r.name,
        kind: r.kind,
        level: r.level,
        trigger_type: r.triggerType,
        region_code: r.regionCode,
        params: JSON.stringify(r.params),
        enabled: r.enabled,
        updated_at: new Date(now),
      })),
    );
  }
  if (await empty('treasury_approval_authority')) {
    await knex('treasury_approval_authority').insert(DEFAULT_AUTHORITY.map(authorityRowValues));
  }
}
