/**
 * ISO 8601 durations (`P3D`, `PT10S`, `P1W`, `P1DT12H`) as milliseconds. Years and months are refused:
 * their length depends on the calendar, and deadlines here are counted in days.
 */
const PATTERN = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

export function parseDurationMs(text: string): number | undefined {
  const match = PATTERN.exec(text.trim());
  if (!match || text.trim() === 'P' || text.trim().endsWith('T')) return undefined;
  const [, w, d, h, m, s] = match;
  const n = (v: string | undefined) => (v === undefined ? 0 : Number(v));
  return Math.round(((((n(w) * 7 + n(d)) * 24 + n(h)) * 60 + n(m)) * 60 + n(s)) * 1000);
}
