/**
 * Demo sign-in: every seeded demo user (processes/org/henan-demo.ts) gets the one documented demo password, so a
 * fresh `npm start` or `fiscal-bpm seed --demo` can be tried at every level at once. Only users that exist and
 * have no password yet get it: a password changed later is never overwritten, and re-running adds nothing.
 * Each user gets their own salt; hashing the ~40 users takes about a second, once. Turn it off with
 * DEMO_LOGINS=false anywhere real data lives (docs/auth.md).
 */
import type { Knex } from 'knex';
import { planOrgDirectory } from '../../processes/org/seed-org-directory.js';
import { CredentialStore } from './credentials.js';
import { hashPassword } from './passwords.js';

/** The password of every demo user (docs/auth.md). */
export const DEMO_PASSWORD = 'Fiscal@2026';

/** Gives the demo users without a password the demo password; returns how many got it. */
export async function seedDemoLogins(knex: Knex, now: number = Date.now()): Promise<number> {
  const demoIds = planOrgDirectory({ demo: true }).users.map((u) => u.id);
  const present = new Set(
    (await knex('users').whereIn('id', demoIds).select('id')).map((r: { id: string }) => String(r.id)),
  );
  const withPassword = new Set(
    (await knex('user_credentials').whereIn('user_id', demoIds).select('user_id')).map(
      (r: { user_id: string }) => String(r.user_id),
    ),
  );
  const missing = demoIds.filter((id) => present.has(id) && !withPassword.has(id));
  const store = new CredentialStore(knex);
  // argon2 runs on libuv's thread pool (4 threads by default): hash four at a time
  for (let i = 0; i < missing.length; i += 4) {
    const batch = missing.slice(i, i + 4);
    const hashes = await Promise.all(batch.map(() => hashPassword(DEMO_PASSWORD)));
    for (const [j, id] of batch.entries()) await store.setHash(id, hashes[j]!, now);
  }
  return missing.length;
}
