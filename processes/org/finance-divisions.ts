/**
 * The standard structure of a finance bureau: the bureau's name per level and the divisions every bureau is
 * seeded with (domain.md §0.1, §6.1). Divisions are 处 at the province, 科 in a city and 股 in a county; the
 * centres keep one name at every level. Real bureaus differ (more 业务处室, 综合处 instead of a 非税 division);
 * operators add or rename divisions in the directory, and rules stay valid because they name the division type.
 */
import type { DivisionType, OrgLevel } from './org.js';

/** One division every finance bureau gets. */
export interface FinanceDivisionTemplate {
  readonly type: DivisionType;
  /** Level-neutral code suffix under the bureau (`<region>-CZ-<suffix>`). */
  readonly suffix: string;
  /** The division's own name at each level (the full name prefixes the bureau's name). */
  readonly names: Readonly<Record<OrgLevel, string>>;
}

/** The bureau's own name: 财政厅 at the province, 财政局 below. */
export const FINANCE_BUREAU_NAMES: Readonly<Record<OrgLevel, string>> = {
  province: '财政厅',
  city: '财政局',
  county: '财政局',
};

/** The divisions seeded into every bureau, in display order. */
export const FINANCE_DIVISIONS: readonly FinanceDivisionTemplate[] = [
  { type: 'budget', suffix: 'YS', names: perLevel('预算') },
  { type: 'treasury', suffix: 'GK', names: perLevel('国库') },
  { type: 'payment_center', suffix: 'ZFZX', names: sameAtEveryLevel('国库支付中心') },
  // the 对口 业务处室 owning education, science and culture departments; one example of the business divisions
  { type: 'business', suffix: 'JKW', names: perLevel('教科文') },
  { type: 'performance', suffix: 'JX', names: perLevel('绩效管理') },
  { type: 'non_tax', suffix: 'FS', names: perLevel('非税收入管理') },
  { type: 'asset', suffix: 'ZC', names: perLevel('资产管理') },
  { type: 'review_center', suffix: 'PSZX', names: sameAtEveryLevel('预算评审中心') },
  { type: 'supervision', suffix: 'JD', names: perLevel('监督检查') },
];

// helpers //////

function perLevel(stem: string): Record<OrgLevel, string> {
  return { province: `${stem}处`, city: `${stem}科`, county: `${stem}股` };
}

function sameAtEveryLevel(name: string): Record<OrgLevel, string> {
  return { province: name, city: name, county: name };
}
