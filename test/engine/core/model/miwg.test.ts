/**
 * The OMG BPMN MIWG reference diagrams (shared/conformance/miwg, beside the repository): real files from many
 * modeling tools. None may crash the loader or the CLI; the executable subset must deploy; everything else is
 * reported by element id and type.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { type LoadModelResult, loadModel } from '../../../../engine/core/model/load-model.js';
import { runValidate } from '../../../../server/cli/validate.js';

const MIWG = new URL('../../../../../shared/conformance/miwg/', import.meta.url);

/** Files that deploy exactly as published. */
const OK_AS_IS = ['A.4.0.bpmn', 'A.4.1.bpmn'];

/**
 * Files that deploy once the modeling-tool default `isExecutable="false"` on every process is fixed (their
 * `encoding="ISO-8859-1"` declarations are harmless: the files are ASCII). A.1.0 (start → 3 tasks → end) is the canonical one.
 */
const OK_WHEN_MARKED_EXECUTABLE = ['A.1.0.bpmn', 'A.4.0.bpmn', 'A.4.1.bpmn'];

/** The rules each rejected file trips, as published. */
const RULES_BY_FILE: Record<string, string[]> = {
  'A.1.0.bpmn': ['executable-process'],
  'A.2.0.bpmn': ['executable-process'],
  'A.2.1.bpmn': ['executable-process'],
  'A.3.0.bpmn': ['executable-process'],
  'B.1.0.bpmn': [
    'conditional-flows',
    'executable-process',
    'service-task-type',
    'sub-process-start',
    'supported-elements',
  ],
  'B.2.0.bpmn': [
    'conditional-flows',
    'executable-process',
    'service-task-type',
    'sub-process-start',
    'supported-elements',
  ],
  'C.1.0.bpmn': ['executable-process', 'feel-expressions', 'service-task-type', 'supported-elements'],
  'C.1.1.bpmn': ['feel-expressions', 'service-task-type'],
  'C.2.0.bpmn': ['conditional-flows', 'executable-process', 'supported-elements'],
  'C.3.0.bpmn': [
    'conditional-flows',
    'executable-process',
    'feel-expressions',
    'sub-process-start',
    'supported-elements',
  ],
  'C.4.0.bpmn': ['conditional-flows', 'executable-process', 'service-task-type', 'supported-elements'],
  'C.5.0.bpmn': ['conditional-flows', 'supported-elements'],
  'C.6.0.bpmn': ['executable-process', 'service-task-type', 'supported-elements'],
  'C.7.0.bpmn': ['conditional-flows', 'service-task-type', 'supported-elements'],
  'C.8.0.bpmn': ['executable-process'],
  'C.8.1.bpmn': ['parser-warnings', 'service-task-type', 'supported-elements'],
  'C.9.0.bpmn': ['service-task-type', 'supported-elements'],
  'C.9.1.bpmn': ['supported-elements'],
  'C.9.2.bpmn': ['supported-elements'],
};

function markedExecutable(xml: string): string {
  return xml
    .replace('encoding="ISO-8859-1"', 'encoding="UTF-8"')
    .replaceAll('isExecutable="false"', 'isExecutable="true"');
}

describe('model/miwg', function () {
  let files: string[];
  const results = new Map<string, LoadModelResult>();

  before(async function () {
    assert.ok(existsSync(MIWG), `MIWG reference diagrams not found at ${fileURLToPath(MIWG)}`);
    files = readdirSync(MIWG)
      .filter((file) => file.endsWith('.bpmn'))
      .sort();
    for (const file of files) results.set(file, await loadModel(readFileSync(new URL(file, MIWG))));
  });

  it('should load all 21 reference diagrams without throwing', function () {
    // then
    assert.equal(files.length, 21);
    assert.equal(results.size, files.length);
  });

  it('should report every rejected file with element id, type and message on each problem', function () {
    for (const [file, result] of results) {
      if (result.ok) continue;
      for (const problem of result.problems) {
        assert.ok(
          problem.elementId.length > 0 && problem.elementType.length > 0,
          `${file}: ${JSON.stringify(problem)}`,
        );
        assert.ok(problem.message.length > 0, `${file}: empty message`);
        assert.ok(problem.elementId === '-' || problem.elementType !== '-', `${file}: id without type`);
      }
    }
  });

  it('should deploy exactly the executable reference diagrams', function () {
    // then
    const ok = [...results].filter(([, result]) => result.ok).map(([file]) => file);
    assert.deepEqual(ok, OK_AS_IS);
  });

  it('should reject the others for the expected reasons', function () {
    for (const [file, result] of results) {
      if (result.ok) continue;
      const rules = [...new Set(result.problems.map((p) => p.rule))].sort();
      assert.deepEqual(rules, RULES_BY_FILE[file], file);
    }
    assert.deepEqual(
      Object.keys(RULES_BY_FILE).sort(),
      files.filter((f) => !OK_AS_IS.includes(f)),
    );
  });

  it('should reject A.1.0 only for isExecutable="false"', function () {
    // given
    const result = results.get('A.1.0.bpmn');

    // then
    assert.ok(result && !result.ok);
    assert.deepEqual(
      result.problems.map((p) => [p.elementId, p.elementType, p.rule]),
      [['WFP-6-', 'bpmn:Process', 'executable-process']],
    );
  });

  it('should deploy A.1.0, A.4.0 and A.4.1 once marked executable and UTF-8', async function () {
    // given
    const ok: string[] = [];

    // when
    for (const file of files) {
      const result = await loadModel(markedExecutable(readFileSync(new URL(file, MIWG), 'utf8')));
      if (result.ok) ok.push(file);
    }

    // then
    assert.deepEqual(ok, OK_WHEN_MARKED_EXECUTABLE);
  });

  it('should compile A.1.0 into start → three tasks → end', async function () {
    // when
    const result = await loadModel(markedExecutable(readFileSync(new URL('A.1.0.bpmn', MIWG), 'utf8')));

    // then
    assert.ok(result.ok);
    const process = result.model.processes['WFP-6-'];
    const kinds = Object.values(process?.elements ?? {}).map((e) => e.kind);
    assert.deepEqual(kinds.sort(), ['endEvent', 'startEvent', 'task', 'task', 'task']);
    assert.equal(Object.keys(process?.flows ?? {}).length, 4);
  });

  it('should run the validate command over all of them without a stack trace', async function () {
    // given
    const lines: string[] = [];
    const paths = files.map((file) => fileURLToPath(new URL(file, MIWG)));

    // when
    const exitCode = await runValidate(paths, (line) => lines.push(line));

    // then
    assert.equal(exitCode, 1);
    assert.deepEqual(
      lines.filter((line) => line.startsWith('OK ')),
      OK_AS_IS.map((file) => `OK ${fileURLToPath(new URL(file, MIWG))}`),
    );
    for (const line of lines) {
      assert.match(line, /^(OK .+|.+\.bpmn: \S+ \(\S+\): .+)$/);
      assert.doesNotMatch(line, /\s+at \S+:\d+:\d+/);
    }
  });
});
