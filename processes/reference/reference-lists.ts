/**
 * The names of the reference lists (code tables) and what each holds. Forms name a list in a `code` field's
 * `codeList`, routes serve it at /api/reference/{list}, and submissions are checked against it, so the names are
 * fixed here in code; the codes themselves are data (reference-data.ts, seeded into `reference_codes`, editable
 * by admins).
 */

export const REFERENCE_LISTS = [
  'functionalClass',
  'economicClass',
  'revenueClass',
  'nonTaxCategory',
  'fundType',
  'paymentMethod',
  'legacyPaymentType',
  'warningLevel',
  'triggerType',
  'accountType',
  'budgetLevel',
  'projectCategory',
  'projectTerm',
  'projectReserveStatus',
] as const;

/** A reference list name (the `codeList` of a form field). */
export type ReferenceListName = (typeof REFERENCE_LISTS)[number];

/** True if `name` is one of the reference lists. */
export function isReferenceList(name: string): name is ReferenceListName {
  return (REFERENCE_LISTS as readonly string[]).includes(name);
}

/** A list's Chinese name and what it is for. */
export interface ReferenceListInfo {
  readonly name: string;
  readonly description: string;
  /** True when codes form a tree by `parentCode` (类 → 款 → 项). */
  readonly hierarchical: boolean;
}

export const REFERENCE_LIST_INFO: Readonly<Record<ReferenceListName, ReferenceListInfo>> = {
  functionalClass: {
    name: '政府支出功能分类',
    description: '类(3位)-款(5位)-项(7位)；功能科目 exp_func_code（domain.md §5.2）',
    hierarchical: true,
  },
  economicClass: {
    name: '支出经济分类',
    description:
      '3xx 为部门预算支出经济分类（dep_bgt_eco_code），5xx 为政府预算支出经济分类（gov_bgt_eco_code）；类(3位)-款(5位)（§5.3）',
    hierarchical: true,
  },
  revenueClass: {
    name: '政府收入分类',
    description: '类(3位)-款(5位)-项(7位)（§5.4）',
    hierarchical: true,
  },
  nonTaxCategory: {
    name: '非税收入类别',
    description: '河南省非税收入管理条例所列类别，非税项目树的第一层（§3.0、§5.4）',
    hierarchical: false,
  },
  fundType: {
    name: '资金性质',
    description: 'fund_type_code；直达资金是单独的标记（is_dir），不是资金性质（§5.5）',
    hierarchical: false,
  },
  paymentMethod: {
    name: '支付方式',
    description: '单位端支付方式 pay_type_code（§5.5）',
    hierarchical: false,
  },
  legacyPaymentType: {
    name: '支付类型（直接/授权支付）',
    description: '未实施一体化地区沿用的财政直接支付/授权支付类型（§2.0、§5.5）',
    hierarchical: false,
  },
  warningLevel: {
    name: '预警级别',
    description: '动态监控预警级别及处理方式：黄/橙/红/灰/蓝；另有“冻结”操作（§2.3、§5.5）',
    hierarchical: false,
  },
  triggerType: {
    name: '监控触发类型',
    description: '实时触发（事中）与定时触发（事后）（§5.5）',
    hierarchical: false,
  },
  accountType: {
    name: '账户类型',
    description: '国库单一账户体系的账户（§2.0、§3.0）',
    hierarchical: false,
  },
  budgetLevel: {
    name: '预算级次',
    description: '一级政府一级预算：中央、省、市、县、乡（§0、§4）',
    hierarchical: false,
  },
  projectCategory: {
    name: '项目类别',
    description: '一体化项目类别 pro_cat_code（§5.5）',
    hierarchical: true,
  },
  projectTerm: { name: '项目期限', description: 'pro_term（§5.5）', hierarchical: false },
  projectReserveStatus: {
    name: '项目储备状态',
    description: '项目库中项目的储备状态（§5.5）',
    hierarchical: false,
  },
};
