/**
 * Writes the tamper-evident audit log: hash-chained rows inserted in the same transaction as the state change
 * they record (docs/audit.md). Instance commits append to the instance's own chain (`instance:<id>`): the chain
 * head is the last row, read when the command loads the instance (in the same batch) or before the commit; the
 * commit's version-guarded UPDATE proves nobody appended since (no extra columns, no hot row). Everything
 * else (deployments, user and role administration) appends to a chain whose head row in audit_chain_heads is
 * locked with SELECT … FOR UPDATE.
 *
 * row_hash = H(prev_hash ‖ canonical JSON of every column except id and row_hash), H = SHA-256 or SM3.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { ChangeSet, DefinitionRecord, HistoryRecord } from '../../core/runtime/records.js';
import { dbTime, toTime } from './rows.js';

export type AuditHashAlgorithm = 'sha256' | 'sm3';

export const AUDIT_HASH_ALGORITHMS: readonly AuditHashAlgorithm[] = ['sha256', 'sm3'];

/** Who asked for the change, as the server's request context knows it. */
export interface AuditContext {
  readonly requestId?: string;
  readonly userId?: string;
  readonly orgCode?: string;
  readonly roles?: readonly string[];
}

export interface AuditOptions {
  /** The current request, if any (the server passes its AsyncLocalStorage reader). */
  readonly auditContext?: () => AuditContext | undefined;
  /** Hash of new rows; default sha256. Each row records its algorithm, so a change keeps old rows verifiable. */
  readonly auditHash?: AuditHashAlgorithm;
}

/** prev_hash of the first row of every chain. */
export const GENESIS_HASH = '0'.repeat(64);
export const SYSTEM_CHAIN = 'system';

export function instanceChainId(instanceId: string): string {
  return `instance:${instanceId}`;
}

/** The hashed fields of a row: every column except id and row_hash; `at` is epoch ms (hashed as ISO-8601). */
export interface AuditFields {
  chain_id: string;
  seq: number;
  hash_alg: AuditHashAlgorithm;
  prev_hash: string;
  at: number;
  actor: string | null;
  org_code: string | null;
  roles: string | null;
  request_id: string | null;
  action: string;
  target_type: string;
  target_id: string;
  instance_id: string | null;
  history_seq: number | null;
  history_idx: number | null;
  before_json: string | null;
  after_json: string | null;
}

/**
 * JSON with object keys sorted (by UTF-16 code unit, as RFC 8785) and no whitespace; undefined members are
 * dropped, Dates become ISO-8601 strings. Numbers and strings are written as JSON.stringify writes them.
 */
export function canonicalJson(value: unknown): string {
  // every commit hashes its rows through here: plain loops and one string, no intermediate arrays
  if (value === undefined || value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value))
        throw new Error(`Expected a finite number in audit data, but got ${value}`);
      return JSON.stringify(value);
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    default:
      return String(JSON.stringify(value));
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    out += (out.length === 1 ? '' : ',') + JSON.stringify(key) + ':' + canonicalJson(member);
  }
  return `${out}}`;
}

/** H(prev_hash ‖ canonical JSON of the fields). */
export function hashAuditRow(fields: AuditFields): string {
  const canonical = canonicalJson({ ...fields, at: new Date(fields.at).toISOString() });
  return createHash(fields.hash_alg).update(fields.prev_hash, 'utf8').update(canonical, 'utf8').digest('hex');
}

/** The hashed fields of a stored row (numbers and times normalised across MySQL and SQLite). */
export function auditFieldsFromRow(r: Record<string, unknown>): AuditFields {
  const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    chain_id: String(r.chain_id),
    seq: Number(r.seq),
    hash_alg: String(r.hash_alg) as AuditHashAlgorithm,
    prev_hash: String(r.prev_hash),
    at: toTime(r.at),
    actor: str(r.actor),
    org_code: str(r.org_code),
    roles: str(r.roles),
    request_id: str(r.request_id),
    action: String(r.action),
    target_type: String(r.target_type),
    target_id: String(r.target_id),
    instance_id: str(r.instance_id),
    history_seq: num(r.history_seq),
    history_idx: num(r.history_idx),
    before_json: str(r.before_json),
    after_json: str(r.after_json),
  };
}

/** The last row of a chain: where the next row links to. */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

/** The head of an instance's chain, or the genesis head when the chain has no row yet. */
export async function readInstanceChainHead(
  db: Knex | Knex.Transaction,
  instanceId: string,
): Promise<ChainHead> {
  const last = await instanceChainHeadQuery(db, instanceId).first();
  return chainHeadFromRow(last);
}

