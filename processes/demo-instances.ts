/**
 * Demo process instances for `npm start`: a new installation shows a living system, not empty inboxes. Each
 * instance is started and moved forward through the engine API exactly as the demo users would (the unit clerk
 * applies, the chief approves, the bank sends its 回单 …), so every step's routing, service tasks and ledger
 * entries are real. They cover the four bundled processes and the county, city, 省直管县 and province levels.
 *
 * The engine workers must be running: routing and service tasks run as jobs, and each move waits (bounded by
 * `stepTimeoutMs`) until the workers brought the instance to the step the next demo user acts on. Doing the
 * work through the workers, rather than running jobs by hand here, keeps the demo on the production path.
 *
 * Idempotent per instance: every demo instance has a fixed business key `DEMO-…`; a key that already names an
 * instance is left alone, so a second start adds nothing and a start interrupted halfway completes the rest.
 * A demo instance that cannot reach its state (e.g. a process changed) is reported, not fatal: the others are
 * still created and the server still starts.
 */
import type { Knex } from 'knex';
import type { Engine, TaskRecord, InstanceView, ReturnTarget } from '../engine/index.js';
import { OrgDirectory } from './org/org-directory.js';

export const DEMO_BUSINESS_KEY_PREFIX = 'DEMO-';

export interface DemoInstanceOptions {
  /** One line per instance created and a summary (the `out` of `fiscal-bpm start`). */
  readonly out?: (line: string) => void;
  /** Wall clock for the bank's payment times (the engine keeps its own clock). Default `Date.now`. */
  readonly now?: () => number;
  /** How long one step may take the workers (routing, service tasks) before the instance is reported. */
  readonly stepTimeoutMs?: number;
}

export interface DemoInstanceResult {
  /** Business keys started now. */
  readonly created: string[];
  /** Business keys that already named an instance. */
  readonly existing: string[];
  /** Business keys that could not be brought to their state, with why. */
  readonly failed: { readonly businessKey: string; readonly message: string }[];
}

/** One demo instance: what it shows, and the moves that bring it there. Returns where it waits now. */
interface DemoInstance {
  readonly businessKey: string;
  readonly title: string;
  run(d: DemoDriver): Promise<string>;
}

