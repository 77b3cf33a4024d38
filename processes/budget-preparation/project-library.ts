/**
 * The project library (项目库, domain.md §1.1 steps 3–5) as data: one `budget_projects` row per declaration,
 * whose status the projectLibrary diagram keeps in step (申报中 → 已退回 ⇄ 申报中 → 已入库 → 储备, or 不予入库),
 * and one `budget_project_events` row per change. The event's UNIQUE effect key (the service job id) makes each
 * change happen once, however often the handler runs; the status moves in the same transaction as its event.
 */
import type { Knex } from 'knex';
import type { OrgDirectory } from '../org/org-directory.js';
import { isFen } from './yuan.js';

export const PROJECT_STATUSES = ['申报中', '已退回', '已入库', '储备', '不予入库'] as const;
export type ProjectStatus = (typeof PROJECT_STATUSES)[number];

const CATEGORIES = ['personnel', 'operation', 'specific'];
const TERMS = ['once', 'recurring', 'phased'];

export interface RegisteredProject {
  readonly projectId: string;
  readonly projectCode: string;
  readonly unitCode: string;
  readonly departmentCode: string;
  readonly financeBureauCode: string;
  readonly totalFen: number;
}

/**
 * Records (or, after a 退回, updates) the declaration of instance `projectId` with status 申报中. `unitCode` must be
 * a budget unit of the directory (its department and finance bureau follow from it). Returns the problems instead
 * when the declaration is incomplete; each names the field.
 */
export async function registerProject(
  knex: Knex,
  directory: OrgDirectory,
  input: {
    readonly projectId: string;
    readonly variables: Readonly<Record<string, unknown>>;
    readonly effectKey: string;
    readonly now: Date;
  },
): Promise<{ ok: true; project: RegisteredProject } | { ok: false; problems: string[] }> {
  const v = input.variables;
  const text = (name: string) => (typeof v[name] === 'string' ? (v[name] as string).trim() : '');
  const problems: string[] = [];
  const unit = text('unitCode') ? await directory.getOrg(text('unitCode')) : undefined;
  if (!unit || unit.kind !== 'budget_unit') problems.push('申报单位（unitCode）不是预算单位');
  if (!text('projectName')) problems.push('缺少项目名称（projectName）');
  if (!CATEGORIES.includes(text('category'))) problems.push('项目类别（category）无效');
  if (!TERMS.includes(text('term'))) problems.push('项目期限（term）无效');
  if (!isFen(v.totalFen) || v.totalFen === 0) problems.push('项目总额（totalFen）须为正整数（分）');
  if (!/^\d{3,7}$/.test(text('functionalClass'))) problems.push('缺少支出功能分类科目（functionalClass）');
  if (!/^\d{3,5}$/.test(text('economicClass'))) problems.push('缺少支出经济分类科目（economicClass）');
  if (!text('performanceGoal')) problems.push('缺少绩效目标（performanceGoal）');
  const department = unit ? await directory.departmentOf(unit.code) : undefined;
  const bureau = unit ? await directory.financeBureauOf(unit.code) : undefined;
  if (unit && (!department || !bureau)) problems.push(`${unit.name} 没有主管部门或财政部门`);
  if (problems.length > 0 || !unit || !department || !bureau) return { ok: false, problems };

  const year = new Date(input.now.getTime() + 8 * 3_600_000).getUTCFullYear();
  const projectCode = `XM${year}-${unit.code}-${input.projectId.replace(/-/g, '').slice(0, 8).toUpperCase()}`;
  const fields = {
    unit_code: unit.code,
    department_code: department.code,
    finance_bureau_code: bureau.code,
    name: text('projectName'),
    category: text('category'),
    term: text('term'),
    total_fen: v.totalFen as number,
    functional_class: text('functionalClass'),
    economic_class: text('economicClass'),
    performance_goal: text('performanceGoal'),
  };
  await knex.transaction(async (trx) => {
    if (await trx('budget_project_events').where({ effect_key: input.effectKey }).first()) return;
    const existing = await trx('budget_projects').where({ id: input.projectId }).first();
    if (existing) {
      await trx('budget_projects')
        .where({ id: input.projectId })
        .update({ ...fields, status: '申报中', updated_at: input.now });
    } else {
      await trx('budget_projects').insert({
        id: input.projectId,
        project_code: projectCode,
        ...fields,
        status: '申报中',
        created_at: input.now,
        updated_at: input.now,
      });
    }
    await trx('budget_project_events').insert({
      project_id: input.projectId,
      status: '申报中',
      note: existing ? '修改后重新申报' : '申报',
      effect_key: input.effectKey,
      created_at: input.now,
    });
  });
  const row = await knex('budget_projects').where({ id: input.projectId }).first();
  return {
    ok: true,
    project: {
      projectId: input.projectId,
      projectCode: String(row.project_code),
      unitCode: unit.code,
      departmentCode: department.code,
      financeBureauCode: bureau.code,
      totalFen: v.totalFen as number,
    },
  };
}

/** Moves a project to `status` with a note, once per effect key. */
export async function setProjectStatus(
  knex: Knex,
  input: {
    readonly projectId: string;
    readonly status: ProjectStatus;
    readonly note: string | null;
    readonly reserveYear?: number;
    readonly effectKey: string;
    readonly now: Date;
  },
): Promise<void> {
  await knex.transaction(async (trx) => {
    if (await trx('budget_project_events').where({ effect_key: input.effectKey }).first()) return;
    const updated = await trx('budget_projects')
      .where({ id: input.projectId })
      .update({
        status: input.status,
        ...(input.reserveYear === undefined ? {} : { reserve_year: input.reserveYear }),
        updated_at: input.now,
      });
    if (updated !== 1) throw new Error(`Project ${input.projectId} is not in the project library`);
    await trx('budget_project_events').insert({
      project_id: input.projectId,
      status: input.status,
      note: input.note?.slice(0, 500) ?? null,
      effect_key: input.effectKey,
      created_at: input.now,
    });
  });
}
