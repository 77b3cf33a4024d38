/**
 * Money in the UI: shown in 元 with thousands separators, stored and sent in integer 分.
 * No floating point anywhere: 元 strings are parsed to 分 by string arithmetic, 分 are formatted with BigInt.
 */

/** 123456789 → "1,234,567.89" (negative keeps its sign). */
export function formatFen(fen: number | bigint | null | undefined): string {
  if (fen === null || fen === undefined) return '';
  let n = BigInt(fen);
  const negative = n < 0n;
  if (negative) n = -n;
  const yuan = (n / 100n).toString();
  const cents = (n % 100n).toString().padStart(2, '0');
  const grouped = yuan.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${grouped}.${cents}`;
}

/** "1,234.5" → 123450; "" → null; anything not a 元 amount with at most 2 decimals → undefined (invalid). */
export function parseYuanToFen(text: string): number | null | undefined {
  const s = text.replace(/[,\s，]/g, '').replace(/^¥|元$/g, '');
  if (s === '') return null;
  const m = /^(-)?(\d+)(?:\.(\d{0,2}))?$/.exec(s);
  if (!m) return undefined;
  const fen = BigInt(m[2]!) * 100n + BigInt((m[3] ?? '').padEnd(2, '0') || '0');
  const signed = m[1] ? -fen : fen;
  if (signed > BigInt(Number.MAX_SAFE_INTEGER) || signed < -BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return Number(signed);
}

/** 分 → the editable 元 text without separators: 123450 → "1234.50". */
export function fenToYuanInput(fen: number | null | undefined): string {
  if (fen === null || fen === undefined) return '';
  return formatFen(fen).replace(/,/g, '');
}
