import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';

import { RULES } from '../../../../../engine/core/model/rules/index.js';

describe('model/rules/index', function () {
  it('should list one rule per file in rules/, with the file name as rule id', function () {
    // given
    const folder = new URL('../../../../../engine/core/model/rules/', import.meta.url);
    const ruleFiles = readdirSync(folder)
      .filter((file) => file.endsWith('.ts') && file !== 'index.ts' && file !== 'rule.ts')
      .map((file) => file.slice(0, -'.ts'.length))
      .sort();

    // then
    assert.deepEqual(RULES.map((rule) => rule.id).sort(), ruleFiles);
  });

  it('should have a test and fixtures for every rule', function () {
    // given
    const here = readdirSync(new URL('./', import.meta.url));

    // then
    for (const rule of RULES) {
      assert.ok(here.includes(`${rule.id}.test.ts`), `missing test for ${rule.id}`);
      const fixtures = readdirSync(new URL(`./${rule.id}/`, import.meta.url));
      assert.ok(
        fixtures.some((f) => f.startsWith('valid-')),
        `missing valid fixture for ${rule.id}`,
      );
      assert.ok(
        fixtures.some((f) => f.startsWith('invalid-')),
        `missing invalid fixture for ${rule.id}`,
      );
    }
  });
});