/** The query behind readInstanceChainHead (the MySQL store sends it in its load batch). */
export function instanceChainHeadQuery(db: Knex | Knex.Transaction, instanceId: string): Knex.QueryBuilder {
  return db('audit_log')
    .select('seq', 'row_hash')
    .where({ chain_id: instanceChainId(instanceId) })
    .orderBy('seq', 'desc')
    .limit(1);
}

export function chainHeadFromRow(row: Record<string, unknown> | undefined): ChainHead {
  return row ? { seq: Number(row.seq), hash: String(row.row_hash) } : { seq: 0, hash: GENESIS_HASH };
}

/**
 * The audit rows of an instance commit: one per history row of the commit (one `instance.change` row when the
 * commit wrote no history), linked after `head`, the chain's last row. Insert them in the commit's transaction,
 * after the guarded instance write: the head must have been read at or after the version the commit moves from
 * (the version guard then proves nobody appended in between).
 */
export function commitAuditRows(
  cs: ChangeSet,
  head: ChainHead,
  options: AuditOptions = {},
): Record<string, unknown>[] {
  const instance = cs.instance;
  const chainId = instanceChainId(instance.id);
  const who = contextFields(options.auditContext?.());
  const before =
    cs.expectedVersion === null ? null : canonicalJson({ instance: { version: cs.expectedVersion } });
  const instanceAfter = { status: instance.status, version: instance.version };
  const entries: Omit<AuditFields, 'chain_id' | 'seq' | 'hash_alg' | 'prev_hash'>[] =
    cs.history.length > 0
      ? cs.history.map((h, idx) => ({
          ...who,
          actor: who.actor ?? clip(h.actor, 64),
          at: instance.updatedAt,
          action: clip(h.type, 64)!,
          ...targetOf(instance.id, h),
          instance_id: instance.id,
          history_seq: instance.version,
          history_idx: idx,
          before_json: before,
          after_json: canonicalJson({ instance: instanceAfter, event: eventOf(h) }),
        }))
      : [
          {
            ...who,
            at: instance.updatedAt,
            action: 'instance.change',
            target_type: 'instance',
            target_id: instance.id,
            instance_id: instance.id,
            history_seq: null,
            history_idx: null,
            before_json: before,
            after_json: canonicalJson({ instance: instanceAfter }),
          },
        ];
  return chain(chainId, head, options.auditHash ?? 'sha256', entries);
}

/** A change outside any instance: a deployment, a user or role change, a configuration change. */
export interface SystemAuditEntry {
  /** What happened, e.g. `deploy`, `user.update`, `role.grant` (≤ 64 characters). */
  readonly action: string;
  /** The kind of thing changed, e.g. `definition`, `user` (≤ 32 characters). */
  readonly targetType: string;
  readonly targetId: string;
  /** Who did it; the context's user wins when both are given. */
  readonly actor?: string | null;
  /** The state before and after (any JSON; stored canonically). */
  readonly before?: unknown;
  readonly after?: unknown;
  /** Epoch ms; default now. */
  readonly at?: number;
  /** The request it ran in (the server passes `currentRequest()`). */
  readonly context?: AuditContext;
  /** Default sha256. */
  readonly hash?: AuditHashAlgorithm;
  /** Default `system`; never an `instance:` chain (those belong to the instance's commits). */
  readonly chainId?: string;
}

/**
 * Appends one row to a non-instance chain, taking the chain head with SELECT … FOR UPDATE. Pass the caller's
 * transaction so the audit row commits or rolls back with the change; given a plain knex it opens its own.
 */
export async function appendSystemAudit(
  db: Knex | Knex.Transaction,
  entry: SystemAuditEntry,
): Promise<{ chainId: string; seq: number; rowHash: string }> {
  if (!db.isTransaction) return (db as Knex).transaction((trx) => appendSystemAudit(trx, entry));
  const trx = db as Knex.Transaction;
  const chainId = entry.chainId ?? SYSTEM_CHAIN;
  if (chainId.startsWith('instance:') || chainId.length === 0 || chainId.length > 64)
    throw new Error(
      `Expected a system audit chain id (1–64 characters, not instance:…), but got "${chainId}"`,
    );
  if (entry.action.length === 0 || entry.action.length > 64)
    throw new Error(`Expected an audit action of 1–64 characters, but got "${entry.action}"`);
  if (entry.targetType.length === 0 || entry.targetType.length > 32)
    throw new Error(`Expected an audit target type of 1–32 characters, but got "${entry.targetType}"`);
  let head = await lockHead(trx, chainId);
  if (!head) {
    await trx('audit_chain_heads')
      .insert({ chain_id: chainId, seq: 0, hash: GENESIS_HASH })
      .onConflict('chain_id')
      .ignore();
    head = await lockHead(trx, chainId);
    if (!head) throw new Error(`Audit chain head ${chainId} could not be created`);
  }
  const who = contextFields(entry.context);
  const [row] = chain(chainId, head, entry.hash ?? 'sha256', [
    {
      ...who,
      actor: who.actor ?? clip(entry.actor ?? null, 64),
      at: entry.at ?? Date.now(),
      action: entry.action,
      target_type: entry.targetType,
      target_id: clip(entry.targetId, 255)!,
      instance_id: null,
      history_seq: null,
      history_idx: null,
      before_json: entry.before === undefined ? null : canonicalJson(entry.before),
      after_json: entry.after === undefined ? null : canonicalJson(entry.after),
    },
  ]);
  await trx('audit_log').insert(row!);
  await trx('audit_chain_heads').where({ chain_id: chainId }).update({ seq: row!.seq, hash: row!.row_hash });
  return { chainId, seq: Number(row!.seq), rowHash: String(row!.row_hash) };
}

