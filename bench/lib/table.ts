/** Plain-text tables for the console and for bench/README.md (GitHub markdown). */

export type Cell = string | number | null | undefined;

/** Formats a number with thousands separators and a sensible number of decimals. */
export function formatNumber(value: number | null | undefined, digits?: number): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  const d = digits ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
  return value.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

/** A markdown table (also readable as plain text): numbers right-aligned, text left-aligned. */
export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
  align?: readonly ('left' | 'right')[],
): string {
  const text = rows.map((row) =>
    row.map((cell) => (typeof cell === 'number' ? formatNumber(cell) : (cell ?? ''))),
  );
  const numeric = headers.map((_, c) =>
    align?.[c] !== undefined
      ? align[c] === 'right'
      : rows.length > 0 && rows.every((row) => typeof row[c] === 'number' || row[c] === null),
  );
  const widths = headers.map((h, c) => Math.max(width(h), ...text.map((row) => width(row[c] ?? ''))));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, c) => (numeric[c] ? padStart(cell, widths[c]!) : padEnd(cell, widths[c]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, c) => (numeric[c] ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`;
  return [line(headers), rule, ...text.map(line)].join('\n');
}

/** Display width: CJK characters take two columns. */
function width(s: string): number {
  let w = 0;
  for (const ch of s)
    w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(
      ch,
    )
      ? 2
      : 1;
  return w;
}

function padEnd(s: string, w: number): string {
  return s + ' '.repeat(Math.max(0, w - width(s)));
}

function padStart(s: string, w: number): string {
  return ' '.repeat(Math.max(0, w - width(s))) + s;
}
