/**
 * An organisation in the directory: a region (administrative division), a finance bureau and its divisions, a
 * department (主管部门), a budget unit (预算单位), an agency bank or a PBOC treasury. Orgs form one tree by
 * `parentCode` (province → city → county, each region holding its bureau, departments and banks);
 * `financeParentCode` is the finance hierarchy, which differs from the tree for 省直管县 (domain.md §4.2).
 */

/** What an org is. Routing picks candidates by kind (e.g. the finance bureau of a region). */
export type OrgKind =
  'region' | 'finance_bureau' | 'division' | 'department' | 'budget_unit' | 'bank' | 'pboc_treasury';

/** Chinese labels of the org kinds, for the UI and audit texts. */
export const ORG_KIND_LABELS: Readonly<Record<OrgKind, string>> = {
  region: '行政区划',
  finance_bureau: '财政部门',
  division: '财政内设处室',
  department: '主管部门',
  budget_unit: '预算单位',
  bank: '代理银行',
  pboc_treasury: '人民银行国库',
};

/** The level of government an org belongs to (一级政府一级预算; 乡 is not modelled). */
export type OrgLevel = 'province' | 'city' | 'county';

/** Chinese labels of the levels. */
export const ORG_LEVEL_LABELS: Readonly<Record<OrgLevel, string>> = {
  province: '省级',
  city: '市级',
  county: '县级',
};

/**
 * The function of a finance-bureau division (domain.md §0.1, §6.1); an assignment rule names one to pick the
 * division inside a bureau. `business` is an 对口 业务处室 (e.g. 教科文处); a bureau may have several.
 */
export type DivisionType =
  | 'budget'
  | 'treasury'
  | 'payment_center'
  | 'business'
  | 'performance'
  | 'non_tax'
  | 'asset'
  | 'review_center'
  | 'supervision';

/** Chinese labels of the division types (level-neutral; the seeded names carry 处/科/股). */
export const DIVISION_TYPE_LABELS: Readonly<Record<DivisionType, string>> = {
  budget: '预算',
  treasury: '国库',
  payment_center: '国库支付中心',
  business: '业务处室',
  performance: '绩效管理',
  non_tax: '非税收入管理',
  asset: '资产管理',
  review_center: '预算评审中心',
  supervision: '监督检查',
};

/** One org row as the domain sees it. Times are epoch milliseconds. */
export interface Org {
  readonly code: string;
  readonly name: string;
  readonly shortName: string;
  readonly kind: OrgKind;
  readonly level: OrgLevel;
  /** Administrative / organisational parent; null for the province. */
  readonly parentCode: string | null;
  /**
   * For regions and finance bureaus: the finance bureau one level up for finance purposes (transfer payments,
   * 备案, 决算). For a 省直管县 it is the province bureau, not the city's. Null for the province and for other
   * kinds (they reach it through their region).
   */
  readonly financeParentCode: string | null;
  readonly divisionType: DivisionType | null;
  /** Codes from the province down to this org, `/`-delimited with a trailing `/`: subtree = path prefix. */
  readonly path: string;
  readonly validFrom: number;
  readonly validTo: number | null;
  /** 省直管县 flag; only ever true on county regions. */
  readonly isDirectlyAdministered: boolean;
}

/** A directory user. Roles are held separately, per org (`user_roles`). */
export interface OrgUser {
  readonly id: string;
  readonly name: string;
  readonly orgCode: string;
  readonly disabled: boolean;
  readonly createdAt: number;
}

/** A role held by a user at an org (`user_roles`). */
export interface UserRole {
  readonly userId: string;
  readonly role: string;
  readonly orgCode: string;
}

/** An out-of-office delegation: `agentId` acts for `userId` while validFrom <= t < validTo (null: open-ended). */
export interface UserAgent {
  readonly userId: string;
  readonly agentId: string;
  readonly validFrom: number;
  readonly validTo: number | null;
  readonly reason: string | null;
}
