/** The printed report: one table of every scenario's metrics, the extra tables, and the goals of issue 8. */
import { formatNumber, markdownTable, type Cell } from './table.js';
import type { ScenarioResult } from './types.js';
import type { GoalCheck } from './goals.js';

export function metricsTable(results: readonly ScenarioResult[]): string {
  const rows: Cell[][] = [];
  for (const result of results) {
    for (const m of result.metrics) {
      if (m.print === false) continue;
      rows.push([
        result.name,
        m.label,
        m.value === null ? '–' : `${formatNumber(m.value, m.digits)}${m.unit ? ` ${m.unit}` : ''}`,
        m.note ?? '',
      ]);
    }
  }
  return markdownTable(['scenario', 'measure', 'value', 'note'], rows, ['left', 'left', 'right', 'left']);
}

export function extraTables(results: readonly ScenarioResult[]): string {
  const parts: string[] = [];
  for (const result of results) {
    for (const t of result.tables ?? []) {
      parts.push(
        `${t.title}\n\n${markdownTable(
          t.headers,
          t.rows.map((r) => [...r]),
        )}`,
      );
    }
  }
  return parts.join('\n\n');
}

export function goalsTable(goals: readonly GoalCheck[]): string {
  return markdownTable(
    ['goal (issue 8)', 'measured', 'target', 'verdict', 'bound by (same run)'],
    goals.map((g) => [
      g.goal,
      g.measured === null ? '–' : formatNumber(g.measured, 3),
      g.target,
      g.verdict,
      g.note,
    ]),
    ['left', 'right', 'left', 'left', 'left'],
  );
}
