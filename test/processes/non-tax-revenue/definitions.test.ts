/**
 * The non-tax diagrams and forms as data: every .bpmn loads and validates, every step's form exists and passes
 * the form format, every service task has a handler, and every editable field of a step is a field of its
 * form. Plus the pure rules: the split by budget level is exact in 分, and the 缴款码 check digit.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadModel } from '../../../engine/index.js';
import { formDefinitionSchema } from '../../../processes/forms/form-schema.js';
import { nonTaxRevenueHandlers } from '../../../processes/non-tax-revenue/handlers.js';
import { paymentCode, validPaymentCode } from '../../../processes/non-tax-revenue/document-numbers.js';
import {
  effectiveShares,
  lineAmount,
  splitAmount,
  splitRefund,
  type CollectionPlace,
} from '../../../processes/non-tax-revenue/revenue-split.js';
import { nonTaxDiagrams, PROCESS_DIR } from './non-tax-harness.js';

const COUNTY: CollectionPlace = {
  level: 'county',
  regions: { province: '410000', city: '410100', county: '410122' },
  directlyAdministered: false,
};

describe('non-tax-revenue: diagrams, forms and handlers', function () {
  const forms = new Map(
    readdirSync(join(PROCESS_DIR, 'forms')).map((f) => [
      f.replace(/\.form\.json$/, ''),
      JSON.parse(readFileSync(join(PROCESS_DIR, 'forms', f), 'utf8')) as unknown,
    ]),
  );
  const handlers = nonTaxRevenueHandlers({ knex: undefined as never, now: () => 0 });

  it('every form passes formDefinitionSchema and is named by its file', function () {
    assert.equal(forms.size, 6);
    for (const [key, form] of forms) {
      const parsed = formDefinitionSchema.safeParse(form);
      assert.ok(parsed.success, `${key}: ${parsed.success ? '' : parsed.error.message}`);
      assert.equal(parsed.data.key, key);
    }
  });

  for (const { file, xml } of nonTaxDiagrams()) {
    it(`${file} validates, and its steps name known forms, fields and handlers`, async function () {
      const loaded = await loadModel(xml);
      assert.ok(loaded.ok, loaded.ok ? '' : JSON.stringify(loaded.problems));
      for (const process of Object.values(loaded.model.processes)) {
        for (const element of Object.values(process.elements)) {
          if (element.kind === 'userTask') {
            const formKey = element.assignment?.formKey;
            assert.ok(formKey, `${element.id} has a form`);
            const form = formDefinitionSchema.parse(forms.get(formKey));
            const names = new Set(form.fields.map((f) => f.name));
            for (const field of element.approval?.fields?.editable ?? [])
              assert.ok(names.has(field), `${element.id}: editable ${field} is a field of ${formKey}`);
            assert.ok(element.name, `${element.id} has a Chinese name`);
          }
          if (element.kind === 'serviceTask')
            assert.ok(handlers[element.taskType!], `${element.id}: handler ${element.taskType}`);
        }
      }
      assert.ok(/<bpmndi:BPMNDiagram/.test(xml), `${file} has a diagram`);
    });
  }
});

describe('non-tax-revenue: split by budget level', function () {
  it('keeps the remainder at the collecting level and sums exactly', function () {
    const shares = { province: 3333, city: 3333, county: 3334 };
    assert.deepEqual(
      splitAmount(99_999, shares, COUNTY).map((p) => [p.level, p.amountFen]),
      [
        ['province', 33_329],
        ['city', 33_329],
        ['county', 33_341],
      ],
    );
  });

  it('folds the county share into the city at city level, and the city share of a 省直管县 by the setting', function () {
    const shares = { province: 2000, city: 3000, county: 5000 };
    const city: CollectionPlace = {
      level: 'city',
      regions: { province: '410000', city: '410100' },
      directlyAdministered: false,
    };
    assert.deepEqual(effectiveShares(shares, city, 'county'), { province: 2000, city: 8000, county: 0 });
    const gongyi: CollectionPlace = { ...COUNTY, directlyAdministered: true };
    assert.deepEqual(effectiveShares(shares, gongyi, 'county'), { province: 2000, city: 0, county: 8000 });
    assert.deepEqual(effectiveShares(shares, gongyi, 'province'), { province: 5000, city: 0, county: 5000 });
  });

  it('is exact for any amount and shares (property)', function () {
    const sharesArb = fc
      .tuple(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 10_000 }))
      .map(([a, b]) => {
        const [lo, hi] = a < b ? [a, b] : [b, a];
        return { province: lo, city: hi - lo, county: 10_000 - hi };
      });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), sharesArb, (amount, shares) => {
        const parts = splitAmount(amount, shares, COUNTY);
        assert.equal(
          parts.reduce((s, p) => s + p.amountFen, 0),
          amount,
        );
        for (const p of parts) {
          assert.ok(Number.isSafeInteger(p.amountFen) && p.amountFen >= 0);
          if (p.level !== 'county')
            assert.equal(p.amountFen, Math.floor((amount * shares[p.level]) / 10_000));
        }
        if (amount > 0) {
          const refund = Math.max(1, Math.floor(amount / 3));
          const back = splitRefund(refund, parts, 'county');
          assert.equal(
            back.reduce((s, p) => s + p.amountFen, 0),
            refund,
          );
        }
      }),
    );
  });

  it('computes rate items rounded half up to the 分', function () {
    assert.equal(lineAmount({ standardKind: 'rate', standardFen: null, rateBp: 300 }, 1, 123_450), 3_704);
    assert.equal(lineAmount({ standardKind: 'fixed', standardFen: 60_000, rateBp: null }, 2, null), 120_000);
  });

  it('gives 缴款码 a check digit that catches a mistyped digit', function () {
    const code = paymentCode('410122', 2026, 42);
    assert.equal(code.length, 17);
    assert.ok(validPaymentCode(code));
    const typo = `${code.slice(0, 10)}${(Number(code[10]) + 1) % 10}${code.slice(11)}`;
    assert.equal(validPaymentCode(typo), false);
  });
});
