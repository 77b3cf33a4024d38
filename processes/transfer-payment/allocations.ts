/**
 * The record of a province's 批复 of a special transfer-payment application (`transfer_allocations`): the
 * approved amount in 分 for the receiving county, written once per application. The UNIQUE effect key makes a
 * retried or redelivered service job insert nothing twice; the row read back is the one first written.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';

export interface TransferAllocation {
  readonly id: string;
  readonly instanceId: string;
  readonly businessKey: string | null;
  readonly fiscalYear: number;
  readonly regionCode: string;
  readonly recipientBureauCode: string;
  readonly approverBureauCode: string;
  readonly applicantOrgCode: string;
  readonly projectName: string;
  readonly functionalClass: string;
  readonly fundType: string;
  readonly approvalDocNo: string;
  readonly approvedFen: number;
  readonly indicatorId: string | null;
}

export type NewTransferAllocation = Omit<TransferAllocation, 'id' | 'indicatorId'> & {
  readonly effectKey: string;
};

/** Inserts the allocation unless its effect key is already there; returns the stored row either way. */
export async function recordAllocation(
  knex: Knex,
  allocation: NewTransferAllocation,
  now: Date,
): Promise<TransferAllocation> {
  await knex('transfer_allocations')
    .insert({
      id: randomUUID(),
      effect_key: allocation.effectKey,
      instance_id: allocation.instanceId,
      business_key: allocation.businessKey,
      fiscal_year: allocation.fiscalYear,
      region_code: allocation.regionCode,
      recipient_bureau_code: allocation.recipientBureauCode,
      approver_bureau_code: allocation.approverBureauCode,
      applicant_org_code: allocation.applicantOrgCode,
      pro_name: allocation.projectName,
      exp_func_code: allocation.functionalClass,
      fund_type_code: allocation.fundType,
      bgt_doc_no: allocation.approvalDocNo,
      approved_fen: allocation.approvedFen,
      created_at: now,
    })
    .onConflict('effect_key')
    .ignore();
  const row = await knex('transfer_allocations').where({ effect_key: allocation.effectKey }).first();
  if (!row) throw new Error(`Allocation ${allocation.effectKey} was not stored`);
  return fromRow(row);
}

/** Records the indicator the allocation was registered as (the same id on a retry: a no-op). */
export async function linkIndicator(knex: Knex, allocationId: string, indicatorId: string): Promise<void> {
  await knex('transfer_allocations')
    .where({ id: allocationId })
    .whereNull('indicator_id')
    .update({ indicator_id: indicatorId });
}

/** The allocations of a county region (newest first), for the receiving finance bureau and the tests. */
export async function allocationsOf(knex: Knex, regionCode: string): Promise<TransferAllocation[]> {
  const rows = await knex('transfer_allocations')
    .where({ region_code: regionCode })
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'asc' },
    ]);
  return rows.map(fromRow);
}

function fromRow(r: Record<string, unknown>): TransferAllocation {
  return {
    id: String(r.id),
    instanceId: String(r.instance_id),
    businessKey: r.business_key === null || r.business_key === undefined ? null : String(r.business_key),
    fiscalYear: Number(r.fiscal_year),
    regionCode: String(r.region_code),
    recipientBureauCode: String(r.recipient_bureau_code),
    approverBureauCode: String(r.approver_bureau_code),
    applicantOrgCode: String(r.applicant_org_code),
    projectName: String(r.pro_name),
    functionalClass: String(r.exp_func_code),
    fundType: String(r.fund_type_code),
    approvalDocNo: String(r.bgt_doc_no),
    approvedFen: Number(r.approved_fen),
    indicatorId: r.indicator_id === null || r.indicator_id === undefined ? null : String(r.indicator_id),
  };
}
