/**
 * 动态监控 (domain.md §2.3): the real-time (实时触发) rules B4 evaluates on every payment application. Rules are
 * data (`treasury_monitor_rules`: kind, parameters, 预警级别, region), seeded with example defaults and editable; this
 * file knows the rule kinds and evaluates them. The worst level hit decides the route:
 *
 * | level  | 预警级别 | 处理方式          | route in treasury-payment.bpmn                          |
 * |--------|----------|-------------------|---------------------------------------------------------|
 * | gray   | 灰色预警 | 禁止              | payment ends 禁止支付, reservation released              |
 * | red    | 红色预警 | 拦截              | held: call activity 预警处理 (treasury-warning-review)  |
 * | orange | 橙色预警 | 预警，需上传附件  | unit explains and attaches files, then approvals         |
 * | yellow | 黄色预警 | 预警，无需附件    | unit explains, then approvals                            |
 * | blue   | 蓝色预警 | 记录              | recorded only                                            |
 */
import type { Knex } from 'knex';
import { z } from 'zod';

export const WARNING_LEVELS = ['gray', 'red', 'orange', 'yellow', 'blue'] as const;
export type WarningLevel = (typeof WARNING_LEVELS)[number];

export const WARNING_LEVEL_LABELS: Readonly<Record<WarningLevel, string>> = {
  gray: '灰色预警（禁止）',
  red: '红色预警（拦截）',
  orange: '橙色预警（需上传附件）',
  yellow: '黄色预警（无需附件）',
  blue: '蓝色预警（记录）',
};

/** The payee account kinds an application declares. */
export const PAYEE_ACCOUNT_TYPES = ['corporate', 'personal', 'own'] as const;
/** 结算方式: 普通转账, 现金, 公务卡, 政府采购. */
export const SETTLEMENT_METHODS = ['transfer', 'cash', 'card', 'procurement'] as const;

const thresholdParams = z.object({ thresholdFen: z.number().int().nonnegative() }).strict();

/** The rule kinds and the parameters each takes. */
export const RULE_KINDS = {
  /** 单笔大额提现: cash withdrawal above the threshold. */
  large_cash_withdrawal: thresholdParams,
  /** 向个人账户大额转账单笔: a transfer to a personal account above the threshold. */
  personal_account_large: thresholdParams,
  /** 同名/本单位账户转款: to the unit's own 实有资金账户 (optionally only for 直达资金). */
  transfer_to_own_account: z.object({ directFundOnly: z.boolean() }).strict(),
  /** 建议使用公务卡: an item of the 公务卡强制结算目录 (by economic code) paid by transfer or cash. */
  card_mandatory_by_transfer: z.object({ ecoCodes: z.array(z.string().min(1)).min(1) }).strict(),
  /** 异常高频支付: at least `maxCount` other payments of the unit to the same payee account within the window. */
  high_frequency_payee: z
    .object({ windowHours: z.number().positive(), maxCount: z.number().int().positive() })
    .strict(),
} as const;

export type RuleKind = keyof typeof RULE_KINDS;

export interface MonitorRule {
  readonly code: string;
  readonly name: string;
  readonly kind: RuleKind;
  readonly level: WarningLevel;
  readonly triggerType: 'realtime' | 'scheduled';
  readonly regionCode: string | null;
  readonly params: Record<string, unknown>;
  readonly enabled: boolean;
}

/** What the rules look at. */
export interface MonitoredPayment {
  readonly instanceId: string;
  readonly agencyCode: string;
  readonly regionCode: string;
  readonly amountFen: number;
  readonly payeeAccount: string;
  readonly payeeAccountType: string;
  readonly settlementMethod: string;
  readonly ecoCode: string;
  readonly isDirectFund: boolean;
}

export interface RuleHit {
  readonly ruleCode: string;
  readonly ruleName: string;
  readonly level: WarningLevel;
  readonly message: string;
}

/** Reads the enabled real-time rules that apply in a region (region-specific and all-region ones). */
export async function loadRealtimeRules(knex: Knex, regionCode: string): Promise<MonitorRule[]> {
  const rows = await knex('treasury_monitor_rules')
    .where({ enabled: true, trigger_type: 'realtime' })
    .andWhere((q) => q.whereNull('region_code').orWhere('region_code', regionCode))
    .orderBy('code');
  return rows.map(toRule);
}

