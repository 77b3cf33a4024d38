import { readFileSync } from 'node:fs';
import { loadModel } from '/work/main/engine/core/model/load-model.js';
import { parseBpmn } from '/work/main/engine/core/model/parse.js';
import { validateDefinitions } from '/work/main/engine/core/model/validate.js';
import { RULES } from '/work/main/engine/core/model/rules/index.js';
const [file, ruleId] = process.argv.slice(2);
const parsed = await parseBpmn(readFileSync(file!));
if (parsed.problems.length) console.log('PARSE', parsed.problems);
if (ruleId) {
  const rule = RULES.find((r) => r.id === ruleId)!;
  for (const p of validateDefinitions(parsed.definitions, [rule])) console.log(`${p.elementId} (${p.elementType}) ${p.rule}: ${p.message}`);
} else {
  const r = await loadModel(readFileSync(file!));
  if (r.ok) console.log('OK'); else for (const p of r.problems) console.log(`${p.elementId} (${p.elementType}) ${p.rule}: ${p.message}`);
}
