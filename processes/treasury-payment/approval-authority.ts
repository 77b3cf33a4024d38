/**
 * 审批权限表 (domain.md §2.1 B5–B7, §5.6): which approvals a payment needs, by amount band × fund type (× region),
 * kept as data in `treasury_approval_authority` and never as thresholds in the diagram. B5 computes the chain into
 * variables (`approvalChain`, `approvalLevel`, `needUnitDirector`, `needDepartmentReview`, `needFinanceReview`);
 * the diagram's gateways only read them, so changing a row changes the chain of the next payment.
 *
 * A row's `steps` name steps of treasury-payment.bpmn (the approver of each is the role at the org the step
 * names): `unitChief` 单位负责人审核 (chief at the unit), `unitDirector` 单位主要负责人审批 (director at the unit),
 * `departmentReview` 主管部门审核 (reviewer at the department); `financeReview` 财政审核 (支付中心) is the row's
 * `finance_review` flag (legacy 直接支付 always has it).
 *
 * The most specific matching row wins: a region's row before an all-region one, a fund type's row before an
 * any-fund one; the band is (min_exclusive_fen, max_fen].
 */
import type { Knex } from 'knex';

export const APPROVAL_STEPS = ['unitChief', 'unitDirector', 'departmentReview'] as const;
export type ApprovalStep = (typeof APPROVAL_STEPS)[number];

export const APPROVAL_STEP_LABELS: Readonly<Record<ApprovalStep, string>> = {
  unitChief: '单位负责人审核',
  unitDirector: '单位主要负责人审批',
  departmentReview: '主管部门审核',
};

export interface AuthorityRow {
  readonly id?: number;
  readonly regionCode: string | null;
  readonly fundTypeCode: string | null;
  readonly minExclusiveFen: number;
  readonly maxFen: number | null;
  readonly level: number;
  readonly steps: readonly ApprovalStep[];
  readonly financeReview: boolean;
  readonly note?: string | null;
}

/** The chain B5 writes into the instance. */
export interface ApprovalChain {
  readonly approvalLevel: number;
  readonly approvalChain: ApprovalStep[];
  readonly needUnitDirector: boolean;
  readonly needDepartmentReview: boolean;
  readonly needFinanceReview: boolean;
  readonly authorityRowId: number | null;
}

/** No row covers the payment: a configuration gap, reported as an incident for the process admin. */
export class NoAuthorityRowError extends Error {
  constructor(regionCode: string, fundTypeCode: string, amountFen: number) {
    super(
      `No row of treasury_approval_authority covers ${amountFen} 分 of fund type ${fundTypeCode} in region ${regionCode}`,
    );
    this.name = 'NoAuthorityRowError';
  }
}

/** Picks the most specific row covering the amount. */
export function selectAuthority(
  rows: readonly AuthorityRow[],
  regionCode: string,
  fundTypeCode: string,
  amountFen: number,
): AuthorityRow | undefined {
  const fits = rows.filter(
    (r) =>
      (r.regionCode === null || r.regionCode === regionCode) &&
      (r.fundTypeCode === null || r.fundTypeCode === fundTypeCode) &&
      amountFen > r.minExclusiveFen &&
      (r.maxFen === null || amountFen <= r.maxFen),
  );
  const score = (r: AuthorityRow) => (r.regionCode === null ? 0 : 2) + (r.fundTypeCode === null ? 0 : 1);
  return fits.sort((a, b) => score(b) - score(a) || (a.id ?? 0) - (b.id ?? 0))[0];
}

/** The chain of a row; legacy 直接支付 adds the finance review. */
export function chainOf(row: AuthorityRow, paymentMode: string): ApprovalChain {
  const steps = APPROVAL_STEPS.filter((s) => row.steps.includes(s));
  return {
    approvalLevel: row.level,
    approvalChain: steps,
    needUnitDirector: steps.includes('unitDirector'),
    needDepartmentReview: steps.includes('departmentReview'),
    needFinanceReview: row.financeReview || paymentMode === 'direct',
    authorityRowId: row.id ?? null,
  };
}

/** Reads the rows that may apply in a region. */
export async function loadAuthority(knex: Knex, regionCode: string): Promise<AuthorityRow[]> {
  const rows = await knex('treasury_approval_authority')
    .whereNull('region_code')
    .orWhere('region_code', regionCode)
    .orderBy('id');
  return rows.map((r: Record<string, unknown>) => ({
    id: Number(r.id),
    regionCode: r.region_code === null ? null : String(r.region_code),
    fundTypeCode: r.fund_type_code === null ? null : String(r.fund_type_code),
    minExclusiveFen: Number(r.min_exclusive_fen),
    maxFen: r.max_fen === null ? null : Number(r.max_fen),
    level: Number(r.level),
    steps: parseSteps(String(r.steps)),
    financeReview: Boolean(r.finance_review),
    note: r.note === null ? null : String(r.note),
  }));
}

/** `unitChief,unitDirector` → the steps; an unknown step code is a configuration error. */
export function parseSteps(text: string): ApprovalStep[] {
  const steps = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const s of steps) {
    if (!(APPROVAL_STEPS as readonly string[]).includes(s))
      throw new Error(
        `Unknown approval step ${s} in treasury_approval_authority (known: ${APPROVAL_STEPS.join(', ')})`,
      );
  }
  return steps as ApprovalStep[];
}

/** Row values for an insert. */
export function authorityRowValues(row: AuthorityRow): Record<string, unknown> {
  parseSteps(row.steps.join(','));
  return {
    region_code: row.regionCode,
    fund_type_code: row.fundTypeCode,
    min_exclusive_fen: row.minExclusiveFen,
    max_fen: row.maxFen,
    level: row.level,
    steps: row.steps.join(','),
    finance_review: row.financeReview,
    note: row.note ?? null,
  };
}