/** Evaluates the rules against a payment; `recentToSamePayee` counts the unit's other payments to the payee in a window. */
export async function evaluateRules(
  rules: readonly MonitorRule[],
  payment: MonitoredPayment,
  recentToSamePayee: (windowHours: number) => Promise<number>,
): Promise<RuleHit[]> {
  const hits: RuleHit[] = [];
  const yuan = (fen: number) => (fen / 100).toFixed(2);
  for (const rule of rules) {
    const hit = (message: string) =>
      hits.push({ ruleCode: rule.code, ruleName: rule.name, level: rule.level, message });
    switch (rule.kind) {
      case 'large_cash_withdrawal': {
        const { thresholdFen } = RULE_KINDS.large_cash_withdrawal.parse(rule.params);
        if (payment.settlementMethod === 'cash' && payment.amountFen > thresholdFen)
          hit(`单笔提现 ${yuan(payment.amountFen)} 元，超过 ${yuan(thresholdFen)} 元`);
        break;
      }
      case 'personal_account_large': {
        const { thresholdFen } = RULE_KINDS.personal_account_large.parse(rule.params);
        if (payment.payeeAccountType === 'personal' && payment.amountFen > thresholdFen)
          hit(`向个人账户转账 ${yuan(payment.amountFen)} 元，超过 ${yuan(thresholdFen)} 元`);
        break;
      }
      case 'transfer_to_own_account': {
        const { directFundOnly } = RULE_KINDS.transfer_to_own_account.parse(rule.params);
        if (payment.payeeAccountType === 'own' && (!directFundOnly || payment.isDirectFund))
          hit(directFundOnly ? '直达资金划转至本单位实有资金账户' : '向本单位实有资金账户划款');
        break;
      }
      case 'card_mandatory_by_transfer': {
        const { ecoCodes } = RULE_KINDS.card_mandatory_by_transfer.parse(rule.params);
        if (
          ecoCodes.includes(payment.ecoCode) &&
          (payment.settlementMethod === 'transfer' || payment.settlementMethod === 'cash')
        )
          hit(`经济分类 ${payment.ecoCode} 属公务卡强制结算目录，未使用公务卡结算`);
        break;
      }
      case 'high_frequency_payee': {
        const { windowHours, maxCount } = RULE_KINDS.high_frequency_payee.parse(rule.params);
        const count = await recentToSamePayee(windowHours);
        if (count >= maxCount)
          hit(`${windowHours} 小时内已向同一收款账户支付 ${count} 笔（阈值 ${maxCount} 笔）`);
        break;
      }
    }
  }
  return hits;
}

/** The worst level among the hits ('none' when nothing hit). */
export function worstLevel(hits: readonly RuleHit[]): WarningLevel | 'none' {
  for (const level of WARNING_LEVELS) if (hits.some((h) => h.level === level)) return level;
  return 'none';
}

/** Checks a rule row before it is stored (kind, level and parameters). */
export function checkRule(rule: MonitorRule): MonitorRule {
  if (!Object.hasOwn(RULE_KINDS, rule.kind)) throw new Error(`Unknown monitoring rule kind ${rule.kind}`);
  if (!(WARNING_LEVELS as readonly string[]).includes(rule.level))
    throw new Error(`Unknown warning level ${rule.level}`);
  if (rule.triggerType === 'scheduled' && rule.level !== 'blue')
    throw new Error(`Rule ${rule.code}: a 定时触发 rule may only record (blue)`);
  RULE_KINDS[rule.kind].parse(rule.params);
  return rule;
}

/** Stores (inserts or replaces) a rule. */
export async function saveRule(knex: Knex, rule: MonitorRule, now: number): Promise<void> {
  checkRule(rule);
  const row = {
    code: rule.code,
    name: rule.name,
    kind: rule.kind,
    level: rule.level,
    trigger_type: rule.triggerType,
    region_code: rule.regionCode,
    params: JSON.stringify(rule.params),
    enabled: rule.enabled,
    updated_at: new Date(now),
  };
  await knex('treasury_monitor_rules').insert(row).onConflict('code').merge();
}

function toRule(r: Record<string, unknown>): MonitorRule {
  return checkRule({
    code: String(r.code),
    name: String(r.name),
    kind: String(r.kind) as RuleKind,
    level: String(r.level) as WarningLevel,
    triggerType: String(r.trigger_type) === 'scheduled' ? 'scheduled' : 'realtime',
    regionCode: r.region_code === null || r.region_code === undefined ? null : String(r.region_code),
    params: JSON.parse(String(r.params)) as Record<string, unknown>,
    enabled: Boolean(r.enabled),
  });
}
