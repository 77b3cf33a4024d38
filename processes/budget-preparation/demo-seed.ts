/**
 * Demo data of budget preparation for `npm start`: a deployment schedule for fiscal year 2027 in each demo
 * region (the daily budgetCycleSchedule timer starts the cycle on `deploy_on`). Idempotent: rows that exist (by
 * their unique keys) are left as they are, so edits made in the database survive a restart.
 */
import type { Knex } from 'knex';

/** Deploy dates (北京时间) and 人代会 dates of the demo bureaus for fiscal year 2027 (examples, edit freely). */
const DEMO_SCHEDULES = [
  { finance_bureau_code: '410000-CZ', deploy_on: '2026-07-01', npc_session_on: '2027-01-25' },
  { finance_bureau_code: '410100-CZ', deploy_on: '2026-07-10', npc_session_on: '2027-01-20' },
  { finance_bureau_code: '410122-CZ', deploy_on: '2026-07-15', npc_session_on: '2027-01-15' },
  { finance_bureau_code: '410181-CZ', deploy_on: '2026-07-15', npc_session_on: '2027-01-15' },
] as const;

export async function seedBudgetDemo(knex: Knex): Promise<void> {
  const now = new Date();
  for (const schedule of DEMO_SCHEDULES) {
    await knex('budget_cycle_schedules')
      .insert({
        ...schedule,
        fiscal_year: 2027,
        department_codes: null,
        status: 'planned',
        updated_at: now,
      })
      .onConflict(['finance_bureau_code', 'fiscal_year'])
      .ignore();
  }
}
