/**
 * Audit rows for account changes (docs/audit.md): user created or changed, roles replaced, password set. They go
 * to the `system` chain inside the change's own transaction, naming the request's user (or the CLI / bootstrap
 * as actor). Password rows record only that and when a password changed, never anything derived from it.
 */
import type { Knex } from 'knex';
import { appendSystemAudit } from '../../engine/adapters/index.js';
import { currentRequest } from '../http/request-context.js';

export type UserAuditAction = 'user.create' | 'user.update' | 'user.roles' | 'user.password';

export async function auditUserChange(
  trx: Knex.Transaction,
  entry: {
    action: UserAuditAction;
    userId: string;
    before?: unknown;
    after?: unknown;
    /** Who, when no request is running (the CLI, the bootstrap). */
    actor?: string | null;
    at: number;
  },
): Promise<void> {
  await appendSystemAudit(trx, {
    action: entry.action,
    targetType: 'user',
    targetId: entry.userId,
    actor: entry.actor ?? null,
    before: entry.before,
    after: entry.after,
    at: entry.at,
    context: currentRequest(),
  });
}