/** Starts the demo instances that do not exist yet. */
export async function seedDemoInstances(
  engine: Engine,
  knex: Knex,
  options: DemoInstanceOptions = {},
): Promise<DemoInstanceResult> {
  const out = options.out ?? (() => undefined);
  const driver = new DemoDriver(
    engine,
    new OrgDirectory(knex),
    options.now ?? Date.now,
    options.stepTimeoutMs ?? 30_000,
  );
  const result: DemoInstanceResult = { created: [], existing: [], failed: [] };
  for (const demo of DEMO_INSTANCES) {
    if ((await engine.listInstances({ businessKey: demo.businessKey, maxResults: 1 })).length > 0) {
      result.existing.push(demo.businessKey);
      continue;
    }
    try {
      const state = await demo.run(driver.for(demo.businessKey));
      result.created.push(demo.businessKey);
      out(`Demo instance ${demo.businessKey}: ${demo.title} — ${state}`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      result.failed.push({ businessKey: demo.businessKey, message });
      out(`Demo instance ${demo.businessKey} not completed: ${message}`);
      // a step that never came means the workers do not run: do not make the start wait that long again
      if (err instanceof StepTimeout) {
        out(
          'Demo instances: the workers did not advance the last instance; the others are left for the next start',
        );
        break;
      }
    }
  }
  if (result.created.length > 0 || result.failed.length > 0) {
    out(
      `Demo instances: ${result.created.length} started, ${result.existing.length} already there` +
        (result.failed.length > 0 ? `, ${result.failed.length} failed` : ''),
    );
  }
  return result;
}

/** The workers did not bring an instance to the awaited step in time. */
class StepTimeout extends Error {}

/** The moves of a demo user, each waiting for the workers to bring the instance to the step. */
class DemoDriver {
  constructor(
    private readonly engine: Engine,
    private readonly orgs: OrgDirectory,
    readonly now: () => number,
    private readonly timeoutMs: number,
    readonly businessKey = '',
    private rootId = '',
  ) {}

  /** A driver for one demo instance (its business key is shared by its child instances). */
  for(businessKey: string): DemoDriver {
    return new DemoDriver(this.engine, this.orgs, this.now, this.timeoutMs, businessKey);
  }

  /** Starts the instance as `initiator`, at the initiator's org unit. */
  async start(processKey: string, initiator: string, variables: Record<string, unknown> = {}) {
    const user = await this.orgs.getUser(initiator);
    const org = user ? await this.orgs.getOrg(user.orgCode) : undefined;
    if (!org) throw new Error(`demo user ${initiator} is not in the org directory`);
    const view = await this.engine.startInstance(processKey, {
      initiator,
      businessKey: this.businessKey,
      variables,
      org: { code: org.code, path: org.path },
    });
    this.rootId = view.id;
    return view;
  }

  /** The open task at `elementId` (in the instance or one of its children) routed to `user`, once it is. */
  task(elementId: string, user: string): Promise<TaskRecord> {
    return this.waitFor(`${elementId} for ${user}`, async () => {
      const open = await this.engine.listTasks({
        businessKey: this.businessKey,
        elementId,
        state: 'created',
      });
      return open.find((t) => t.assignee === user || (!t.assignee && t.candidateUsers.includes(user)));
    });
  }

  /** `user` completes (通过) the task at `elementId` with the form's variables. */
  async complete(
    elementId: string,
    user: string,
    variables: Record<string, unknown> = {},
    comment?: string,
  ): Promise<void> {
    const task = await this.task(elementId, user);
    await this.engine.completeTask(task.id, { actor: user, variables, ...(comment ? { comment } : {}) });
  }

  /** `user` 退回 the task at `elementId`. */
  async returnTask(elementId: string, user: string, target: ReturnTarget, comment: string): Promise<void> {
    const task = await this.task(elementId, user);
    await this.engine.returnTask(task.id, { actor: user, target, comment });
  }

  /** The instance once it waits at `elementId` (a receive task, a timer …). */
  reach(elementId: string): Promise<InstanceView> {
    return this.waitFor(`the instance at ${elementId}`, async (view) =>
      view.activeElementIds.includes(elementId) ? view : undefined,
    );
  }

  /** The instance once it has ended. */
  ended(): Promise<InstanceView> {
    return this.waitFor(
      'the instance to end',
      async (view) => (view.status === 'running' ? undefined : view),
      {
        endedIsFailure: false,
      },
    );
  }

  /** A variable of the root instance, once set. */
  async variable(name: string): Promise<unknown> {
    return this.waitFor(`variable ${name}`, async (view) => view.variables[name] ?? undefined);
  }

  correlate(
    messageName: string,
    correlationKey: string,
    messageId: string,
    variables: Record<string, unknown>,
  ) {
    return this.engine.correlateMessage(messageName, { correlationKey, messageId, variables });
  }

  /** The root instance of another demo business key (for a demo that builds on another one). */
  async rootInstanceOf(businessKey: string): Promise<InstanceView | undefined> {
    const [found] = await this.engine.listInstances({ businessKey, parentInstanceId: null, maxResults: 1 });
    return found ? this.engine.getInstance(found.id) : undefined;
  }

  /**
   * Polls until `probe` answers. Fails at once when the root instance ended (unless waiting for that) or has an
   * open incident, and after the step timeout otherwise.
   */
  private async waitFor<T>(
    what: string,
    probe: (root: InstanceView) => Promise<T | undefined>,
    { endedIsFailure = true } = {},
  ): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const root = await this.engine.getInstance(this.rootId);
      const found = await probe(root);
      if (found !== undefined) return found;
      const incident = root.incidents.find((i) => i.state === 'open');
      if (incident)
        throw new Error(`waiting for ${what}: incident at ${incident.elementId}: ${incident.message}`);
      if (endedIsFailure && root.status !== 'running') {
        throw new Error(
          `waiting for ${what}: the instance ended (${root.status} at ${root.completedElementIds.at(-1)})`,
        );
      }
      if (Date.now() > deadline) {
        throw new StepTimeout(
          `waiting for ${what}: still at ${root.activeElementIds.join(', ') || 'nothing'} after ${this.timeoutMs} ms`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

// the demo data ////////////////////////////////////////////////////////////////////////////////////////////

const yuan = (fen: number) =>
  `${(fen / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} 元`;
const waitsFor = (elementId: string, name: string, user: string) =>
  `待 ${user} 办理「${name}」（${elementId}）`;

/** A 国库集中支付 application as the unit clerk enters it at B3 (corporate transfer unless overridden). */
function payment(
  indicatorId: string,
  amountFen: number,
  purpose: string,
  payeeName: string,
  payeeAccount: string,
  payeeBank: string,
  extra: Record<string, unknown> = {},
) {
  return {
    indicatorId,
    amountFen,
    purpose,
    payeeName,
    payeeAccount,
    payeeBank,
    payeeAccountType: 'corporate',
    settlementMethod: 'transfer',
    ...extra,
  };
}

/** Starts a payment as `clerk` and submits the application. */
async function applyForPayment(d: DemoDriver, clerk: string, application: Record<string, unknown>) {
  await d.start('treasuryPayment', clerk);
  await d.complete('B3_apply', clerk, application, '申请支付');
}

const ZM = {
  clerk: 'zhongmou.school1.clerk',
  chief: 'zhongmou.school1.chief',
  director: 'zhongmou.school1.director',
  school2: 'zhongmou.school2.clerk',
  education: 'zhongmou.education.reviewer',
  educationChief: 'zhongmou.education.chief',
  paycenter: 'zhongmou.paycenter.reviewer',
  treasuryReviewer: 'zhongmou.treasury.reviewer',
  nontaxClerk: 'zhongmou.nontax.clerk',
  nontaxReviewer: 'zhongmou.nontax.reviewer',
  business: 'zhongmou.business.reviewer',
  budget: 'zhongmou.budget.reviewer',
} as const;
/** 县一中 教学设备购置 (200 万元, demo indicator of processes/treasury-payment/demo-seed.ts). */
const ZM_EQUIPMENT = 'ZB-410122BMJY001-02';
const ZM_BANK = '中国工商银行中牟支行';

/** Issues a 缴款书 as 县一中's clerk; returns its variables once it waits for the payment. */
async function issueNotice(d: DemoDriver, itemCode: string, payerName: string, payerPhone: string) {
  await d.start('nonTaxCollection', ZM.clerk, { payerName, payerPhone, lines: [{ itemCode, quantity: 1 }] });
  const view = await d.reach('C3_dueTimer');
  return {
    noticeNo: String(view.variables.noticeNo),
    paymentCode: String(view.variables.paymentCode),
    payableFen: Number(view.variables.payableFen),
  };
}

/** The bank front-end's payment callback for a notice (what 工行中牟支行 sends to POST /api/message). */
async function bankPays(
  d: DemoDriver,
  notice: { paymentCode: string; payableFen: number },
  payerName: string,
) {
  const bankSerialNo = `ICBC-${d.businessKey}`;
  const result = await d.correlate('nonTaxPayment', notice.paymentCode, bankSerialNo, {
    bankSerialNo,
    paidFen: notice.payableFen,
    paidAt: new Date(d.now()).toISOString(),
    payerName,
    bankOrgCode: '410122-YH-102',
  });
  if (result.outcome !== 'correlated') throw new Error(`the payment was ${result.outcome}, not correlated`);
}

const DEMO_INSTANCES: readonly DemoInstance[] = [
  // 国库集中支付 ////////////////////////////////////////////////////////////////////////////////////////////
  {
    businessKey: 'DEMO-ZF-001',
    title: `国库集中支付 中牟县第一中学 购置多媒体教学一体机 ${yuan(3_600_000)}`,
    async run(d) {
      await applyForPayment(
        d,
        ZM.clerk,
        payment(
          ZM_EQUIPMENT,
          3_600_000,
          '购置多媒体教学一体机 6 台',
          '河南华锐教育科技有限公司',
          '6222024100012345678',
          '中国工商银行郑州分行',
        ),
      );
      await d.task('B5_unitChief', ZM.chief);
      return waitsFor('B5_unitChief', '单位负责人审核', ZM.chief);
    },
  },
  {
    businessKey: 'DEMO-ZF-002',
    title: `国库集中支付 中牟县第一中学 购置理化生实验室设备 ${yuan(62_000_000)}`,
    async run(d) {
      // above 50 万元 the authority table asks the director, the department and the payment center
      await applyForPayment(
        d,
        ZM.clerk,
        payment(
          ZM_EQUIPMENT,
          62_000_000,
          '购置理化生实验室设备一批（政府采购合同 ZMCG-2026-0315）',
          '河南博远教学仪器有限公司',
          '4102012309200088866',
          '中国建设银行郑州文化路支行',
        ),
      );
      await d.complete(
        'B5_unitChief',
        ZM.chief,
        { unitChiefDecision: 'approve', unitChiefOpinion: '同意' },
        '同意',
      );
      await d.complete(
        'B5_unitDirector',
        ZM.director,
        { unitDirectorDecision: 'approve', unitDirectorOpinion: '同意支付' },
        '同意',
      );
      await d.complete(
        'B6_departmentReview',
        ZM.education,
        { departmentDecision: 'approve', departmentOpinion: '符合预算安排' },
        '同意',
      );
      await d.task('B7_financeReview', ZM.paycenter);
      return waitsFor('B7_financeReview', '财政审核（国库支付中心）', ZM.paycenter);
    },
  },
  {
    businessKey: 'DEMO-ZF-003',
    title: `国库集中支付 中牟县第一中学 购置学生课桌椅 ${yuan(2_560_000)}（退回）`,
    async run(d) {
      await applyForPayment(
        d,
        ZM.clerk,
        payment(
          ZM_EQUIPMENT,
          2_560_000,
          '购置学生课桌椅 80 套',
          '中牟县鑫达家具厂',
          '6228480018800123456',
          '中国农业银行中牟县支行',
        ),
      );
      await d.returnTask('B5_unitChief', ZM.chief, 'initiator', '请补充采购合同和验收单后重新提交');
      await d.task('B3_apply', ZM.clerk);
      return `已退回，${waitsFor('B3_apply', '录入支付申请', ZM.clerk)}`;
    },
  },
  {
    businessKey: 'DEMO-ZF-004',
    title: `国库集中支付 中牟县第一中学 购置电子阅览室计算机 ${yuan(4_800_000)}（已支付）`,
    async run(d) {
      await applyForPayment(
        d,
        ZM.clerk,
        payment(
          ZM_EQUIPMENT,
          4_800_000,
          '购置图书馆电子阅览室计算机 8 台',
          '郑州金科电子设备有限公司',
          '6222024100098765432',
          '中国工商银行郑州分行',
        ),
      );
      await d.complete(
        'B5_unitChief',
        ZM.chief,
        { unitChiefDecision: 'approve', unitChiefOpinion: '同意' },
        '同意',
      );
      await d.reach('B9_bankPayment');
      const voucherNo = String(await d.variable('voucherNo'));
      // the 回单 of 工行中牟支行 (zhongmou.bank.clerk sends it as POST /api/message)
      const result = await d.correlate('treasuryBankReceipt', voucherNo, `receipt-${voucherNo}`, {
        bankSerial: 'ICBC-ZM-20260001',
      });
      if (result.outcome !== 'correlated') throw new Error(`the 回单 was ${result.outcome}, not correlated`);
      await d.ended();
      return `已支付（凭证 ${voucherNo}，银行流水 ICBC-ZM-20260001）`;
    },
  },
  {
    businessKey: 'DEMO-ZF-005',
    title: `国库集中支付 中牟县第一中学 购置打印复印一体机 ${yuan(1_580_000)}（待银行回单）`,
    async run(d) {
      await applyForPayment(
        d,
        ZM.clerk,
        payment(
          ZM_EQUIPMENT,
          1_580_000,
          '购置打印复印一体机 2 台',
          '中牟县文华办公设备商行',
          '6217002430012233445',
          ZM_BANK,
        ),
      );
      await d.complete(
        'B5_unitChief',
        ZM.chief,
        { unitChiefDecision: 'approve', unitChiefOpinion: '同意' },
        '同意',
      );
      await d.reach('B9_bankPayment');
      return `凭证 ${String(await d.variable('voucherNo'))} 已送 ${ZM_BANK}，待银行回单（B9_bankPayment）`;
    },
  },
  {
    businessKey: 'DEMO-ZF-006',
    title: `国库集中支付 中牟县第一中学 提取现金 ${yuan(6_500_000)}（红色预警）`,
    async run(d) {
      // cash above 5 万元: rule TX-001 (红) holds the payment for 预警处理
      await applyForPayment(
        d,
        ZM.clerk,
        payment(
          ZM_EQUIPMENT,
          6_500_000,
          '提取现金支付实验室设备搬运安装临时用工劳务费',
          '中牟县第一中学',
          '6217002430000001122',
          ZM_BANK,
          {
            settlementMethod: 'cash',
          },
        ),
      );
      await d.complete(
        'W1_unitFeedback',
        ZM.clerk,
        { warningExplanation: '临时用工多为附近村民，无银行卡，需现金发放' },
        '已说明',
      );
      await d.complete(
        'W2_departmentFirstReview',
        ZM.education,
        { departmentFirstOpinion: '情况属实' },
        '同意',
      );
      await d.complete(
        'W3_departmentSecondReview',
        ZM.educationChief,
        { departmentSecondOpinion: '同意报财政' },
        '同意',
      );
      await d.task('W4_financeFirstReview', ZM.treasuryReviewer);
      return `红色预警（TX-001 大额提现），${waitsFor('W4_financeFirstReview', '财政处室初审', ZM.treasuryReviewer)}`;
    },
  },
  {
    businessKey: 'DEMO-ZF-007',
    title: `国库集中支付（授权支付）巩义市第一中学 购置智慧黑板 ${yuan(8_500_000)}`,
    async run(d) {
      await applyForPayment(
        d,
        'gongyi.school1.clerk',
        payment(
          'ZB-410181BMJY001-02',
          8_500_000,
          '购置智慧黑板 5 块',
          '巩义市恒信教学设备有限公司',
          '6222021706001234567',
          '中国工商银行巩义支行',
        ),
      );
      await d.complete(
        'B5_unitChief',
        'gongyi.school1.chief',
        { unitChiefDecision: 'approve', unitChiefOpinion: '同意' },
        '同意',
      );
      await d.task('B5_unitDirector', 'gongyi.school1.director');
      return waitsFor('B5_unitDirector', '单位主要负责人审批', 'gongyi.school1.director');
    },
  },
  {
    businessKey: 'DEMO-ZF-008',
    title: `国库集中支付（直接支付）郑州市第一中学 购置计算机教室设备 ${yuan(12_800_000)}`,
    async run(d) {
      await applyForPayment(
        d,
        'zhengzhou.school1.clerk',
        payment(
          'ZB-410100BMJY001-02',
          12_800_000,
          '购置计算机教室设备（交换机、学生终端 50 台）',
          '河南中科信息技术有限公司',
          '4100160601005566778',
          '中国银行郑州金水支行',
        ),
      );
      await d.complete(
        'B5_unitChief',
        'zhengzhou.school1.chief',
        { unitChiefDecision: 'approve', unitChiefOpinion: '同意' },
        '同意',
      );
      await d.complete(
        'B5_unitDirector',
        'zhengzhou.school1.director',
        { unitDirectorDecision: 'approve', unitDirectorOpinion: '同意' },
        '同意',
      );
      await d.task('B7_financeReview', 'zhengzhou.paycenter.reviewer');
      return waitsFor('B7_financeReview', '财政审核（国库支付中心）', 'zhengzhou.paycenter.reviewer');
    },
  },

  // 预算编制与项目库 //////////////////////////////////////////////////////////////////////////////////////////
  {
    businessKey: 'DEMO-XM-001',
    title: `项目库 中牟县第一中学 智慧校园网络升级改造 ${yuan(158_000_000)}`,
    async run(d) {
      await d.start('projectLibrary', ZM.clerk, {
        unitCode: '410122-BM-JY-001',
        projectName: '智慧校园网络升级改造',
        category: 'specific',
        term: 'once',
        totalFen: 158_000_000,
        functionalClass: '2050203',
        economicClass: '31002',
        performanceGoal: '完成全校 60 间教室及办公区网络改造，无线覆盖率 100%，师生满意度 ≥ 90%',
      });
      await d.task('P2_department', ZM.education);
      return waitsFor('P2_department', '主管部门审核', ZM.education);
    },
  },
  {
    businessKey: 'DEMO-YS-410122-2027',
    title: '预算编制 中牟县 2027 年度（“二上二下”）',
    async run(d) {
      await d.start('budgetPreparation', ZM.budget, {
        fiscalYear: 2027,
        financeBureauCode: '410122-CZ',
        departmentCodes: ['410122-BM-JY'],
        npcSessionDate: '2027-01-15',
      });
      // 县二中 has sent its 一上; 县一中 has not yet
      const line = (projectName: string, amountFen: number, category: string, goal: string) => ({
        category,
        projectName,
        functionalClass: '2050203',
        economicClass: category === 'basic' ? '30101' : '31002',
        amountFen,
        performanceGoal: goal,
      });
      await d.complete('A2_proposal', ZM.school2, {
        items: [
          line('人员经费', 38_600_000, 'basic', ''),
          line('校舍维修改造', 28_000_000, 'project', '完成教学楼屋面防水及外墙维修，年底前竣工验收'),
        ],
      });
      await d.task('A2_proposal', ZM.clerk);
      return `县二中已报“一上”，${waitsFor('A2_proposal', '单位编报“一上”建议数', ZM.clerk)}`;
    },
  },

  // 非税收入 ///////////////////////////////////////////////////////////////////////////////////////////////
  {
    businessKey: 'DEMO-FS-001',
    title: '非税收入 中牟县第一中学 普通高中住宿费 缴款人 王丽娟',
    async run(d) {
      const notice = await issueNotice(d, 'JY-ZSF', '王丽娟', '13837100001');
      return `缴款书 ${notice.noticeNo}（缴款码 ${notice.paymentCode}，${yuan(notice.payableFen)}）待缴款`;
    },
  },
  {
    businessKey: 'DEMO-FS-002',
    title: '非税收入 中牟县第一中学 普通高中住宿费 缴款人 刘洋',
    async run(d) {
      const notice = await issueNotice(d, 'JY-ZSF', '刘洋', '13937100002');
      await bankPays(d, notice, '刘洋');
      await d.task('C4_confirmArrival', ZM.nontaxClerk);
      return `已缴款 ${yuan(notice.payableFen)}，${waitsFor('C4_confirmArrival', '到账确认', ZM.nontaxClerk)}`;
    },
  },
  {
    businessKey: 'DEMO-FS-003',
    title: '非税收入 中牟县第一中学 教育考试考务费（市级收入）缴款人 陈晨',
    async run(d) {
      const notice = await issueNotice(d, 'JY-KWF', '陈晨', '15837100003');
      await bankPays(d, notice, '陈晨');
      await d.complete('C4_confirmArrival', ZM.nontaxClerk, { arrivalOpinion: '已到账' }, '已到账');
      await d.ended();
      return `已缴款、开票、分成入库（缴款书 ${notice.noticeNo}）`;
    },
  },
  {
    businessKey: 'DEMO-FS-004',
    title: `非税收入退付 中牟县第一中学 考务费 ${yuan(12_000)}（涉及市级收入）`,
    async run(d) {
      // refunds the 考务费 paid in DEMO-FS-003: city revenue, so the city's 非税科 approves too
      const paid = await d.rootInstanceOf('DEMO-FS-003');
      if (!paid || paid.status !== 'completed')
        throw new Error('DEMO-FS-003 (the paid 考务费) is not complete');
      await d.start('nonTaxRefund', ZM.clerk, {
        noticeNo: paid.variables.noticeNo,
        refundFen: 12_000,
        applicantKind: 'payer',
        reason: '考生因病未能参加考试，申请退还考务费',
      });
      await d.complete(
        'R1_unitReview',
        ZM.chief,
        { unitApproved: true, unitOpinion: '情况属实，同意退付' },
        '同意',
      );
      await d.complete(
        'R2_financeReview',
        ZM.nontaxReviewer,
        { financeApproved: true, financeOpinion: '同意，报市局审核' },
        '同意',
      );
      await d.task('R3_upperReview', 'zhengzhou.nontax.reviewer');
      return waitsFor('R3_upperReview', '上级财政非税审核', 'zhengzhou.nontax.reviewer');
    },
  },

  // 转移支付 ///////////////////////////////////////////////////////////////////////////////////////////////
  {
    businessKey: 'DEMO-ZY-001',
    title: `专项转移支付申报 中牟县第一中学 农村寄宿制学校宿舍改造 ${yuan(300_000_000)}`,
    async run(d) {
      await d.start('transferPaymentApplication', ZM.clerk);
      await d.complete(
        'TP1_apply',
        ZM.clerk,
        {
          projectName: '农村寄宿制学校宿舍改造',
          fiscalYear: 2027,
          functionalClass: '205',
          fundType: 'general_public',
          requestedAmountFen: 300_000_000,
          projectSummary: '改造学生宿舍楼 2 栋，新增床位 400 个，配套卫浴及消防设施',
          performanceTarget: '2027 年 8 月底前完工投用，住宿条件达标率 100%',
          budgetLines: [
            { item: '宿舍楼主体改造', economicClass: '309', amountFen: 240_000_000 },
            { item: '卫浴及消防设施', economicClass: '309', amountFen: 60_000_000 },
          ],
        },
        '提交申报',
      );
      await d.complete('TP2_departmentReview', ZM.education, {}, '同意上报');
      await d.complete('TP3_countyReview', ZM.business, {}, '同意上报市财政局');
      await d.task('TP4_cityReview', 'zhengzhou.business.reviewer');
      return waitsFor('TP4_cityReview', '市财政业务科初审汇总', 'zhengzhou.business.reviewer');
    },
  },
];

/** The business keys of the demo instances, in the order they are created. */
export const DEMO_BUSINESS_KEYS: readonly string[] = DEMO_INSTANCES.map((d) => d.businessKey);
