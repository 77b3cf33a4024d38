/**
 * The configuration of budget preparation, read from the tables seeded by the migration (editable per finance
 * bureau; the `*` rows are the defaults): deadlines, the 一下 split cap, the project library's 评审中心 threshold,
 * and which finance reviews (资产处 / 绩效处 / 评审中心) a department's budget goes through in which round.
 */
import type { Knex } from 'knex';

export interface BudgetSettings {
  readonly npcLeadDays: number;
  readonly financeReplyDays: number;
  readonly departmentReplyDays: number;
  readonly splitCapByProposal: boolean;
  readonly projectReviewThresholdFen: number;
}

export interface ReviewRoute {
  readonly assetReview: boolean;
  readonly performanceReview: boolean;
  readonly reviewCenter: boolean;
}

/** The bureau's settings, else the default row. */
export async function budgetSettings(knex: Knex, financeBureauCode: string): Promise<BudgetSettings> {
  const rows = await knex('budget_settings').whereIn('finance_bureau_code', [financeBureauCode, '*']);
  const row = rows.find((r) => r.finance_bureau_code === financeBureauCode) ?? rows[0];
  if (!row) throw new Error('budget_settings has no default row (*): run the migrations');
  return {
    npcLeadDays: Number(row.npc_lead_days),
    financeReplyDays: Number(row.finance_reply_days),
    departmentReplyDays: Number(row.department_reply_days),
    splitCapByProposal: Boolean(row.split_cap_by_proposal),
    projectReviewThresholdFen: Number(row.project_review_threshold_fen),
  };
}

/** The most specific review route for the department and round (bureau, then department, then round beat `*`). */
export async function reviewRoute(
  knex: Knex,
  financeBureauCode: string,
  departmentCode: string,
  round: string,
): Promise<ReviewRoute> {
  const rows = await knex('budget_review_routes')
    .whereIn('finance_bureau_code', [financeBureauCode, '*'])
    .whereIn('department_code', [departmentCode, '*'])
    .whereIn('round', [round, '*']);
  const score = (r: Record<string, unknown>) =>
    (r.finance_bureau_code === '*' ? 0 : 4) + (r.department_code === '*' ? 0 : 2) + (r.round === '*' ? 0 : 1);
  const best = rows.sort((a, b) => score(b) - score(a))[0];
  if (!best) return { assetReview: false, performanceReview: false, reviewCenter: false };
  return {
    assetReview: Boolean(best.asset_review),
    performanceReview: Boolean(best.performance_review),
    reviewCenter: Boolean(best.review_center),
  };
}
