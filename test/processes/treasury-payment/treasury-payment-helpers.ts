/**
 * Shared steps of the 国库集中支付 process tests: a MariaDB + Redis test server with both diagrams deployed and the
 * demo indicators seeded, a fresh indicator per test, and "apply / wait for the step / act on it" helpers.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TaskRecord } from '../../../engine/index.js';
import { seedTreasuryDemo } from '../../../processes/treasury-payment/demo-seed.js';
import { IndicatorLedger, type Indicator } from '../../../processes/treasury-payment/indicator-ledger.js';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';
import { TestClock, waitFor } from '../../helpers/engine-harness.js';

export const CLERK = 'zhongmou.school1.clerk';
export const CHIEF = 'zhongmou.school1.chief';
export const DIRECTOR = 'zhongmou.school1.director';
export const DEPT_REVIEWER = 'zhongmou.education.reviewer';
export const DEPT_CHIEF = 'zhongmou.education.chief';
export const PAYCENTER_REVIEWER = 'zhongmou.paycenter.reviewer';
export const PAYCENTER_CLERK = 'zhongmou.paycenter.clerk';
export const TREASURY_REVIEWER = 'zhongmou.treasury.reviewer';
export const TREASURY_CHIEF = 'zhongmou.treasury.chief';
export const UNIT = '410122-BM-JY-001';

const here = (file: string) =>
  fileURLToPath(new URL(`../../../processes/treasury-payment/${file}`, import.meta.url));
export const PROCESS_FILES = ['treasury-warning-review.bpmn', 'treasury-payment.bpmn'].map(here);

export interface TreasuryTest {
  readonly t: TestServer;
  readonly clock: TestClock;
  readonly ledger: IndicatorLedger;
  close(): Promise<void>;
}

export async function openTreasuryTest(): Promise<TreasuryTest> {
  // Monday 2 March 2026, 09:00 in Beijing
  const clock = new TestClock(Date.parse('2026-03-02T01:00:00.000Z'));
  const t = await createTestServer('mysql', { clock });
  for (const file of PROCESS_FILES) await t.engine.deploy(readFileSync(file));
  await seedTreasuryDemo(t.services.knex, clock.now());
  return {
    t,
    clock,
    ledger: new IndicatorLedger(t.services.knex, () => clock.now()),
    close: () => t.close(),
  };
}

/** A fresh indicator of 县一中 (not in the 公务卡 catalogue, not 直达资金 unless asked). */
export async function newIndicator(
  ctx: TreasuryTest,
  allocatedFen: number,
  extra: Partial<
    Pick<Indicator, 'ecoCode' | 'isDirectFund' | 'fundTypeCode' | 'agencyCode' | 'mofDivCode'>
  > = {},
): Promise<Indicator> {
  return ctx.ledger.register({
    id: `T-${randomUUID().slice(0, 30)}`,
    fiscalYear: 2026,
    mofDivCode: '410122',
    agencyCode: UNIT,
    proCode: '410122202699',
    proName: '测试项目',
    expFuncCode: '2050203',
    ecoCode: '31002',
    fundTypeCode: 'general_public',
    isDirectFund: false,
    bgtDocNo: '牟财预〔2026〕99号',
    allocatedFen,
    ...extra,
  });
}

/** A valid application: corporate transfer to a payee account of its own (no monitoring hit). */
export function application(indicatorId: string, amountFen: number, extra: Record<string, unknown> = {}) {
  return {
    indicatorId,
    amountFen,
    payeeName: '郑州教学设备有限公司',
    payeeAccount: `6222${randomUUID().replace(/\D/g, '').slice(0, 12)}`,
    payeeBank: '中国工商银行郑州分行',
    payeeAccountType: 'corporate',
    settlementMethod: 'transfer',
    purpose: '购置教学设备',
    ...extra,
  };
}

