/**
 * Seeds the reference lists and their codes (reference-data.ts) into `reference_lists` / `reference_codes`.
 * Idempotent and safe to run from several processes at once: list names are upserted (they are defined in
 * code), codes are inserted only where missing, so a code an admin renamed or retired stays as the admin left
 * it. Called at server start and by the tests.
 */
import type { Knex } from 'knex';
import { REFERENCE_LIST_INFO, REFERENCE_LISTS } from './reference-lists.js';
import { REFERENCE_SEED } from './reference-data.js';

export interface SeedReferenceResult {
  readonly lists: number;
  /** Codes in the seed (inserted now or already present). */
  readonly codes: number;
}

export async function seedReferenceData(knex: Knex, now: Date = new Date()): Promise<SeedReferenceResult> {
  const listRows = REFERENCE_LISTS.map((list) => ({
    list,
    name: REFERENCE_LIST_INFO[list].name,
    description: REFERENCE_LIST_INFO[list].description,
    hierarchical: REFERENCE_LIST_INFO[list].hierarchical,
  }));
  await knex('reference_lists')
    .insert(listRows)
    .onConflict('list')
    .merge(['name', 'description', 'hierarchical']);

  const codeRows = REFERENCE_LISTS.flatMap((list) =>
    REFERENCE_SEED[list].map((c, i) => ({
      list,
      code: c.code,
      name: c.name,
      parent_code: c.parentCode ?? null,
      description: c.description ?? null,
      sort: (i + 1) * 10,
      needs_verification: c.verify ?? false,
      valid_from: null,
      valid_to: null,
      updated_at: now,
    })),
  );
  for (let i = 0; i < codeRows.length; i += 100) {
    await knex('reference_codes')
      .insert(codeRows.slice(i, i + 100))
      .onConflict(['list', 'code'])
      .ignore();
  }
  return { lists: listRows.length, codes: codeRows.length };
}
