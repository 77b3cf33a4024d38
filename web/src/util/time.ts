/**
 * Dates and durations in China time (Asia/Shanghai), whatever the browser's time zone.
 */
const TZ = 'Asia/Shanghai';

const dateTime = new Intl.DateTimeFormat('zh-CN', {
  timeZone: TZ,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});
const dateOnly = new Intl.DateTimeFormat('zh-CN', {
  timeZone: TZ,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

function parts(fmt: Intl.DateTimeFormat, d: Date): Record<string, string> {
  return Object.fromEntries(fmt.formatToParts(d).map((p) => [p.type, p.value]));
}

/** ISO-8601 → "2026-11-28 14:05" in China time. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = parts(dateTime, d);
  return `${p.year}-${p.month}-${p.day} ${p.hour === '24' ? '00' : p.hour}:${p.minute}`;
}

/** ISO-8601 → "2026-11-28" in China time. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = parts(dateOnly, d);
  return `${p.year}-${p.month}-${p.day}`;
}

/** A "YYYY-MM-DD" China date → the ISO instant of its start (00:00 +08:00). */
export function chinaDayStart(day: string): string {
  return new Date(`${day}T00:00:00+08:00`).toISOString();
}

/** A "YYYY-MM-DD" China date → the ISO instant of its end (next day 00:00 +08:00). */
export function chinaDayEnd(day: string): string {
  return new Date(new Date(`${day}T00:00:00+08:00`).getTime() + 86_400_000).toISOString();
}

/** Milliseconds → "2天3小时" / "3h 5m" depending on locale. */
export function formatDuration(ms: number, locale: string): string {
  const abs = Math.abs(ms);
  const minutes = Math.floor(abs / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const zh = locale.startsWith('zh');
  const out: string[] = [];
  if (days) out.push(zh ? `${days}天` : `${days}d`);
  if (hours) out.push(zh ? `${hours}小时` : `${hours}h`);
  if (!days && (mins || out.length === 0)) out.push(zh ? `${mins}分钟` : `${mins}m`);
  return out.join(zh ? '' : ' ');
}
