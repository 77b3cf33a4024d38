/**
 * The seed codes of every reference list, from domain.md §5 (and §2.0, §3.0 for accounts and 非税 categories).
 * Official classification codes (功能分类, 经济分类, 收入分类) keep their official numbers; enumerations without an
 * official code in our sources get a readable lowercase code (`yellow`, `county`, `general_public`), the same
 * codes the process tables store. Codes the research marked "(memory, verify)" carry `verify: true` and are
 * served with `needsVerification` so reviewers can check them against the current-year 《政府收支分类科目》
 * before relying on them. The seeder only inserts codes that are missing, so admin edits survive a re-seed.
 */
import type { ReferenceListName } from './reference-lists.js';

export interface ReferenceCodeSeed {
  readonly code: string;
  readonly name: string;
  readonly parentCode?: string;
  /** What the code means or does (e.g. how a warning level is handled). */
  readonly description?: string;
  /** Not re-verified against the current official list (domain.md marks it "memory, verify"). */
  readonly verify?: boolean;
}

const codes = (
  rows: readonly (readonly [string, string] | readonly [string, string, Partial<ReferenceCodeSeed>])[],
  defaults: Partial<ReferenceCodeSeed> = {},
): ReferenceCodeSeed[] => rows.map(([code, name, extra]) => ({ ...defaults, code, name, ...(extra ?? {}) }));

const byCode = (rows: ReferenceCodeSeed[]) =>
  [...rows].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));

/** 政府支出功能分类, 类 level (§5.2). */
const functionalClass = [
  ...codes([
    ['201', '一般公共服务支出'],
    ['202', '外交支出'],
    ['203', '国防支出'],
    ['204', '公共安全支出'],
    ['205', '教育支出'],
    ['206', '科学技术支出'],
    ['207', '文化旅游体育与传媒支出'],
    ['208', '社会保障和就业支出'],
    ['209', '社会保险基金支出'],
    ['210', '卫生健康支出'],
    ['211', '节能环保支出'],
    ['212', '城乡社区支出'],
    ['213', '农林水支出'],
    ['214', '交通运输支出'],
    ['215', '资源勘探工业信息等支出'],
    ['216', '商业服务业等支出'],
    ['217', '金融支出'],
    ['219', '援助其他地区支出'],
    ['220', '自然资源海洋气象等支出'],
    ['221', '住房保障支出'],
  ]),
  ...codes(
    [
      ['222', '粮油物资储备支出'],
      ['223', '国有资本经营预算支出'],
      ['224', '灾害防治及应急管理支出'],
      ['227', '预备费'],
    ],
    { verify: true },
  ),
  ...codes([
    ['229', '其他支出'],
    ['230', '转移性支出'],
  ]),
  ...codes(
    [
      ['231', '债务还本支出'],
      ['232', '债务付息支出'],
      ['233', '债务发行费用支出'],
    ],
    { verify: true },
  ),
  // the 教育 款/项 the demo processes use (budget lines, indicators); from the 2024 科目, to verify
  ...codes(
    [
      ['20501', '教育管理事务', { parentCode: '205' }],
      ['20502', '普通教育', { parentCode: '205' }],
      ['2050201', '学前教育', { parentCode: '20502' }],
      ['2050202', '小学教育', { parentCode: '20502' }],
      ['2050203', '初中教育', { parentCode: '20502' }],
      ['2050204', '高中教育', { parentCode: '20502' }],
      ['2050299', '其他普通教育支出', { parentCode: '20502' }],
      ['20503', '职业教育', { parentCode: '205' }],
    ],
    { verify: true },
  ),
  // 23004 is sourced (§5.4) as the expenditure side of 政府性基金转移支付
  ...codes([['23004', '政府性基金转移支付', { parentCode: '230' }]]),
];

