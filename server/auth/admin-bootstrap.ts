/**
 * The first administrator of an installation without demo users: with ADMIN_USER_ID and ADMIN_PASSWORD set,
 * `start` (and `seed`) create that user at ADMIN_ORG_CODE (default the province finance bureau) holding `admin`
 * there, if the user does not exist; an existing user without a password gets ADMIN_PASSWORD. An existing user
 * with a password is left alone, so the password can be changed afterwards and the variables left in place.
 */
import type { Knex } from 'knex';
import type { Config } from '../config.js';
import { CredentialStore } from './credentials.js';
import { PrincipalLoader } from './principal-loader.js';
import { UserAdmin } from './user-admin.js';

export type BootstrapOutcome = 'created' | 'password-set' | 'unchanged' | 'not-configured';

export async function bootstrapAdmin(
  config: Pick<Config, 'ADMIN_USER_ID' | 'ADMIN_PASSWORD' | 'ADMIN_ORG_CODE'>,
  knex: Knex,
  now: () => number = Date.now,
): Promise<BootstrapOutcome> {
  const { ADMIN_USER_ID: id, ADMIN_PASSWORD: password, ADMIN_ORG_CODE: orgCode } = config;
  if (!id && !password) return 'not-configured';
  if (!id || !password)
    throw new Error('Set both ADMIN_USER_ID and ADMIN_PASSWORD to create the administrator, or neither');
  const credentials = new CredentialStore(knex);
  const admin = new UserAdmin(knex, new PrincipalLoader(knex), now, 'bootstrap');
  const existing = await knex('users').where({ id }).first('id');
  try {
    if (!existing) {
      await admin.create(
        { id, name: '系统管理员', orgCode, roles: [{ role: 'admin', orgCode }], password },
        'ADMIN',
      );
      return 'created';
    }
    if (await credentials.get(String(existing.id))) return 'unchanged';
    await admin.resetPassword(String(existing.id), password, 'ADMIN_PASSWORD');
    return 'password-set';
  } catch (err) {
    const e = err as { messageEn?: string; details?: { field?: string } };
    if (e.messageEn)
      throw new Error(`Cannot bootstrap the administrator (${variableOf(e.details?.field)}): ${e.messageEn}`);
    throw err;
  }
}

/** The variable behind a field the user administration names. */
function variableOf(field: string | undefined): string {
  if (!field) return 'ADMIN_*';
  if (/orgCode/.test(field)) return 'ADMIN_ORG_CODE';
  if (/password/.test(field)) return 'ADMIN_PASSWORD';
  if (/\.id$/.test(field)) return 'ADMIN_USER_ID';
  return field;
}
