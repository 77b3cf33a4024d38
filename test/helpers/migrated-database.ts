/** A fresh, migrated database of a backend for tests that use knex without the engine; `close()` drops it. */
import type { Knex } from 'knex';
import {
  connectDatabase,
  dropMysqlDatabase,
  ensureMysqlDatabase,
} from '../../engine/adapters/knex/connect.js';
import { migrateLatest } from '../../migrations/index.js';
import { MYSQL_ROOT_URL, uniqueName } from './engine-harness.js';

export async function openMigratedDatabase(
  backend: 'mysql' | 'sqlite',
  poolMax: number,
): Promise<{ knex: Knex; close(): Promise<void> }> {
  const url = backend === 'mysql' ? `${MYSQL_ROOT_URL}/${uniqueName('fbpm_l')}` : ':memory:';
  if (backend === 'mysql') await ensureMysqlDatabase(url);
  const knex = connectDatabase({ url, poolMax });
  await migrateLatest(knex);
  return {
    knex,
    async close() {
      await knex.destroy();
      if (backend === 'mysql') await dropMysqlDatabase(url);
    },
  };
}
