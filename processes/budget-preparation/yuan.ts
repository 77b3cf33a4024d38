/**
 * Shows an amount of integer 分 as 元 for the Chinese messages of the budget checks (`¥1,234.50`). Only for text:
 * amounts are computed and stored as 分 and never converted to floating point.
 */
export function formatFen(fen: number): string {
  const negative = fen < 0;
  const abs = Math.abs(fen);
  const yuan = Math.trunc(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = (abs % 100).toString().padStart(2, '0');
  return `${negative ? '-' : ''}¥${yuan}.${cents}`;
}

/** True for a whole, non-negative number of 分 within the safe integer range. */
export function isFen(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
