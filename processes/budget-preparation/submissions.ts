/**
 * Unit submissions as data: each accepted 一上 建议数 or 二上 草案 is a row with the next revision per cycle, round
 * and unit (the latest is in force). The department's consolidation and the 一下 split read the latest rows.
 */
import type { Knex } from 'knex';
import type { BudgetLine } from './budget-lines.js';

/** Stores a unit's accepted submission as its next revision; a repeat of the same job writes nothing. */
export async function recordSubmission(
  knex: Knex,
  input: {
    readonly cycleId: string;
    readonly round: string;
    readonly unitCode: string;
    readonly departmentCode: string;
    readonly lines: readonly BudgetLine[];
    readonly amountFen: number;
    readonly effectKey: string;
    readonly now: Date;
  },
): Promise<void> {
  await knex.transaction(async (trx) => {
    if (await trx('budget_submissions').where({ effect_key: input.effectKey }).first()) return;
    const last = await trx('budget_submissions')
      .where({ cycle_id: input.cycleId, round: input.round, unit_code: input.unitCode })
      .max({ revision: 'revision' })
      .first();
    await trx('budget_submissions').insert({
      cycle_id: input.cycleId,
      round: input.round,
      unit_code: input.unitCode,
      department_code: input.departmentCode,
      amount_fen: input.amountFen,
      items: JSON.stringify(input.lines),
      revision: Number(last?.revision ?? 0) + 1,
      effect_key: input.effectKey,
      created_at: input.now,
    });
  });
}

/** The latest submission total per unit of a department in a round, by unit code. */
export async function latestTotals(
  knex: Knex,
  cycleId: string,
  round: string,
  departmentCode: string,
): Promise<Map<string, number>> {
  const rows = await knex('budget_submissions')
    .where({ cycle_id: cycleId, round, department_code: departmentCode })
    .orderBy('revision', 'asc');
  const totals = new Map<string, number>();
  for (const row of rows) totals.set(String(row.unit_code), Number(row.amount_fen));
  return totals;
}
