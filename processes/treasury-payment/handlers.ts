/**
 * Service-task handlers of 国库集中支付 (treasury-payment.bpmn), keyed by `fiscal:taskType`. They run at least once:
 * every ledger movement carries an effect key `<instance>:<job>:<what>` (a retry of the job repeats the key and
 * applies nothing; a later run of the same element after 退回 is a new job, so a new key), and every row write is
 * an upsert or guarded by a unique key. Business outcomes are BpmnErrors the diagram routes back to the unit:
 * `APPLICATION_INVALID`, `PLAN_EXCEEDED`, `INSUFFICIENT_BALANCE`, `EXPLANATION_INCOMPLETE`.
 * The sweep of treasury-reservation-sweep.bpmn keys its releases by the payment and the ledger state instead of its
 * own job (see reservation-sweep.ts), so concurrent or repeated sweeps release a holding once.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import { BpmnError, type ServiceHandler, type ServiceJobContext } from '../../engine/index.js';
import type { HandlerDeps } from '../handlers.js';
import { chainOf, loadAuthority, NoAuthorityRowError, selectAuthority } from './approval-authority.js';
import { IndicatorLedger, IndicatorNotFoundError, InsufficientBalanceError } from './indicator-ledger.js';
import { evaluateRules, loadRealtimeRules, worstLevel } from './monitoring-rules.js';
import { releaseOrphanedReservations } from './reservation-sweep.js';
import {
  countRecentToPayee,
  getPayment,
  monthlyPlan,
  PAYMENT_MODE_LABELS,
  plannedUse,
  regionSettings,
  setPaymentStatus,
  upsertPayment,
  type PaymentStatus,
} from './payment-records.js';
import { PAYEE_ACCOUNT_TYPES, SETTLEMENT_METHODS } from './monitoring-rules.js';

/** What the applicant enters (B3); checked again on every submission. */
const applicationSchema = z.object({
  indicatorId: z.string().min(1).max(36),
  amountFen: z.number().int().positive(),
  payeeName: z.string().trim().min(1).max(255),
  payeeAccount: z.string().trim().min(1).max(64),
  payeeBank: z.string().trim().min(1).max(255),
  payeeAccountType: z.enum(PAYEE_ACCOUNT_TYPES),
  settlementMethod: z.enum(SETTLEMENT_METHODS),
  purpose: z.string().trim().min(1).max(500),
});

/** The review decisions B4 resets on every submission (a 退回 and resubmission asks every step again). */
const DECISIONS = ['unitChiefDecision', 'unitDirectorDecision', 'departmentDecision', 'financeDecision'];

/** Which status a release step leaves the payment in. */
const RELEASE_STATUS: Readonly<Record<string, PaymentStatus>> = {
  releaseOnReject: 'rejected',
  releaseOnViolation: 'rejected',
  releaseOnForbid: 'forbidden',
};

/** The most releases / anomalies a sweep lists in its variables; the ledger entries hold every one. */
const SWEEP_DETAIL_LIMIT = 500;

/** Instances a process admin lists when starting the sweep by hand: vouchers checked with the bank as unpaid. */
const sweepStartSchema = z.array(z.string().min(1).max(64)).max(1000).optional();

/** Beijing time (UTC+8): the fiscal month of a payment. */
const BEIJING_OFFSET_MS = 8 * 3600_000;

