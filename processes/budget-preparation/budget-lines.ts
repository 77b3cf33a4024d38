/**
 * The lines of a unit's budget submission (一上 建议数 and 二上 草案): what the `items` table of the unit forms holds,
 * read defensively (the values come from a form) and checked. Pure functions, so the rules are tested without a
 * database; the handlers store what passes.
 *
 * The 二上 rules (domain.md §1.2 A8): the draft total may not exceed the unit's control number, and every
 * project line (项目支出) needs its 绩效目标. Each problem names the line or the amount, in Chinese, so the unit
 * sees exactly what to fix.
 */
import { formatFen, isFen } from './yuan.js';

/** 基本支出 (人员类 + 公用经费) or 项目支出. */
export type LineCategory = 'basic' | 'project';

export interface BudgetLine {
  readonly category: LineCategory;
  readonly projectName: string;
  /** 支出功能分类 (e.g. 2050203) and 部门支出经济分类 (e.g. 30201) codes. */
  readonly functionalClass: string;
  readonly economicClass: string;
  readonly amountFen: number;
  readonly performanceGoal: string;
}

export interface LinesRead {
  readonly lines: BudgetLine[];
  readonly problems: string[];
}

const CATEGORY_LABELS: Readonly<Record<LineCategory, string>> = { basic: '基本支出', project: '项目支出' };

/** Reads the `items` table of a submission; each unreadable line is a problem naming its row number. */
export function readLines(value: unknown): LinesRead {
  const problems: string[] = [];
  const lines: BudgetLine[] = [];
  if (!Array.isArray(value) || value.length === 0) {
    return { lines, problems: ['预算明细为空：请至少填写一行'] };
  }
  value.forEach((raw, index) => {
    const row = index + 1;
    const item = (raw ?? {}) as Record<string, unknown>;
    const category = item.category === 'basic' || item.category === 'project' ? item.category : undefined;
    const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
    const name = text(item.projectName);
    const label = `第 ${row} 行${name ? `「${name}」` : ''}`;
    if (!category) problems.push(`${label}：支出类别须为基本支出或项目支出`);
    if (!name) problems.push(`${label}：缺少项目名称`);
    if (!/^\d{3,7}$/.test(text(item.functionalClass))) problems.push(`${label}：缺少支出功能分类科目`);
    if (!/^\d{3,5}$/.test(text(item.economicClass))) problems.push(`${label}：缺少支出经济分类科目`);
    if (!isFen(item.amountFen)) problems.push(`${label}：金额须为非负整数（分）`);
    if (category && name && isFen(item.amountFen)) {
      lines.push({
        category,
        projectName: name,
        functionalClass: text(item.functionalClass),
        economicClass: text(item.economicClass),
        amountFen: item.amountFen,
        performanceGoal: text(item.performanceGoal),
      });
    }
  });
  return { lines, problems };
}

/** The total of the lines in 分. */
export function totalFen(lines: readonly BudgetLine[]): number {
  return lines.reduce((sum, line) => sum + line.amountFen, 0);
}

/**
 * The 二上 checks of one unit's draft: total ≤ control number, a 绩效目标 on every project line. Returns the
 * problems, each a sentence naming what is over or missing (empty = the draft may go to the department).
 */
export function draftProblems(lines: readonly BudgetLine[], controlFen: number, unitName: string): string[] {
  const problems: string[] = [];
  const total = totalFen(lines);
  if (total > controlFen) {
    problems.push(
      `${unitName}预算草案合计 ${formatFen(total)} 超过控制数 ${formatFen(controlFen)}，超出 ${formatFen(total - controlFen)}`,
    );
  }
  lines.forEach((line, index) => {
    if (line.category === 'project' && line.performanceGoal.length === 0) {
      problems.push(
        `第 ${index + 1} 行${CATEGORY_LABELS.project}「${line.projectName}」缺少绩效目标（产出、效益、满意度指标）`,
      );
    }
  });
  return problems;
}
