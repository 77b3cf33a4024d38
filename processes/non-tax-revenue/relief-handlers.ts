/**
 * Service tasks of nonTaxRelief (减免缓, C9): check the request against the unpaid notice, decide whether the
 * 非税处（科）长 must approve (a 减免 of at least `relief.chiefApprovalFen`), read the working-day deadlines into
 * `reliefDue`, and once approved change the notice (免: nothing to pay; 减: a lower amount; 缓: a later
 * deadline with the 催缴 rounds restarted). The diagram's end event then tells the waiting collection instance
 * by a `nonTaxRelief` message on the 缴款码.
 */
import type { Knex } from 'knex';
import type { ServiceHandler } from '../../engine/index.js';
import { OrgDirectory } from '../org/org-directory.js';
import { isDate } from './china-date.js';
import { initiatorOf, orgOfUser } from './collection-place.js';
import { findNotice, recordEventOnce } from './notice-records.js';
import { NonTaxSettings } from './settings.js';

interface Deps {
  readonly knex: Knex;
  now(): number;
}

/** 免, 减, 缓. */
export const RELIEF_KINDS = ['exemption', 'reduction', 'deferral'] as const;

export function reliefHandlers(deps: Deps): Record<string, ServiceHandler> {
  const { knex } = deps;
  const directory = new OrgDirectory(knex);
  const settings = new NonTaxSettings(knex);
  const now = () => new Date(deps.now());

  return {
    'nonTax.relief.prepare': async (job) => {
      const v = job.variables;
      const problems: string[] = [];
      const noticeNo = typeof v.noticeNo === 'string' ? v.noticeNo.trim() : '';
      const notice = noticeNo ? await findNotice(knex, { noticeNo }) : undefined;
      const unit = await orgOfUser(directory, await initiatorOf(knex, job.instanceId));
      const kind = (RELIEF_KINDS as readonly unknown[]).includes(v.reliefKind)
        ? (v.reliefKind as (typeof RELIEF_KINDS)[number])
        : null;
      const reason = typeof v.reason === 'string' ? v.reason.trim() : '';
      if (!kind) problems.push('reliefKind: 须为 exemption（免）、reduction（减）或 deferral（缓）');
      if (reason === '') problems.push('reason: 申请理由必填');
      if (!notice) problems.push('noticeNo: 缴款书不存在');
      else {
        if (notice.unitOrgCode !== unit) problems.push('noticeNo: 只能由开具该缴款书的执收单位受理');
        if (notice.status !== 'issued') problems.push('noticeNo: 只有未缴款的缴款书可以申请减免缓');
      }
      let reliefFen = 0;
      if (notice && kind === 'reduction') {
        const asked = v.reductionFen;
        if (!Number.isSafeInteger(asked) || (asked as number) <= 0 || (asked as number) >= notice.payableFen)
          problems.push(`reductionFen: 减征金额须为 1 至 ${notice.payableFen - 1} 分的整数`);
        else reliefFen = asked as number;
      }
      if (notice && kind === 'exemption') reliefFen = notice.payableFen;
      if (notice && kind === 'deferral' && !(isDate(v.deferredDueDate) && v.deferredDueDate > notice.dueDate))
        problems.push(`deferredDueDate: 缓缴期限须为晚于 ${notice.dueDate} 的日期`);
      if (problems.length > 0 || !notice || !kind) return { valid: false, reliefProblems: problems };

      const needsChief = reliefFen > 0 && reliefFen >= (await settings.integer('relief.chiefApprovalFen'));
      await knex('nontax_reliefs')
        .insert({
          instance_id: job.instanceId,
          notice_no: notice.noticeNo,
          relief_kind: kind,
          reduction_fen: kind === 'deferral' ? null : reliefFen,
          deferred_due_date: kind === 'deferral' ? v.deferredDueDate : null,
          reason,
          status: 'applied',
          created_at: now(),
          updated_at: now(),
        })
        .onConflict('instance_id')
        .ignore();
      return {
        valid: true,
        reliefProblems: [],
        paymentCode: notice.paymentCode,
        payableFen: notice.payableFen,
        reliefFen,
        needsChief,
        reliefDue: {
          unitReview: await settings.workingDays('relief.unitReviewDays'),
          financeReview: await settings.workingDays('relief.financeReviewDays'),
        },
      };
    },

    /** 批准: changes the notice once (guarded by the relief's status). */
    'nonTax.relief.approve': async (job) => {
      await knex.transaction(async (trx) => {
        const relief = (await trx('nontax_reliefs').where({ instance_id: job.instanceId }).first()) as
          Record<string, unknown> | undefined;
        if (!relief) throw new Error(`No relief recorded for instance ${job.instanceId}`);
        const moved = await trx('nontax_reliefs')
          .where({ instance_id: job.instanceId, status: 'applied' })
          .update({ status: 'approved', updated_at: now() });
        if (!moved) return;
        const noticeNo = String(relief.notice_no);
        const kind = String(relief.relief_kind);
        const change: Record<string, unknown> = { updated_at: now() };
        if (kind === 'exemption') Object.assign(change, { payable_fen: 0, status: 'exempted' });
        if (kind === 'reduction')
          change.payable_fen = trx.raw('payable_fen - ?', [Number(relief.reduction_fen)]);
        if (kind === 'deferral')
          Object.assign(change, { due_date: String(relief.deferred_due_date), reminder_count: 0 });
        await trx('nontax_notices').where({ notice_no: noticeNo, status: 'issued' }).update(change);
        await recordEventOnce(
          trx,
          { effectKey: `${job.instanceId}:relief`, noticeNo, kind: 'relief', detail: kind },
          now(),
        );
      });
      return { reliefStatus: 'approved' };
    },

    'nonTax.relief.reject': async (job) => {
      await knex('nontax_reliefs')
        .where({ instance_id: job.instanceId, status: 'applied' })
        .update({ status: 'rejected', updated_at: now() });
      return { reliefStatus: 'rejected' };
    },
  };
}