export function treasuryPaymentHandlers(deps: HandlerDeps): Record<string, ServiceHandler> {
  const { knex, now } = deps;
  const ledger = new IndicatorLedger(knex, now);
  const effect = (job: ServiceJobContext, what: string) => `${job.instanceId}:${job.jobId}:${what}`;

  return {
    /** B4 (entry): cancel, or check the application, free what an earlier round held, read the region's settings. */
    async 'treasury.prepare'(job) {
      if (job.variables.applyAction === 'cancel') {
        await ledger.releaseHeld(job.instanceId, effect(job, 'cancel'), '单位撤销申请');
        await setPaymentStatus(knex, job.instanceId, 'cancelled', now());
        return { applicationCancelled: true, paymentStatus: 'cancelled' };
      }
      const parsed = applicationSchema.safeParse(job.variables);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new BpmnError(
          'APPLICATION_INVALID',
          `支付申请填写不完整：${issue.path.join('.')}（${issue.message}）`,
        );
      }
      const app = parsed.data;
      const indicator = await ledger.get(app.indicatorId);
      if (!indicator) throw new BpmnError('APPLICATION_INVALID', `指标 ${app.indicatorId} 不存在`);
      const origin = await instanceOrigin(knex, job.instanceId);
      if (origin?.orgCode && origin.orgCode !== indicator.agencyCode) {
        throw new BpmnError(
          'APPLICATION_INVALID',
          `指标 ${indicator.id} 属于 ${indicator.agencyCode}，不能由 ${origin.orgCode} 支用`,
        );
      }
      // a resubmission after 退回 starts from nothing held
      await ledger.releaseHeld(job.instanceId, effect(job, 'release-prior'), '重新提交，释放原在途额度');
      const settings = await regionSettings(knex, indicator.mofDivCode);
      const local = new Date(now() + BEIJING_OFFSET_MS);
      await upsertPayment(
        knex,
        {
          instanceId: job.instanceId,
          agencyCode: indicator.agencyCode,
          mofDivCode: indicator.mofDivCode,
          indicatorId: indicator.id,
          fiscalYear: indicator.fiscalYear,
          month: local.getUTCMonth() + 1,
          payeeName: app.payeeName,
          payeeAccount: app.payeeAccount,
          payeeBank: app.payeeBank,
          payeeAccountType: app.payeeAccountType,
          settlementMethod: app.settlementMethod,
          paymentMode: settings.paymentMode,
          amountFen: app.amountFen,
          status: 'checking',
        },
        now(),
      );
      return {
        applicationCancelled: false,
        paymentStatus: 'checking',
        regionCode: indicator.mofDivCode,
        agencyCode: indicator.agencyCode,
        fundTypeCode: indicator.fundTypeCode,
        isDirectFund: indicator.isDirectFund,
        ecoCode: indicator.ecoCode,
        expFuncCode: indicator.expFuncCode,
        paymentMode: settings.paymentMode,
        paymentModeLabel: PAYMENT_MODE_LABELS[settings.paymentMode],
        planCheck: settings.planCheck,
        bankFollowUp: settings.bankFollowUp,
        warningLevel: 'none',
        warningHits: [],
        warningConclusion: 'none',
        ...Object.fromEntries(DECISIONS.map((d) => [d, 'approve'])),
      };
    },

    /** B1/B2 用款计划: where the region checks plans (always for 授权支付), the month's payments stay within it. */
    async 'treasury.planCheck'(job) {
      if (job.variables.planCheck !== true) return { planChecked: false };
      const payment = await requirePayment(knex, job.instanceId);
      const plan = await monthlyPlan(knex, payment.agencyCode, payment.fiscalYear, payment.month);
      if (plan === undefined) {
        throw new BpmnError(
          'PLAN_EXCEEDED',
          `本单位 ${payment.fiscalYear} 年 ${payment.month} 月未编报用款计划（额度）`,
        );
      }
      const used = await plannedUse(knex, payment);
      if (used + payment.amountFen > plan) {
        throw new BpmnError(
          'PLAN_EXCEEDED',
          `超出 ${payment.month} 月用款计划：计划 ${yuan(plan)} 元，已用 ${yuan(used)} 元，本次 ${yuan(payment.amountFen)} 元`,
        );
      }
      return { planChecked: true, planRemainingFen: plan - used - payment.amountFen };
    },

    /** B4 指标控制支付: reserve the amount on the indicator (在途), or back to the unit with nothing reserved. */
    async 'treasury.reserve'(job) {
      const payment = await requirePayment(knex, job.instanceId);
      try {
        await ledger.reserve({
          indicatorId: payment.indicatorId,
          amountFen: payment.amountFen,
          paymentRef: job.instanceId,
          effectKey: effect(job, 'reserve'),
          note: '支付申请占用指标',
        });
      } catch (err) {
        if (err instanceof InsufficientBalanceError) {
          await setPaymentStatus(knex, job.instanceId, 'returned', now());
          throw new BpmnError(
            'INSUFFICIENT_BALANCE',
            `指标余额不足：可用 ${yuan(err.balanceFen)} 元，申请 ${yuan(err.amountFen)} 元`,
          );
        }
        if (err instanceof IndicatorNotFoundError) throw new BpmnError('APPLICATION_INVALID', err.message);
        throw err;
      }
      await setPaymentStatus(knex, job.instanceId, 'reserved', now());
      return { paymentStatus: 'reserved', reservedFen: payment.amountFen };
    },

    /** B4 动态监控 (实时触发): every rule of the region; each hit recorded; the worst level routes. */
    async 'treasury.monitor'(job) {
      const payment = await requirePayment(knex, job.instanceId);
      const indicator = (await ledger.get(payment.indicatorId))!;
      const rules = await loadRealtimeRules(knex, payment.mofDivCode);
      const hits = await evaluateRules(
        rules,
        {
          instanceId: job.instanceId,
          agencyCode: payment.agencyCode,
          regionCode: payment.mofDivCode,
          amountFen: payment.amountFen,
          payeeAccount: payment.payeeAccount,
          payeeAccountType: payment.payeeAccountType,
          settlementMethod: payment.settlementMethod,
          ecoCode: indicator.ecoCode,
          isDirectFund: indicator.isDirectFund,
        },
        (windowHours) => countRecentToPayee(knex, payment, now() - windowHours * 3600_000),
      );
      if (hits.length > 0) {
        await knex('treasury_monitor_hits')
          .insert(
            hits.map((h) => ({
              instance_id: job.instanceId,
              rule_code: h.ruleCode,
              level: h.level,
              message: `${h.ruleName}：${h.message}`.slice(0, 500),
              effect_key: effect(job, `hit:${h.ruleCode}`),
              at: new Date(now()),
            })),
          )
          .onConflict('effect_key')
          .ignore();
      }
      const level = worstLevel(hits);
      return {
        warningLevel: level,
        warningHits: hits.map((h) => ({ ...h })),
        warningRequiresAttachment: level === 'orange',
      };
    },

    /** 黄/橙: the unit's explanation is given, and for 橙 at least one attachment. */
    async 'treasury.checkExplanation'(job) {
      const explanation = job.variables.warningExplanation;
      if (typeof explanation !== 'string' || explanation.trim().length === 0)
        throw new BpmnError('EXPLANATION_INCOMPLETE', '请填写预警情况说明');
      const files = job.variables.warningAttachments;
      if (job.variables.warningLevel === 'orange' && (!Array.isArray(files) || files.length === 0))
        throw new BpmnError('EXPLANATION_INCOMPLETE', '橙色预警须上传附件');
      return { warningExplained: true };
    },

    /** 不予支付 / 禁止 / 违规: the reservation goes back to the indicator. */
    async 'treasury.release'(job) {
      const status = RELEASE_STATUS[job.elementId] ?? 'rejected';
      await ledger.releaseHeld(job.instanceId, effect(job, 'release'), `支付终止（${status}）`);
      await setPaymentStatus(knex, job.instanceId, status, now());
      return { paymentStatus: status };
    },

    /** B5 审批权限: the approval chain from the authority table. */
    async 'treasury.approvalChain'(job) {
      const payment = await requirePayment(knex, job.instanceId);
      const indicator = (await ledger.get(payment.indicatorId))!;
      const row = selectAuthority(
        await loadAuthority(knex, payment.mofDivCode),
        payment.mofDivCode,
        indicator.fundTypeCode,
        payment.amountFen,
      );
      // a gap in the table is a configuration error: an incident for the process admin, not the unit's problem
      if (!row) throw new NoAuthorityRowError(payment.mofDivCode, indicator.fundTypeCode, payment.amountFen);
      return { ...chainOf(row, payment.paymentMode) };
    },

    /** B8 支付凭证: a voucher number, stable across retries of the job, new for each round. */
    async 'treasury.issueVoucher'(job) {
      const payment = await requirePayment(knex, job.instanceId);
      const local = new Date(now() + BEIJING_OFFSET_MS);
      const day = local.toISOString().slice(0, 10).replace(/-/g, '');
      const digest = createHash('sha256').update(job.jobId).digest('hex').slice(0, 10).toUpperCase();
      const voucherNo = `ZF${payment.mofDivCode}${day}${digest}`;
      const voucherType =
        payment.paymentMode === 'direct'
          ? '财政直接支付凭证'
          : payment.paymentMode === 'authorized'
            ? '财政授权支付凭证'
            : '国库集中支付凭证';
      await setPaymentStatus(knex, job.instanceId, 'voucher', now(), { voucher_no: voucherNo });
      return { voucherNo, voucherType, paymentStatus: 'voucher' };
    },

    /**
     * 在途额度清理 (treasuryReservationSweep): releases what payments ended by 撤销 / 终止 / 拒绝 still reserve, and
     * records the run (count, total, per indicator, each release and anomaly) in the sweep's variables.
     */
    async 'treasury.releaseOrphanedReservations'(job) {
      const confirmed = sweepStartSchema.safeParse(job.variables.confirmedVoucherInstanceIds ?? undefined);
      if (!confirmed.success) {
        throw new Error(
          'confirmedVoucherInstanceIds must be a list of at most 1000 process instance ids (strings)',
        );
      }
      const outcome = await releaseOrphanedReservations(knex, ledger, {
        now,
        ...(confirmed.data ? { confirmedVoucherInstanceIds: confirmed.data } : {}),
      });
      return {
        sweptAt: new Date(now()).toISOString(),
        releasedCount: outcome.releasedCount,
        releasedTotalFen: outcome.releasedTotalFen,
        releasedByIndicator: outcome.releasedByIndicator.map((r) => ({ ...r })),
        releases: outcome.releases.slice(0, SWEEP_DETAIL_LIMIT).map((r) => ({ ...r })),
        anomalyCount: outcome.anomalies.length,
        anomalies: outcome.anomalies.slice(0, SWEEP_DETAIL_LIMIT).map((a) => ({ ...a })),
        detailsTruncated:
          outcome.releases.length > SWEEP_DETAIL_LIMIT || outcome.anomalies.length > SWEEP_DETAIL_LIMIT,
      };
    },

    /** B10 回单: the reservation becomes paid. */
    async 'treasury.consume'(job) {
      for (const holding of await ledger.holdings(job.instanceId)) {
        if (holding.reservedFen <= 0) continue;
        await ledger.consume({
          indicatorId: holding.indicatorId,
          amountFen: holding.reservedFen,
          paymentRef: job.instanceId,
          effectKey: effect(job, `consume:${holding.indicatorId}`),
          note: `银行回单 ${String(job.variables.bankSerial ?? '')}`.trim(),
        });
      }
      const serial = job.variables.bankSerial;
      await setPaymentStatus(knex, job.instanceId, 'paid', now(), {
        ...(typeof serial === 'string' ? { bank_serial: serial.slice(0, 64) } : {}),
      });
      return { paymentStatus: 'paid' };
    },

    /** B12 退票: the amount goes back to the original indicator line exactly (in flight or already paid). */
    async 'treasury.refund'(job) {
      for (const holding of await ledger.holdings(job.instanceId)) {
        const base = { indicatorId: holding.indicatorId, paymentRef: job.instanceId, note: '退票' };
        if (holding.reservedFen > 0)
          await ledger.release({
            ...base,
            amountFen: holding.reservedFen,
            effectKey: effect(job, `refund-release:${holding.indicatorId}`),
          });
        if (holding.consumedFen > 0)
          await ledger.refundToAvailable({
            ...base,
            amountFen: holding.consumedFen,
            effectKey: effect(job, `refund:${holding.indicatorId}`),
          });
      }
      const reason = job.variables.refundReason;
      await setPaymentStatus(knex, job.instanceId, 'refunded', now(), {
        ...(typeof reason === 'string' ? { refund_reason: reason.slice(0, 255) } : {}),
      });
      return { paymentStatus: 'refunded', applyAction: 'submit' };
    },
  };
}

// helpers //////

async function requirePayment(knex: Knex, instanceId: string) {
  const payment = await getPayment(knex, instanceId);
  if (!payment)
    throw new Error(`No treasury_payments row for instance ${instanceId}: B4_prepare did not run`);
  return payment;
}

/**
 * Who applied, from where: the instance's org (the applicant's unit, set by the server at start) and initiator.
 * Read from the engine's instance row because a job carries only the variables.
 */
async function instanceOrigin(
  knex: Knex,
  instanceId: string,
): Promise<{ orgCode: string | null; initiator: string | null } | undefined> {
  const row = await knex('process_instances')
    .select('org_code', 'initiator')
    .where({ id: instanceId })
    .first();
  if (!row) return undefined;
  return {
    orgCode: row.org_code === null || row.org_code === undefined ? null : String(row.org_code),
    initiator: row.initiator === null || row.initiator === undefined ? null : String(row.initiator),
  };
}

function yuan(fen: number): string {
  return (fen / 100).toFixed(2);
}
