/**
 * The `user_credentials` table: a user's argon2id hash and when it last changed. Only this file reads the hash;
 * every API answer about users says at most whether a password is set.
 */
import type { Knex } from 'knex';
import { hashPassword } from './passwords.js';

export interface StoredCredential {
  readonly userId: string;
  readonly passwordHash: string;
  /** Epoch ms; tokens issued before this second are refused. */
  readonly passwordChangedAt: number;
}

export class CredentialStore {
  constructor(private readonly knex: Knex) {}

  async get(userId: string): Promise<StoredCredential | undefined> {
    const row = await this.knex('user_credentials').where({ user_id: userId }).first();
    if (!row) return undefined;
    return {
      userId: String(row.user_id),
      passwordHash: String(row.password_hash),
      passwordChangedAt: toTime(row.password_changed_at),
    };
  }

  /** Hashes and stores the password (insert or replace). */
  async setPassword(userId: string, password: string, now: number): Promise<void> {
    await this.setHash(userId, await hashPassword(password), now);
  }

  /** Stores a hash already made (insert or replace). */
  async setHash(userId: string, passwordHash: string, now: number): Promise<void> {
    await this.knex('user_credentials')
      .insert({ user_id: userId, password_hash: passwordHash, password_changed_at: new Date(now) })
      .onConflict('user_id')
      .merge(['password_hash', 'password_changed_at']);
  }

  /** Replaces the hash after a parameter upgrade without moving `password_changed_at` (sessions stay). */
  async rehash(userId: string, passwordHash: string): Promise<void> {
    await this.knex('user_credentials').where({ user_id: userId }).update({ password_hash: passwordHash });
  }

  async recordLogin(userId: string, now: number): Promise<void> {
    await this.knex('user_credentials')
      .where({ user_id: userId })
      .update({ last_login_at: new Date(now) });
  }

  /** Which of these users have a password (for the directory listing). */
  async withPassword(userIds: readonly string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = await this.knex('user_credentials').whereIn('user_id', userIds).select('user_id');
    return new Set(rows.map((r: { user_id: string }) => String(r.user_id)));
  }
}

/** DATETIME(3) reads back as a Date on MySQL and as epoch ms on SQLite. */
export function toTime(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  return new Date(String(value)).getTime();
}
