/**
 * The files of processes/treasury-payment: every diagram validates and compiles (as `fiscal-bpm validate` does),
 * has a Chinese name on every element, every user task has a form that exists and passes the form schema, and
 * every service task type has a handler.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatProblem, loadModel } from '../../../engine/index.js';
import { formDefinitionSchema } from '../../../processes/forms/form-schema.js';
import { treasuryPaymentHandlers } from '../../../processes/treasury-payment/handlers.js';

const folder = fileURLToPath(new URL('../../../processes/treasury-payment/', import.meta.url));
const diagrams = readdirSync(folder).filter((f) => f.endsWith('.bpmn'));
const forms = readdirSync(`${folder}forms`).filter((f) => f.endsWith('.form.json'));

describe('treasury-payment/definitions', function () {
  it('should have the payment process, the warning review and the reservation sweep as diagrams', function () {
    assert.deepEqual(diagrams.sort(), [
      'treasury-payment.bpmn',
      'treasury-reservation-sweep.bpmn',
      'treasury-warning-review.bpmn',
    ]);
  });

  for (const file of diagrams) {
    it(`${file}: validates, names every element in Chinese, has a valid form per user task and a handler per service task`, async function () {
      const result = await loadModel(readFileSync(`${folder}${file}`));
      assert.ok(result.ok, result.ok ? '' : result.problems.map((p) => formatProblem(file, p)).join('\n'));
      const handlers = treasuryPaymentHandlers({ knex: undefined as never, now: Date.now });
      for (const process of Object.values(result.model.processes)) {
        assert.match(process.name ?? '', /\p{Script=Han}/u);
        for (const element of Object.values(process.elements)) {
          assert.match(element.name ?? '', /\p{Script=Han}/u, `${element.id} has a Chinese name`);
          if (element.kind === 'userTask') {
            const key = element.assignment?.formKey;
            assert.ok(key, `${element.id} has fiscal:formKey`);
            assert.ok(forms.includes(`${key}.form.json`), `form ${key} of ${element.id} exists`);
          }
          if (element.kind === 'serviceTask') {
            const type = element.taskType;
            assert.ok(type && handlers[type], `${element.id}: a handler for ${type}`);
          }
        }
      }
    });
  }

  for (const file of forms) {
    it(`forms/${file}: passes formDefinitionSchema and is named by its key`, function () {
      const form = formDefinitionSchema.parse(JSON.parse(readFileSync(`${folder}forms/${file}`, 'utf8')));
      assert.equal(`${form.key}.form.json`, file);
      for (const field of form.fields) {
        if (/Fen$/.test(field.name))
          assert.equal(field.type, 'amountFen', `${field.name} is an amount in 分`);
      }
    });
  }
});