/** Audits a deployment on the system chain, inside the deployment's transaction. */
export async function appendDeployAudit(
  trx: Knex.Transaction,
  definition: DefinitionRecord,
  options: AuditOptions = {},
): Promise<void> {
  await appendSystemAudit(trx, {
    action: 'deploy',
    targetType: 'definition',
    targetId: definition.id,
    actor: definition.deployedBy,
    after: {
      processKey: definition.processKey,
      version: definition.version,
      name: definition.name,
      versionTag: definition.versionTag,
      checksum: definition.checksum,
    },
    at: definition.deployedAt,
    context: options.auditContext?.(),
    hash: options.auditHash,
  });
}

// helpers //////

async function lockHead(
  trx: Knex.Transaction,
  chainId: string,
): Promise<{ seq: number; hash: string } | undefined> {
  const q = trx('audit_chain_heads').select('seq', 'hash').where({ chain_id: chainId });
  // SQLite has no row locks: its write transaction already excludes every other writer.
  const row = await (isSqlite(trx) ? q.first() : q.forUpdate().first());
  return row ? { seq: Number(row.seq), hash: String(row.hash) } : undefined;
}

function isSqlite(db: Knex | Knex.Transaction): boolean {
  const client = String((db.client as { config?: { client?: unknown } }).config?.client ?? '');
  return client.includes('sqlite');
}

/** Numbers the entries after `head` and links their hashes; returns insertable rows. */
function chain(
  chainId: string,
  head: { seq: number; hash: string },
  algorithm: AuditHashAlgorithm,
  entries: Omit<AuditFields, 'chain_id' | 'seq' | 'hash_alg' | 'prev_hash'>[],
): Record<string, unknown>[] {
  if (!AUDIT_HASH_ALGORITHMS.includes(algorithm))
    throw new Error(`Expected audit hash sha256 or sm3, but got "${String(algorithm)}"`);
  let { seq, hash } = head;
  return entries.map((entry) => {
    const fields: AuditFields = {
      chain_id: chainId,
      seq: ++seq,
      hash_alg: algorithm,
      prev_hash: hash,
      ...entry,
    };
    hash = hashAuditRow(fields);
    return { ...fields, at: dbTime(fields.at), row_hash: hash };
  });
}

function contextFields(
  ctx: AuditContext | undefined,
): Pick<AuditFields, 'actor' | 'org_code' | 'roles' | 'request_id'> {
  return {
    actor: clip(ctx?.userId ?? null, 64),
    org_code: clip(ctx?.orgCode ?? null, 32),
    roles: ctx?.roles && ctx.roles.length > 0 ? clip(ctx.roles.join(','), 255) : null,
    request_id: clip(ctx?.requestId ?? null, 64),
  };
}

function targetOf(instanceId: string, h: HistoryRecord): Pick<AuditFields, 'target_type' | 'target_id'> {
  if (h.taskId) return { target_type: 'task', target_id: h.taskId };
  if (h.elementId) return { target_type: 'element', target_id: clip(h.elementId, 255)! };
  return { target_type: 'instance', target_id: instanceId };
}

function eventOf(h: HistoryRecord): Record<string, unknown> {
  return {
    elementId: h.elementId,
    elementType: h.elementType,
    executionId: h.executionId,
    taskId: h.taskId,
    actor: h.actor,
    at: new Date(h.at).toISOString(),
    data: h.data,
  };
}

/**
 * Cuts a value to its column's length in characters (code points, as MySQL counts them), so the stored value is
 * exactly the hashed one even on a server that truncates silently.
 */
function clip(value: string | null, max: number): string | null {
  if (value === null) return null;
  if (value.length <= max) return value;
  return Array.from(value).slice(0, max).join('');
}
