/**
 * The annual cycle of one finance bureau (one `budget_cycles` row per bureau and fiscal year): opening it (A1,
 * from a hand start or a claimed schedule row), and the schedule the daily timer reads. The deploy date of each
 * bureau and year is a row of `budget_cycle_schedules`, not a date in the diagram: the timer only checks daily
 * which rows are due and claims them, each exactly once.
 */
import type { Knex } from 'knex';
import type { OrgDirectory } from '../org/org-directory.js';
import type { Org } from '../org/org.js';
import { budgetSettings, type BudgetSettings } from './settings.js';

const DAY_MS = 86_400_000;
const BEIJING_OFFSET_MS = 8 * 3_600_000;

/** The calendar day in Beijing of an instant, as YYYY-MM-DD. */
export function beijingDate(epochMs: number): string {
  return new Date(epochMs + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
}

/** Midnight in Beijing `days` before a YYYY-MM-DD day, as ISO 8601 with offset (a timer's timeDate). */
export function beijingMidnightBefore(day: string, days: number): string {
  const at = Date.parse(`${day}T00:00:00+08:00`) - days * DAY_MS;
  return `${beijingDate(at)}T00:00:00+08:00`;
}

/** What a started cycle needs to know, from the start form or a schedule row. */
export interface CycleRequest {
  readonly fiscalYear: unknown;
  readonly financeBureauCode: unknown;
  readonly departmentCodes?: unknown;
  readonly npcSessionDate: unknown;
}

export type OpenedCycle =
  | { readonly ok: false; readonly problem: string }
  | {
      readonly ok: true;
      readonly fiscalYear: number;
      readonly bureau: Org;
      readonly departments: Org[];
      readonly financeParentCode: string | null;
      readonly npcSessionDate: string;
      readonly settings: BudgetSettings;
    };

/**
 * Checks the request against the directory and records the cycle under the instance id. Refuses (with a Chinese
 * sentence) an unknown bureau, a department outside the bureau's region or without budget units, a bad date, or
 * a second cycle for the same bureau and year. Running it again for the same instance finds its own row.
 */
export async function openCycle(
  knex: Knex,
  directory: OrgDirectory,
  instanceId: string,
  request: CycleRequest,
  now: Date,
): Promise<OpenedCycle> {
  const fiscalYear = Number(request.fiscalYear);
  if (!Number.isInteger(fiscalYear) || fiscalYear < 2000 || fiscalYear > 2100)
    return { ok: false, problem: `预算年度 ${String(request.fiscalYear)} 无效` };
  const bureauCode = typeof request.financeBureauCode === 'string' ? request.financeBureauCode : '';
  const bureau = bureauCode ? await directory.getOrg(bureauCode) : undefined;
  if (!bureau || bureau.kind !== 'finance_bureau')
    return { ok: false, problem: `${bureauCode || '（空）'} 不是财政部门` };
  const npcSessionDate = typeof request.npcSessionDate === 'string' ? request.npcSessionDate : '';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(npcSessionDate) || Number.isNaN(Date.parse(npcSessionDate)))
    return { ok: false, problem: `人代会日期 ${npcSessionDate || '（空）'} 无效，应为 YYYY-MM-DD` };

  const regionDepartments = (await directory.children(bureau.parentCode ?? '', now)).filter(
    (o) => o.kind === 'department',
  );
  const requested = departmentList(request.departmentCodes);
  const departments: Org[] = [];
  for (const code of requested ?? regionDepartments.map((d) => d.code)) {
    const department = regionDepartments.find((d) => d.code === code);
    if (!department) return { ok: false, problem: `${code} 不是${bureau.name}所辖的主管部门` };
    const units = (await directory.children(code, now)).filter((o) => o.kind === 'budget_unit');
    if (units.length === 0) return { ok: false, problem: `${department.name}（${code}）下没有预算单位` };
    departments.push(department);
  }
  if (departments.length === 0) return { ok: false, problem: `${bureau.name}没有可部署的主管部门` };

  const existing = await knex('budget_cycles')
    .where({ finance_bureau_code: bureau.code, fiscal_year: fiscalYear })
    .first();
  if (existing && existing.id !== instanceId)
    return {
      ok: false,
      problem: `${bureau.name} ${fiscalYear} 年度预算编制已部署（流程实例 ${String(existing.id)}），不能重复部署`,
    };
  if (!existing) {
    await knex('budget_cycles').insert({
      id: instanceId,
      finance_bureau_code: bureau.code,
      fiscal_year: fiscalYear,
      npc_session_on: npcSessionDate,
      status: 'deployed',
      created_at: now,
      updated_at: now,
    });
  }
  const parent = await directory.financeParentBureauOf(bureau.code);
  return {
    ok: true,
    fiscalYear,
    bureau,
    departments,
    financeParentCode: parent?.code ?? null,
    npcSessionDate,
    settings: await budgetSettings(knex, bureau.code),
  };
}

/** Moves the cycle to `approved` (人代会) or `filed` (备案), stamping the time once. */
export async function setCycleStatus(
  knex: Knex,
  cycleId: string,
  status: 'approved' | 'filed',
  now: Date,
): Promise<void> {
  const column = status === 'approved' ? 'approved_at' : 'filed_at';
  await knex('budget_cycles')
    .where({ id: cycleId })
    .update({ status, [column]: knex.raw('coalesce(??, ?)', [column, now]), updated_at: now });
}

/** A schedule row the timer claimed: the start variables of its cycle. */
export interface DueCycle {
  readonly fiscalYear: number;
  readonly financeBureauCode: string;
  readonly departmentCodes: string[] | null;
  readonly npcSessionDate: string;
}

/**
 * Claims every planned schedule row due by today (Beijing) for this scheduler instance and returns the rows it
 * holds (a rerun of the same instance gets the same rows back; another instance never gets them).
 */
export async function claimDueCycles(knex: Knex, instanceId: string, now: Date): Promise<DueCycle[]> {
  const today = beijingDate(now.getTime());
  await knex('budget_cycle_schedules')
    .where({ status: 'planned' })
    .andWhere('deploy_on', '<=', today)
    .update({ status: 'started', claimed_by: instanceId, claimed_at: now, updated_at: now });
  const rows = await knex('budget_cycle_schedules').where({ claimed_by: instanceId }).orderBy('id');
  return rows.map((r) => ({
    fiscalYear: Number(r.fiscal_year),
    financeBureauCode: String(r.finance_bureau_code),
    departmentCodes: r.department_codes ? (JSON.parse(String(r.department_codes)) as string[]) : null,
    npcSessionDate: String(r.npc_session_on),
  }));
}

/** Department codes from a list of codes or of `{ departmentCode }` rows (a form table); undefined = all. */
function departmentList(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  return value
    .map((v) =>
      typeof v === 'string' ? v : ((v as { departmentCode?: unknown })?.departmentCode as string | undefined),
    )
    .filter((v): v is string => typeof v === 'string' && v.length > 0);
}