/** 支出经济分类: 部门 (3xx) and 政府 (5xx), 类 and the 款 the sources name (§5.3). */
const economicClass = [
  ...codes([
    ['301', '工资福利支出'],
    ['30101', '基本工资', { parentCode: '301' }],
    ['30102', '津贴补贴', { parentCode: '301' }],
    ['30103', '奖金', { parentCode: '301' }],
    ['30107', '绩效工资', { parentCode: '301' }],
    ['30108', '机关事业单位基本养老保险缴费', { parentCode: '301' }],
    ['30109', '职业年金缴费', { parentCode: '301' }],
    ['30110', '职工基本医疗保险缴费', { parentCode: '301' }],
    ['302', '商品和服务支出'],
  ]),
  // the 302 款 the sources name without their numbers (办公费, 印刷费, 水电, 邮电, 差旅费, 公务接待费)
  ...codes(
    [
      ['30201', '办公费'],
      ['30202', '印刷费'],
      ['30205', '水费'],
      ['30206', '电费'],
      ['30207', '邮电费'],
      ['30211', '差旅费'],
      ['30217', '公务接待费'],
    ],
    { parentCode: '302', verify: true },
  ),
  ...codes(
    [
      ['30215', '会议费'],
      ['30216', '培训费'],
    ],
    { parentCode: '302' },
  ),
  ...codes([['303', '对个人和家庭的补助']]),
  // the 310 资本性支出 款 the demo processes use (equipment purchases); from memory, to verify
  ...codes(
    [
      ['31001', '房屋建筑物购建'],
      ['31002', '办公设备购置'],
      ['31003', '专用设备购置'],
      ['31005', '基础设施建设'],
      ['31007', '信息网络及软件购置更新'],
    ],
    { parentCode: '310', verify: true },
  ),
  ...codes(
    [
      ['307', '债务利息及费用支出'],
      ['309', '资本性支出（基本建设）'],
      ['310', '资本性支出'],
      ['311', '对企业补助（基本建设）'],
      ['312', '对企业补助'],
      ['313', '对社会保障基金补助'],
      ['399', '其他支出'],
    ],
    { verify: true },
  ),
  ...codes([
    ['501', '机关工资福利支出'],
    ['502', '机关商品和服务支出'],
    ['50201', '办公经费', { parentCode: '502' }],
    ['50202', '会议费', { parentCode: '502' }],
    ['50203', '培训费', { parentCode: '502' }],
    ['50204', '专用材料购置费', { parentCode: '502' }],
  ]),
  ...codes(
    [
      ['503', '机关资本性支出（一）'],
      ['504', '机关资本性支出（二）'],
      ['505', '对事业单位经常性补助'],
      ['506', '对事业单位资本性补助'],
      ['507', '对企业补助'],
      ['508', '对企业资本性支出'],
      ['509', '对个人和家庭的补助'],
      ['510', '对社会保障基金补助'],
      ['511', '债务利息及费用支出'],
      ['512', '债务还本支出'],
      ['513', '转移性支出'],
      ['514', '预备费及预留'],
      ['599', '其他支出'],
    ],
    { verify: true },
  ),
];

/** 政府收入分类: 类, the 103 非税收入 款, and the transfer-revenue examples (§5.4). */
const revenueClass = [
  ...codes([
    ['101', '税收收入'],
    ['102', '社会保险基金收入'],
    ['103', '非税收入'],
    ['104', '贷款转贷回收本金收入'],
    ['105', '债务收入'],
    ['110', '转移性收入'],
    ['10301', '政府性基金收入', { parentCode: '103' }],
    ['10302', '专项收入', { parentCode: '103' }],
    ['10304', '行政事业性收费收入', { parentCode: '103' }],
  ]),
  ...codes(
    [
      ['10305', '罚没收入'],
      ['10306', '国有资本经营收入'],
      ['10307', '国有资源（资产）有偿使用收入'],
      ['10308', '捐赠收入'],
      ['10309', '政府住房基金收入'],
      ['10399', '其他收入'],
    ],
    { parentCode: '103', verify: true },
  ),
  // the 款 above the sourced 项 examples; its name is from memory
  ...codes([['11002', '一般性转移支付收入', { parentCode: '110', verify: true }]]),
  ...codes(
    [
      ['1100202', '均衡性转移支付收入'],
      ['1100207', '县级基本财力保障机制奖补资金收入'],
      ['1100208', '结算补助收入'],
      ['1100212', '资源枯竭型城市转移支付补助收入'],
      ['1100226', '重点生态功能区转移支付收入'],
      ['1100227', '固定数额补助收入'],
      ['1100228', '革命老区转移支付收入'],
      ['1100229', '民族地区转移支付收入'],
    ],
    { parentCode: '11002' },
  ),
  ...codes([['11004', '政府性基金转移支付收入', { parentCode: '110' }]]),
];

