/**
 * Test helpers for rule tests: read a fixture next to the test, parse it (asserting a clean parse), and run
 * one rule or the whole pipeline on it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { loadModel } from '../../../../../engine/core/model/load-model.js';
import { parseBpmn } from '../../../../../engine/core/model/parse.js';
import type { Problem } from '../../../../../engine/core/model/problem.js';
import type { Rule } from '../../../../../engine/core/model/rules/rule.js';
import { validateDefinitions } from '../../../../../engine/core/model/validate.js';

/** The bytes of `rules/<folder>/<file>`. */
export function readFixture(folder: string, file: string): Buffer {
  return readFileSync(new URL(`./${folder}/${file}`, import.meta.url));
}

/** Runs only `rule` on a fixture that must parse without problems. */
export async function checkRule(rule: Rule, file: string): Promise<Problem[]> {
  const parsed = await parseBpmn(readFixture(rule.id, file));
  assert.deepEqual(parsed.problems, [], `fixture ${file} must parse cleanly`);
  assert.ok(parsed.definitions);
  return validateDefinitions(parsed.definitions, [rule]);
}

/** Asserts a fixture passes the whole pipeline (parse, every rule, compile). */
export async function assertValid(folder: string, file: string): Promise<void> {
  const result = await loadModel(readFixture(folder, file));
  assert.deepEqual(result.ok ? [] : result.problems, [], `fixture ${file} must be valid`);
}

/** The element ids of `problems`, in order: what rule tests compare. */
export function reported(problems: readonly Problem[]): string[] {
  return problems.map((p) => p.elementId);
}