/** Starts a payment as the unit clerk (at the unit's org) and submits the application at B3. */
export async function apply(
  ctx: TreasuryTest,
  variables: Record<string, unknown>,
  initiator = CLERK,
): Promise<string> {
  const user = await ctx.t.services.orgs.getUser(initiator);
  const org = await ctx.t.services.orgs.getOrg(user!.orgCode);
  const started = await ctx.t.engine.startInstance('treasuryPayment', {
    initiator,
    businessKey: `ZF-${randomUUID().slice(0, 8)}`,
    org: { code: org!.code, path: org!.path },
  });
  await act(ctx, started.id, 'B3_apply', initiator, variables);
  return started.id;
}

/** The open (routed) task at a step, once it exists. */
export async function openTask(
  ctx: TreasuryTest,
  instanceId: string,
  elementId: string,
): Promise<TaskRecord> {
  return waitFor(
    async () => (await ctx.t.engine.listTasks({ instanceId, elementId })).find((x) => x.state === 'created'),
    `open task ${elementId} in ${instanceId}`,
    15_000,
  );
}

/** Completes the open task at a step as `actor` (通过, with variables). */
export async function act(
  ctx: TreasuryTest,
  instanceId: string,
  elementId: string,
  actor: string,
  variables: Record<string, unknown> = {},
): Promise<TaskRecord> {
  const task = await openTask(ctx, instanceId, elementId);
  if (task.assignee !== actor && !task.candidateUsers.includes(actor)) {
    throw new Error(`${elementId} went to ${task.assignee ?? task.candidateUsers.join(', ')}, not ${actor}`);
  }
  await ctx.t.engine.completeTask(task.id, { actor, variables });
  return task;
}

/** Waits until the instance is at one of the elements (a task, a receive task, …). */
export async function waitAt(ctx: TreasuryTest, instanceId: string, elementId: string): Promise<void> {
  await waitFor(
    async () => (await ctx.t.engine.getInstance(instanceId)).activeElementIds.includes(elementId),
    `instance ${instanceId} at ${elementId}`,
    15_000,
  );
}

/** Waits until the instance ended; returns its status. */
export async function waitEnded(ctx: TreasuryTest, instanceId: string): Promise<string> {
  return waitFor(
    async () => {
      const view = await ctx.t.engine.getInstance(instanceId);
      return view.status === 'running' ? undefined : view.status;
    },
    `instance ${instanceId} to end`,
    15_000,
  );
}

/** The user tasks completed in the instance, as `elementId by actor`, in order. */
export async function actors(ctx: TreasuryTest, instanceId: string): Promise<string[]> {
  return (await ctx.t.engine.history(instanceId))
    .filter((h) => h.type === 'TASK_COMPLETED' && h.actor)
    .map((h) => `${h.elementId} by ${h.actor}`);
}

/** The bank's answer for a voucher, as the integration sends it. */
export async function bankReceipt(ctx: TreasuryTest, voucherNo: string, bankSerial: string) {
  return ctx.t.engine.correlateMessage('treasuryBankReceipt', {
    correlationKey: voucherNo,
    variables: { bankSerial },
    messageId: `receipt-${voucherNo}`,
  });
}

export async function bankRefund(ctx: TreasuryTest, voucherNo: string, refundReason: string) {
  return ctx.t.engine.correlateMessage('treasuryBankRefund', {
    correlationKey: voucherNo,
    variables: { refundReason },
    messageId: `refund-${voucherNo}`,
  });
}

/** Balances of an indicator as [available, reserved, consumed]. */
export async function balances(ctx: TreasuryTest, indicatorId: string): Promise<[number, number, number]> {
  const ind = (await ctx.ledger.get(indicatorId))!;
  return [ind.availableFen, ind.reservedFen, ind.consumedFen];
}

/** The voucher number once B8 issued it. */
export async function voucherOf(ctx: TreasuryTest, instanceId: string): Promise<string> {
  await waitAt(ctx, instanceId, 'B9_bankPayment');
  return String((await ctx.t.engine.getInstance(instanceId)).variables.voucherNo);
}
