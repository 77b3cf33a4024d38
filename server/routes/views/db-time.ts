/**
 * Reading the server's own DATETIME(3) columns: MySQL/MariaDB return a Date, SQLite the epoch milliseconds it
 * was given (as a number or a numeric string). Writes always pass a Date built from the application clock.
 */
export function fromDbTime(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  if (typeof value === 'string')
    return /^\d+$/.test(value) ? Number(value) : Date.parse(`${value.replace(' ', 'T')}Z`);
  throw new Error(`Expected a time value, but got ${typeof value}`);
}
