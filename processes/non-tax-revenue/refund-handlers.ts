/**
 * Service tasks of nonTaxRefund (退付, domain.md §3.2): check the application against the notice, decide whether
 * the upper finance bureau must approve (the revenue belongs partly to a level above the collecting one), read
 * each step's working-day deadline from the settings into `refundDue` (the boundary timers read it), and at the
 * end refund by level (in proportion to the split, exact in 分) with a red-letter receipt number (冲红).
 */
import type { Knex } from 'knex';
import type { ServiceHandler } from '../../engine/index.js';
import { OrgDirectory } from '../org/org-directory.js';
import { chinaDate } from './china-date.js';
import { initiatorOf, orgOfUser } from './collection-place.js';
import { nextNumber, receiptNumber } from './document-numbers.js';
import { findNotice, PAID_STATUSES } from './notice-records.js';
import { splitRefund, type BudgetLevel, type LevelAmount } from './revenue-split.js';
import { NonTaxSettings } from './settings.js';

interface Deps {
  readonly knex: Knex;
  now(): number;
}

const LEVELS: readonly BudgetLevel[] = ['province', 'city', 'county'];

export function refundHandlers(deps: Deps): Record<string, ServiceHandler> {
  const { knex } = deps;
  const directory = new OrgDirectory(knex);
  const settings = new NonTaxSettings(knex);
  const now = () => new Date(deps.now());

  return {
    /** 申请受理: checks, decides on 上报, reads the deadlines; records the application once. */
    'nonTax.refund.prepare': async (job) => {
      const v = job.variables;
      const problems: string[] = [];
      const noticeNo = typeof v.noticeNo === 'string' ? v.noticeNo.trim() : '';
      const notice = noticeNo ? await findNotice(knex, { noticeNo }) : undefined;
      const unit = await orgOfUser(directory, await initiatorOf(knex, job.instanceId));
      const refundFen = v.refundFen;
      const applicantKind = v.applicantKind === 'unit' ? 'unit' : 'payer';
      const reason = typeof v.reason === 'string' ? v.reason.trim() : '';
      if (!notice) problems.push('noticeNo: 缴款书不存在');
      else {
        if (notice.unitOrgCode !== unit) problems.push('noticeNo: 只能由开具该缴款书的执收单位申请退付');
        if (!PAID_STATUSES.includes(notice.status)) problems.push('noticeNo: 该缴款书尚未缴款，无可退金额');
        const refundable =
          (notice.paidFen ?? 0) -
          notice.refundedFen -
          (await pendingRefunds(knex, notice.noticeNo, job.instanceId));
        if (
          !Number.isSafeInteger(refundFen) ||
          (refundFen as number) <= 0 ||
          (refundFen as number) > refundable
        )
          problems.push(`refundFen: 退付金额须为 1 至 ${refundable} 分的整数`);
      }
      if (reason === '') problems.push('reason: 退付原因必填');
      if (problems.length > 0 || !notice) return { valid: false, refundProblems: problems };

      const received = await receivedByLevel(knex, notice.noticeNo);
      const above = LEVELS.slice(0, LEVELS.indexOf(notice.level));
      const upperShareFen = received
        .filter((r) => above.includes(r.level))
        .reduce((s, r) => s + r.amountFen, 0);
      const needsUpperApproval = upperShareFen > 0 && notice.level !== 'province';
      const refundDue = {
        unitReview: await settings.workingDays(
          applicantKind === 'unit' ? 'refund.unitReviewDays.unit' : 'refund.unitReviewDays.payer',
        ),
        financeReview: await settings.workingDays(
          needsUpperApproval ? 'refund.financeReviewUpwardDays' : 'refund.financeReviewDays',
        ),
        upperReview: await settings.workingDays('refund.upperReviewDays'),
        treasury: await settings.workingDays('refund.treasuryDays'),
      };
      await knex('nontax_refunds')
        .insert({
          instance_id: job.instanceId,
          notice_no: notice.noticeNo,
          refund_fen: refundFen,
          applicant_kind: applicantKind,
          reason,
          upper_approval: needsUpperApproval,
          status: 'applied',
          created_at: now(),
          updated_at: now(),
        })
        .onConflict('instance_id')
        .ignore();
      return {
        valid: true,
        refundProblems: [],
        applicantKind,
        paidFen: notice.paidFen,
        collectingLevel: notice.level,
        upperShareFen,
        needsUpperApproval,
        refundDue,
      };
    },

    /** 退付执行: refund by level, 冲红 number, the notice's refunded amount; once (guarded by the status). */
    'nonTax.refund.execute': async (job) => {
      const refund = (await knex('nontax_refunds').where({ instance_id: job.instanceId }).first()) as
        Record<string, unknown> | undefined;
      if (!refund) throw new Error(`No refund recorded for instance ${job.instanceId}`);
      const noticeNo = String(refund.notice_no);
      if (refund.status === 'applied') {
        const notice = (await findNotice(knex, { noticeNo }))!;
        const parts = splitRefund(
          Number(refund.refund_fen),
          await receivedByLevel(knex, noticeNo),
          notice.level,
        );
        const prefix = await settings.text('receipt.codePrefix');
        const red = receiptNumber(
          prefix,
          '93',
          Number(chinaDate(deps.now()).slice(0, 4)),
          await nextNumber(knex, 'receipt'),
        );
        await knex.transaction(async (trx) => {
          const moved = await trx('nontax_refunds')
            .where({ instance_id: job.instanceId, status: 'applied' })
            .update({ status: 'refunded', red_receipt_no: red, updated_at: now() });
          if (!moved) return;
          await trx('nontax_refund_splits').insert(
            parts.map((p) => ({
              instance_id: job.instanceId,
              level: p.level,
              region_code: p.regionCode,
              amount_fen: p.amountFen,
            })),
          );
          await trx('nontax_notices')
            .where({ notice_no: noticeNo })
            .update({
              refunded_fen: trx.raw('refunded_fen + ?', [Number(refund.refund_fen)]),
              updated_at: now(),
            });
        });
      }
      const done = (await knex('nontax_refunds').where({ instance_id: job.instanceId }).first()) as Record<
        string,
        unknown
      >;
      const splits = (
        (await knex('nontax_refund_splits').where({ instance_id: job.instanceId })) as Record<
          string,
          unknown
        >[]
      )
        .map((r) => ({
          level: String(r.level),
          regionCode: String(r.region_code),
          amountFen: Number(r.amount_fen),
        }))
        .sort((a, b) => LEVELS.indexOf(a.level as BudgetLevel) - LEVELS.indexOf(b.level as BudgetLevel));
      return { refundStatus: String(done.status), redReceiptNo: done.red_receipt_no, refundSplits: splits };
    },

    /** 不予退付 at any review. */
    'nonTax.refund.reject': async (job) => {
      await knex('nontax_refunds')
        .where({ instance_id: job.instanceId, status: 'applied' })
        .update({ status: 'rejected', updated_at: now() });
      return { refundStatus: 'rejected' };
    },
  };
}

/** What each level received of a notice (its split summed over the lines). */
async function receivedByLevel(knex: Knex, noticeNo: string): Promise<LevelAmount[]> {
  const rows = (await knex('nontax_splits')
    .where({ notice_no: noticeNo })
    .groupBy('level', 'region_code')
    .select('level', 'region_code')
    .sum({ total: 'amount_fen' })) as Record<string, unknown>[];
  return rows
    .map((r) => ({
      level: r.level as BudgetLevel,
      regionCode: String(r.region_code),
      amountFen: Number(r.total),
    }))
    .filter((r) => r.amountFen > 0)
    .sort((a, b) => LEVELS.indexOf(a.level) - LEVELS.indexOf(b.level));
}

/** Refunds of the notice still in approval (other applications), so two cannot together exceed the payment. */
async function pendingRefunds(knex: Knex, noticeNo: string, instanceId: string): Promise<number> {
  const row = (await knex('nontax_refunds')
    .where({ notice_no: noticeNo, status: 'applied' })
    .whereNot({ instance_id: instanceId })
    .sum({ total: 'refund_fen' })
    .first()) as { total: number | string | null } | undefined;
  return Number(row?.total ?? 0);
}