/** Henan's legal 非税 categories, the first level of the 非税 item tree (§3.0). */
const nonTaxCategory = codes([
  ['01', '行政事业性收费'],
  ['02', '政府性基金'],
  ['03', '国有资源有偿使用收入'],
  ['04', '国有资产有偿使用收入'],
  ['05', '上缴的国有资本经营收益'],
  ['06', '罚没收入'],
  ['07', '以政府名义接受的非定向捐赠货币收入'],
  ['08', '主管部门集中收入'],
  ['09', '其他非税收入'],
]);

const fundType = codes([
  ['general_public', '一般公共预算资金'],
  ['government_fund', '政府性基金预算资金'],
  ['state_capital', '国有资本经营预算资金'],
  ['special_account', '财政专户管理资金'],
]);

const paymentMethod = codes([
  ['transfer', '普通转账'],
  ['batch', '批量支付'],
  ['withholding', '代扣代缴'],
  ['counter_tax', '柜台缴税'],
  ['cash', '现金'],
  ['gov_procurement', '政府采购'],
  ['official_card', '公务卡'],
]);

const legacyPaymentType = codes([
  ['direct_salary', '工资直接支付'],
  ['direct_works', '工程采购直接支付'],
  ['direct_goods', '物品服务采购直接支付'],
  ['direct_other', '其他直接支付'],
  ['authorized', '财政授权支付'],
]);

const warningLevel = codes([
  ['yellow', '黄色预警', { description: '预警（无需附件）：提示后可继续办理' }],
  ['orange', '橙色预警', { description: '预警（需附件）：上传说明材料后可继续办理' }],
  ['red', '红色预警', { description: '拦截：经核实放行前不得支付' }],
  ['gray', '灰色预警', { description: '禁止：不得支付' }],
  ['blue', '蓝色预警', { description: '记录：仅记录，不影响办理' }],
]);

const triggerType = codes([
  ['realtime', '实时触发', { description: '事中监控：支付时即时判断' }],
  ['scheduled', '定时触发', { description: '事后监控：定期批量检查' }],
]);

const accountType = codes([
  ['treasury_single', '国库单一账户', { description: '在人民银行开设' }],
  ['finance_zero_balance', '财政零余额账户', { description: '在代理银行开设，每日清算归零' }],
  ['unit_zero_balance', '单位零余额账户', { description: '在代理银行开设，每日清算归零' }],
  ['finance_special', '财政专户'],
  ['designated_special', '特设专户'],
  ['nontax_collection', '非税收入汇缴结算账户'],
  ['pending_suspense', '待处理款项专户', { description: '暂存无法识别的缴款' }],
]);

const budgetLevel = codes([
  ['central', '中央级'],
  ['province', '省级'],
  ['city', '市级'],
  ['county', '县级'],
  ['township', '乡级'],
]);

const projectCategory = codes([
  ['personnel', '人员类'],
  ['operation', '运转类'],
  ['operation_public', '公用经费', { parentCode: 'operation' }],
  ['operation_other', '其他运转类', { parentCode: 'operation' }],
  ['specific', '特定目标类'],
]);

const projectTerm = codes([
  ['one_off', '一次性项目'],
  ['recurring', '经常性项目'],
  ['phased', '阶段性项目'],
]);

const projectReserveStatus = codes([
  ['reserved', '已储备未安排预算'],
  ['budgeted', '已安排预算'],
  ['terminated', '终止'],
]);

/** Every list's seed codes, in display order. */
export const REFERENCE_SEED: Readonly<Record<ReferenceListName, readonly ReferenceCodeSeed[]>> = {
  // official codes sort as text into tree order (类, then its 款, then the next 类)
  functionalClass: byCode(functionalClass),
  economicClass: byCode(economicClass),
  revenueClass: byCode(revenueClass),
  nonTaxCategory,
  fundType,
  paymentMethod,
  legacyPaymentType,
  warningLevel,
  triggerType,
  accountType,
  budgetLevel,
  projectCategory,
  projectTerm,
  projectReserveStatus,
};
