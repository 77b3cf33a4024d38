/**
 * Demo organisations and users for trying the processes at every level: the province, 郑州市 (a city), 中牟县
 * (a county under 郑州) and 巩义市 (a 省直管县 under 郑州 whose finance parent is the province). Each gets an
 * education department with two schools, an agency bank and a fixed set of posts. Data only; the seeder turns
 * it into rows. User ids read `<place>.<post>.<role>`, e.g. `zhongmou.treasury.reviewer`.
 */
import type { Role } from './roles.js';

/** A region that gets demo orgs and users. */
export interface DemoRegion {
  readonly regionCode: string;
  /** First segment of the user ids (pinyin place name). */
  readonly slug: string;
  readonly department: { readonly suffix: string; readonly name: string; readonly shortName: string };
  /** Budget units under the department, numbered from 001. */
  readonly budgetUnits: readonly { readonly name: string; readonly shortName: string }[];
  readonly bank: { readonly bankClass: string; readonly name: string; readonly shortName: string };
}

/** Where a demo post sits, relative to its region. */
export type DemoPostOrg =
  | { readonly kind: 'bureau' }
  | { readonly kind: 'division'; readonly suffix: string }
  | { readonly kind: 'department' }
  | { readonly kind: 'budgetUnit'; readonly serial: number }
  | { readonly kind: 'bank' };

/** One demo user per region: id `<slug>.<key>`, the roles held at the post's org. */
export interface DemoPost {
  readonly key: string;
  readonly org: DemoPostOrg;
  readonly roles: readonly Role[];
}

/** The four demo regions. */
export const HENAN_DEMO_REGIONS: readonly DemoRegion[] = [
  {
    regionCode: '410000',
    slug: 'henan',
    department: { suffix: 'JY', name: '河南省教育厅', shortName: '教育厅' },
    budgetUnits: [
      { name: '河南省教育厅机关', shortName: '教育厅机关' },
      { name: '河南省直属第一中学', shortName: '省直一中' },
    ],
    bank: { bankClass: '102', name: '中国工商银行河南省分行', shortName: '工行河南省分行' },
  },
  {
    regionCode: '410100',
    slug: 'zhengzhou',
    department: { suffix: 'JY', name: '郑州市教育局', shortName: '教育局' },
    budgetUnits: [
      { name: '郑州市第一中学', shortName: '市一中' },
      { name: '郑州市第二中学', shortName: '市二中' },
    ],
    bank: { bankClass: '102', name: '中国工商银行郑州分行', shortName: '工行郑州分行' },
  },
  {
    regionCode: '410122',
    slug: 'zhongmou',
    department: { suffix: 'JY', name: '中牟县教育局', shortName: '教育局' },
    budgetUnits: [
      { name: '中牟县第一中学', shortName: '县一中' },
      { name: '中牟县第二中学', shortName: '县二中' },
    ],
    bank: { bankClass: '102', name: '中国工商银行中牟支行', shortName: '工行中牟支行' },
  },
  {
    regionCode: '410181',
    slug: 'gongyi',
    department: { suffix: 'JY', name: '巩义市教育局', shortName: '教育局' },
    budgetUnits: [
      { name: '巩义市第一中学', shortName: '市一中' },
      { name: '巩义市第二中学', shortName: '市二中' },
    ],
    bank: { bankClass: '102', name: '中国工商银行巩义支行', shortName: '工行巩义支行' },
  },
];

/** The posts filled in every demo region. */
export const HENAN_DEMO_POSTS: readonly DemoPost[] = [
  { key: 'treasury.clerk', org: { kind: 'division', suffix: 'GK' }, roles: ['clerk'] },
  { key: 'treasury.reviewer', org: { kind: 'division', suffix: 'GK' }, roles: ['reviewer'] },
  { key: 'treasury.chief', org: { kind: 'division', suffix: 'GK' }, roles: ['chief'] },
  { key: 'budget.reviewer', org: { kind: 'division', suffix: 'YS' }, roles: ['reviewer'] },
  { key: 'finance.deputy', org: { kind: 'bureau' }, roles: ['deputy_director'] },
  { key: 'finance.director', org: { kind: 'bureau' }, roles: ['director'] },
  { key: 'education.reviewer', org: { kind: 'department' }, roles: ['reviewer'] },
  { key: 'school1.clerk', org: { kind: 'budgetUnit', serial: 1 }, roles: ['clerk'] },
  { key: 'school2.clerk', org: { kind: 'budgetUnit', serial: 2 }, roles: ['clerk'] },
  { key: 'bank.clerk', org: { kind: 'bank' }, roles: ['clerk'] },
  // the other desks the fiscal processes route to (业务处, 资产, 绩效, 评审中心, 非税, 支付中心, 单位与部门负责人)
  { key: 'business.reviewer', org: { kind: 'division', suffix: 'JKW' }, roles: ['reviewer'] },
  { key: 'business.chief', org: { kind: 'division', suffix: 'JKW' }, roles: ['chief'] },
  { key: 'asset.reviewer', org: { kind: 'division', suffix: 'ZC' }, roles: ['reviewer'] },
  { key: 'performance.reviewer', org: { kind: 'division', suffix: 'JX' }, roles: ['reviewer'] },
  { key: 'review.reviewer', org: { kind: 'division', suffix: 'PSZX' }, roles: ['reviewer'] },
  { key: 'budget.chief', org: { kind: 'division', suffix: 'YS' }, roles: ['chief'] },
  { key: 'nontax.clerk', org: { kind: 'division', suffix: 'FS' }, roles: ['clerk'] },
  { key: 'nontax.reviewer', org: { kind: 'division', suffix: 'FS' }, roles: ['reviewer'] },
  { key: 'nontax.chief', org: { kind: 'division', suffix: 'FS' }, roles: ['chief'] },
  { key: 'paycenter.clerk', org: { kind: 'division', suffix: 'ZFZX' }, roles: ['clerk'] },
  { key: 'paycenter.reviewer', org: { kind: 'division', suffix: 'ZFZX' }, roles: ['reviewer'] },
  { key: 'education.chief', org: { kind: 'department' }, roles: ['chief'] },
  { key: 'school1.chief', org: { kind: 'budgetUnit', serial: 1 }, roles: ['chief'] },
  { key: 'school1.director', org: { kind: 'budgetUnit', serial: 1 }, roles: ['director'] },
];

/** The province's system administrator (also process admin and designer), at the province bureau. */
export const HENAN_DEMO_ADMIN = {
  id: 'henan.admin',
  regionCode: '410000',
  roles: ['admin', 'process_admin', 'designer'] as readonly Role[],
} as const;
