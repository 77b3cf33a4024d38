/**
 * Control numbers (控制数, "一下") as data: the 预算处 issues one per department (A6), the department splits its
 * number among its units (A7). Every issue writes new rows with the next revision; the latest revision per org is
 * in force and the earlier ones remain as the 修订轨迹. Rows carry the job's effect key, so a handler that runs
 * twice issues nothing twice.
 *
 * The checks are pure functions returning Chinese sentences that name the department or unit and the amount.
 */
import type { Knex } from 'knex';
import { formatFen, isFen } from './yuan.js';

/** One control number as entered in a form table (department or unit code and amount in 分). */
export interface ControlRow {
  readonly orgCode: string;
  readonly amountFen: number;
}

/** An org the numbers are checked against, with its name for the messages. */
export interface NamedOrg {
  readonly code: string;
  readonly name: string;
}

export interface RowsRead {
  readonly rows: ControlRow[];
  readonly problems: string[];
}

/** Reads a form table of `{ <codeField>, amountFen }` rows; each unreadable row is a problem. */
export function readControlRows(value: unknown, codeField: string): RowsRead {
  const rows: ControlRow[] = [];
  const problems: string[] = [];
  if (!Array.isArray(value) || value.length === 0) return { rows, problems: ['控制数表为空'] };
  value.forEach((raw, index) => {
    const item = (raw ?? {}) as Record<string, unknown>;
    const code = typeof item[codeField] === 'string' ? (item[codeField] as string).trim() : '';
    if (!code) problems.push(`第 ${index + 1} 行：缺少单位`);
    else if (!isFen(item.amountFen)) problems.push(`第 ${index + 1} 行（${code}）：金额须为非负整数（分）`);
    else rows.push({ orgCode: code, amountFen: item.amountFen });
  });
  return { rows, problems };
}

/** Each org of `expected` exactly once, nothing else: the problems name the org. */
export function coverageProblems(rows: readonly ControlRow[], expected: readonly NamedOrg[]): string[] {
  const problems: string[] = [];
  const names = new Map(expected.map((o) => [o.code, o.name]));
  const seen = new Set<string>();
  for (const row of rows) {
    if (!names.has(row.orgCode)) problems.push(`${row.orgCode} 不在本次下达范围内`);
    else if (seen.has(row.orgCode)) problems.push(`${names.get(row.orgCode)}（${row.orgCode}）重复填写`);
    seen.add(row.orgCode);
  }
  for (const org of expected) {
    if (!seen.has(org.code)) problems.push(`缺少${org.name}（${org.code}）的控制数`);
  }
  return problems;
}

/**
 * A department's split (A7): covers each of its units once, the units' sum ≤ the department's number, and (where
 * configured) no unit above its reviewed 一上 建议数. A problem names the unit and by how much it is over.
 */
export function splitProblems(input: {
  readonly department: NamedOrg;
  readonly departmentFen: number;
  readonly rows: readonly ControlRow[];
  readonly units: readonly NamedOrg[];
  /** Reviewed 一上 建议数 by unit code, when the cap applies. */
  readonly proposals?: ReadonlyMap<string, number>;
}): string[] {
  const problems = coverageProblems(input.rows, input.units);
  const names = new Map(input.units.map((u) => [u.code, u.name]));
  const sum = input.rows.reduce((s, r) => s + r.amountFen, 0);
  if (sum > input.departmentFen) {
    const shares = [...input.rows]
      .sort((a, b) => b.amountFen - a.amountFen)
      .map((r) => `${names.get(r.orgCode) ?? r.orgCode} ${formatFen(r.amountFen)}`)
      .join('、');
    problems.push(
      `分解合计 ${formatFen(sum)} 超过${input.department.name}控制数 ${formatFen(input.departmentFen)}，超出 ${formatFen(sum - input.departmentFen)}（${shares}）`,
    );
  }
  for (const row of input.rows) {
    if (row.amountFen > input.departmentFen) {
      problems.push(
        `${names.get(row.orgCode) ?? row.orgCode}（${row.orgCode}）分解数 ${formatFen(row.amountFen)} 单独已超过部门控制数，超出 ${formatFen(row.amountFen - input.departmentFen)}`,
      );
      continue;
    }
    const proposal = input.proposals?.get(row.orgCode);
    if (proposal !== undefined && row.amountFen > proposal) {
      problems.push(
        `${names.get(row.orgCode) ?? row.orgCode}（${row.orgCode}）分解数 ${formatFen(row.amountFen)} 超过其一上建议数 ${formatFen(proposal)}，超出 ${formatFen(row.amountFen - proposal)}`,
      );
    }
  }
  return problems;
}

/** Stores a set of control numbers as the next revision of each org; a repeat of the same job writes nothing. */
export async function storeControlNumbers(
  knex: Knex,
  input: {
    readonly cycleId: string;
    readonly fiscalYear: number;
    readonly orgKind: 'department' | 'unit';
    readonly parentCode: string;
    readonly rows: readonly ControlRow[];
    readonly jobId: string;
    readonly now: Date;
  },
): Promise<void> {
  await knex.transaction(async (trx) => {
    for (const row of input.rows) {
      const effectKey = `${input.jobId}:${row.orgCode}`;
      if (await trx('budget_control_numbers').where({ effect_key: effectKey }).first()) continue;
      const last = await trx('budget_control_numbers')
        .where({ cycle_id: input.cycleId, org_code: row.orgCode })
        .max({ revision: 'revision' })
        .first();
      await trx('budget_control_numbers').insert({
        cycle_id: input.cycleId,
        fiscal_year: input.fiscalYear,
        org_code: row.orgCode,
        org_kind: input.orgKind,
        parent_code: input.parentCode,
        amount_fen: row.amountFen,
        revision: Number(last?.revision ?? 0) + 1,
        effect_key: effectKey,
        created_at: input.now,
      });
    }
  });
}

/** The control number in force for an org in a cycle (its latest revision), or undefined. */
export async function currentControlNumber(
  knex: Knex,
  cycleId: string,
  orgCode: string,
): Promise<number | undefined> {
  const row = await knex('budget_control_numbers')
    .where({ cycle_id: cycleId, org_code: orgCode })
    .orderBy('revision', 'desc')
    .first();
  return row ? Number(row.amount_fen) : undefined;
}
