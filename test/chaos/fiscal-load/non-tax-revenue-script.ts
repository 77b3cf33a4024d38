/**
 * 非税收入收缴 (processes/non-tax-revenue/README.md) as the load driver runs it: the school's clerk (执收单位)
 * starts `nonTaxCollection` with the payer and one catalogue line (C1 issues the 缴款书 and its 缴款码); once the
 * instance waits in the payment period (C3_dueTimer) the agency bank's clerk posts `nonTaxPayment` on the
 * 缴款码 with the payable amount; the finance bureau's 非税 clerk confirms the arrival at C4_confirmArrival, and
 * the receipt, split and write-off service tasks end the instance. The steps allow no 退回. Revenue, not
 * spending: nothing in the demo data runs out.
 */
import {
  between,
  digits,
  pick,
  type InstanceDetail,
  type InstanceScript,
  type LoadRegion,
  type ScriptContext,
} from './process-script.js';

/** Demo catalogue items every demo school may collect (processes/non-tax-revenue/demo-seed.ts). */
const ITEMS = ['JY-ZSF', 'JY-KWF'] as const;
const PAYERS = ['王丽娟', '刘洋', '陈晨', '张伟', '李娜', '赵磊', '孙敏', '周杰'];

export function nonTaxRevenueScript(ctx: ScriptContext, region: LoadRegion): InstanceScript {
  const { random } = ctx;
  const user = (post: string) => `${region.slug}.${post}`;
  const clerk = user('school1.clerk');
  const nontaxClerk = user('nontax.clerk');
  const payerName = pick(random, PAYERS);
  const bankSerialNo = `ICBC-${ctx.runId}-FS-${ctx.serial}`;
  return {
    kind: 'nonTaxRevenue',
    processKey: 'nonTaxCollection',
    businessKey: `LOAD-${ctx.runId}-FS-${ctx.serial}`,
    starter: clerk,
    startVariables: {
      payerName,
      payerPhone: `13${between(random, 0, 9)}${digits(random, 8)}`,
      lines: [{ itemCode: pick(random, ITEMS), quantity: 1 }],
    },
    firstActors: [],
    actors: [nontaxClerk, user('nontax.reviewer'), clerk],
    onTask(task) {
      if (task.taskDefinitionKey !== 'C4_confirmArrival') return undefined;
      return { op: 'complete', variables: { arrivalOpinion: '已到账' }, comment: '已到账', next: [] };
    },
    onInstance(detail: InstanceDetail) {
      const { paymentCode, payableFen } = detail.variables;
      if (!detail.activeActivityIds.includes('C3_dueTimer') || typeof paymentCode !== 'string')
        return undefined;
      return {
        sender: user('bank.clerk'),
        messageName: 'nonTaxPayment',
        correlationKey: paymentCode,
        messageId: bankSerialNo,
        variables: {
          bankSerialNo,
          paidFen: Number(payableFen),
          paidAt: new Date().toISOString(),
          payerName,
          bankOrgCode: `${region.regionCode}-YH-102`,
        },
        next: [nontaxClerk],
      };
    },
    describeEnd(detail) {
      return detail.completedActivityIds.includes('C8_end')
        ? undefined
        : `non-tax collection ${detail.id} ended without payment (${detail.completedActivityIds.at(-1) ?? '?'})`;
    },
  };
}
