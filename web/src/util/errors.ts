/**
 * A failed operation as the user should read it: the server's message, or for INVALID_STATE refusals with a
 * known `details.reason` (撤回 after the next step acted, 催办 too soon …) a clear sentence of our own.
 */
import { ApiFailure } from '@/api/client';
import { i18n } from '@/i18n';

export function operationError(err: unknown): string {
  if (err instanceof ApiFailure) {
    const reason = (err.details as { reason?: unknown } | undefined)?.reason;
    const key =
      typeof reason === 'string'
        ? `reason.${reason}`
        : err.code === 'MAKER_CHECKER'
          ? 'reason.MAKER_CHECKER'
          : '';
    if (key && i18n.global.te(key)) return i18n.global.t(key);
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}
