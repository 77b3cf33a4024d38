/**
 * isUniqueViolation against the real drivers: what MariaDB (mysql2) and SQLite throw for a duplicate key, and
 * nothing else, is "someone wrote it first".
 */
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { ConcurrencyError, isUniqueViolation } from '../../../engine/index.js';
import { connectDatabase, dropMysqlDatabase, ensureMysqlDatabase } from '../../../engine/adapters/index.js';
import { MYSQL_ROOT_URL, uniqueName } from '../../helpers/engine-harness.js';

async function errorOf(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (err) {
    return err;
  }
  assert.fail('expected the statement to fail');
}

async function expectDriverErrors(knex: Knex): Promise<void> {
  await knex.schema.createTable('dup_probe', (t) => {
    t.string('id', 36).primary();
    t.string('name', 50).notNullable().unique();
  });
  await knex('dup_probe').insert({ id: 'a', name: 'x' });
  assert.equal(isUniqueViolation(await errorOf(knex('dup_probe').insert({ id: 'a', name: 'y' }))), true);
  assert.equal(isUniqueViolation(await errorOf(knex('dup_probe').insert({ id: 'b', name: 'x' }))), true);
  assert.equal(isUniqueViolation(await errorOf(knex('dup_probe').insert({ id: 'c', name: null }))), false);
  assert.equal(isUniqueViolation(await errorOf(knex.raw('SELECT * FROM no_such_table'))), false);
}

describe('engine/errors isUniqueViolation', function () {
  it('should tell a duplicate key from other SQLite errors', async function () {
    const knex = connectDatabase({ url: ':memory:' });
    try {
      await expectDriverErrors(knex);
    } finally {
      await knex.destroy();
    }
  });

  it('should tell a duplicate key from other MariaDB errors [MariaDB]', async function () {
    const url = `${MYSQL_ROOT_URL}/${uniqueName('fbpm_err')}`;
    await ensureMysqlDatabase(url);
    const knex = connectDatabase({ url, poolMax: 1 });
    try {
      await expectDriverErrors(knex);
    } finally {
      await knex.destroy();
      await dropMysqlDatabase(url);
    }
  });

  it('should not take engine errors or non-errors for one', function () {
    assert.equal(isUniqueViolation(new ConcurrencyError('conflict')), false);
    assert.equal(isUniqueViolation(undefined), false);
    assert.equal(isUniqueViolation(null), false);
    assert.equal(isUniqueViolation('ER_DUP_ENTRY'), false);
  });
});
