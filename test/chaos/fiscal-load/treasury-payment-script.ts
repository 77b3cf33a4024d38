/**
 * 国库集中支付 (processes/treasury-payment/README.md) as the load driver runs it: the school's clerk starts
 * `treasuryPayment` and submits the application at B3_apply, the unit chief approves at B5_unitChief (郑州,
 * 财政直接支付, also the payment center at B7_financeReview), and once the instance waits at B9_bankPayment the
 * agency bank's clerk posts the 回单 `treasuryBankReceipt` on the voucher number; B10 consumes the reservation
 * and the instance ends. Seeded randomness lets the chief 退回 to the applicant (who submits again) or, rarely,
 * decide 不予通过 (the reservation is released, the instance ends at endRejected).
 *
 * Money stays inside the demo indicators of processes/treasury-payment/demo-seed.ts: each payment is 100–500 元
 * (巩义, whose 授权支付 is capped by a 30 万元 monthly plan: 10–50 元), below the 5 万元 band so only the unit
 * chief approves, on one of the school's three indicators picked with weights proportional to their allocation
 * (the 办公费 line paid by 公务卡, which keeps rule GWK-001 quiet; the others by transfer to a corporate account,
 * a fresh account number each time so rule GP-001 never counts repeats). Capacity: see fiscal-load.ts.
 * Should a line still run dry (B4 sends the application back with INSUFFICIENT_BALANCE / PLAN_EXCEEDED), the
 * clerk withdraws the application (applyAction = cancel) so that the instance still ends.
 */
import {
  between,
  digits,
  pick,
  type InstanceDetail,
  type InstanceScript,
  type LoadRegion,
  type ScriptContext,
  type TaskAction,
} from './process-script.js';
import type { InboxTask } from './inboxes.js';

/** The school's indicator lines (suffix), their weight (万元 allocated) and how they are paid. */
const INDICATOR_LINES = [
  { suffix: '01', weight: 50, settlementMethod: 'card' },
  { suffix: '02', weight: 200, settlementMethod: 'transfer' },
  { suffix: '03', weight: 80, settlementMethod: 'transfer' },
] as const;

const PAYEES = [
  ['河南华锐教育科技有限公司', '中国工商银行郑州分行'],
  ['郑州金科电子设备有限公司', '中国建设银行郑州文化路支行'],
  ['中牟县文华办公设备商行', '中国工商银行中牟支行'],
  ['巩义市恒信教学设备有限公司', '中国工商银行巩义支行'],
  ['河南博远教学仪器有限公司', '中国农业银行郑州分行'],
] as const;

const PURPOSES = ['购置实验耗材', '购置教学用书', '维修教室门窗', '购置体育器材', '印制试卷', '购置办公用品'];

/** Payment amounts (分): below the 5 万元 authority band; 巩义 smaller because of its monthly plan. */
export function paymentAmountRangeFen(region: LoadRegion): readonly [number, number] {
  return region.paymentMode === 'authorized' ? [1_000, 5_000] : [10_000, 50_000];
}

export function treasuryPaymentScript(ctx: ScriptContext, region: LoadRegion): InstanceScript {
  const { random } = ctx;
  const user = (post: string) => `${region.slug}.${post}`;
  const clerk = user('school1.clerk');
  const chief = user('school1.chief');
  const paycenter = user('paycenter.reviewer');
  const afterUnit = region.paymentMode === 'direct' ? [paycenter] : [];

  const totalWeight = INDICATOR_LINES.reduce((sum, l) => sum + l.weight, 0);
  let roll = random() * totalWeight;
  const line = INDICATOR_LINES.find((l) => (roll -= l.weight) < 0) ?? INDICATOR_LINES[1];
  const [minFen, maxFen] = paymentAmountRangeFen(region);
  const [payeeName, payeeBank] = pick(random, PAYEES);
  const application = {
    indicatorId: `ZB-${region.regionCode}BMJY001-${line.suffix}`,
    amountFen: between(random, minFen, maxFen),
    payeeName,
    payeeAccount: `62${digits(random, 17)}`,
    payeeBank,
    payeeAccountType: 'corporate',
    settlementMethod: line.settlementMethod,
    purpose: `${pick(random, PURPOSES)}（压测 ${ctx.serial}）`,
  };

  let applications = 0;
  let returnedByUs = false;
  let ranDry = false;

  return {
    kind: 'treasuryPayment',
    processKey: 'treasuryPayment',
    businessKey: `LOAD-${ctx.runId}-ZF-${ctx.serial}`,
    starter: clerk,
    startVariables: {},
    firstActors: [clerk],
    actors: [clerk, chief, user('school1.director'), user('education.reviewer'), paycenter],
    onTask(task: InboxTask): TaskAction | undefined {
      switch (task.taskDefinitionKey) {
        case 'B3_apply': {
          applications++;
          // back at B3 without our 退回: B4 found no balance or plan left; withdraw so the instance ends
          const bounced = applications > 1 && !returnedByUs;
          returnedByUs = false;
          if (bounced) {
            ranDry = true;
            return {
              op: 'complete',
              variables: { ...application, applyAction: 'cancel' },
              comment: '额度不足，撤销申请',
              next: [],
            };
          }
          return {
            op: 'complete',
            variables: { ...application, applyAction: 'submit' },
            comment: applications > 1 ? '已补充材料，重新提交' : '申请支付',
            next: [chief],
          };
        }
        case 'B5_unitChief': {
          if (applications === 1 && random() < ctx.returnRate) {
            returnedByUs = true;
            return { op: 'return', target: 'initiator', comment: '请补充合同和验收单', next: [clerk] };
          }
          if (random() < ctx.returnRate / 4)
            return {
              op: 'complete',
              variables: { unitChiefDecision: 'reject', unitChiefOpinion: '不符合支出范围' },
              comment: '不予通过',
              next: [],
            };
          return {
            op: 'complete',
            variables: { unitChiefDecision: 'approve', unitChiefOpinion: '同意' },
            comment: '同意',
            next: afterUnit,
          };
        }
        case 'B5_unitDirector':
          return {
            op: 'complete',
            variables: { unitDirectorDecision: 'approve', unitDirectorOpinion: '同意' },
            comment: '同意',
            next: afterUnit,
          };
        case 'B6_departmentReview':
          return {
            op: 'complete',
            variables: { departmentDecision: 'approve', departmentOpinion: '同意' },
            comment: '同意',
            next: [paycenter],
          };
        case 'B7_financeReview':
          return {
            op: 'complete',
            variables: { financeDecision: 'approve', financeOpinion: '审核通过' },
            comment: '同意',
            next: [],
          };
        default:
          return undefined;
      }
    },
    onInstance(detail: InstanceDetail) {
      const voucherNo = detail.variables.voucherNo;
      if (!detail.activeActivityIds.includes('B9_bankPayment') || typeof voucherNo !== 'string')
        return undefined;
      return {
        sender: user('bank.clerk'),
        messageName: 'treasuryBankReceipt',
        correlationKey: voucherNo,
        messageId: `receipt-${voucherNo}`,
        variables: { bankSerial: `ICBC-${ctx.runId}-${ctx.serial}` },
        next: [],
      };
    },
    describeEnd(detail: InstanceDetail) {
      if (ranDry)
        return `treasury payment ${detail.id}: the indicator or plan ran dry, application withdrawn`;
      return undefined;
    },
  };
}
