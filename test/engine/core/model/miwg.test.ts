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

/**
 * The rules each rejected file trips, as published.
 *
 * Since timers, messages, signals, errors, escalations, boundary events, event-based gateways, event
 * sub-processes, call activities, receive/send tasks and multi-instance are supported, the reasons moved:
 * - `executable-process` no longer fires for B.1.0, B.2.0, C.1.0, C.2.0, C.3.0, C.4.0 and C.6.0: their deployed
 *   processes start only with timer, message or signal start events, which now count as a way to start.
 * - `supported-elements` no longer fires for B.1.0, C.1.0, C.2.0, C.3.0, C.5.0, C.9.1 and C.9.2 (everything in
 *   them is now executable). It still fires for B.2.0 (link and conditional events, a standard loop), C.4.0 (a
 *   standard loop), C.6.0 (compensation), C.7.0, C.8.1 and C.9.0 (business rule tasks).
 * - The new definition rules take over, because tools other than ours do not write what we need to run the
 *   events: `message-definitions` (messages without a name or no messageRef, catches without
 *   fiscal:correlationKey), `signal-definitions` (no signalRef), `timer-definitions` (empty timeDate/no time),
 *   `error-escalation-definitions` (error and escalation throws without a code) and `multi-instance` (loops
 *   without fiscal:collection or loopCardinality: the tools' own collection attributes are foreign to us).
 * - `endless-loops` fires for C.2.0: two loops of plain (abstract) tasks and gateways, which would never stop.
 * The deployable sets do not change: A.4.0 and A.4.1 as published, plus A.1.0 once marked executable.
 */
const RULES_BY_FILE: Record<string, string[]> = {
  'A.1.0.bpmn': ['executable-process'],
  'A.2.0.bpmn': ['executable-process'],
  'A.2.1.bpmn': ['executable-process'],
  'A.3.0.bpmn': ['executable-process'],
  'B.1.0.bpmn': [
    'conditional-flows',
    'message-definitions',
    'service-task-type',
    'sub-process-start',
    'timer-definitions',
  ],
  'B.2.0.bpmn': [
    'conditional-flows',
    'error-escalation-definitions',
    'message-definitions',
    'multi-instance',
    'service-task-type',
    'signal-definitions',
    'sub-process-start',
    'supported-elements',
    'timer-definitions',
  ],
  'C.1.0.bpmn': ['feel-expressions', 'message-definitions', 'service-task-type', 'timer-definitions'],
  'C.1.1.bpmn': ['feel-expressions', 'service-task-type'],
  'C.2.0.bpmn': ['conditional-flows', 'endless-loops', 'error-escalation-definitions', 'message-definitions'],
  'C.3.0.bpmn': ['conditional-flows', 'feel-expressions', 'message-definitions', 'sub-process-start'],
  'C.4.0.bpmn': ['conditional-flows', 'message-definitions', 'service-task-type', 'supported-elements'],
  'C.5.0.bpmn': ['conditional-flows', 'signal-definitions'],
  'C.6.0.bpmn': ['message-definitions', 'service-task-type', 'supported-elements', 'timer-definitions'],
  'C.7.0.bpmn': ['conditional-flows', 'multi-instance', 'service-task-type', 'supported-elements'],
  'C.8.0.bpmn': ['executable-process'],
  'C.8.1.bpmn': ['message-definitions', 'parser-warnings', 'service-task-type', 'supported-elements'],
  'C.9.0.bpmn': ['message-definitions', 'service-task-type', 'supported-elements'],
  'C.9.1.bpmn': ['message-definitions'],
  'C.9.2.bpmn': ['message-definitions', 'multi-instance'],
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

  it('should reject what is still unsupported in B.2.0, C.4.0, C.6.0 and C.7.0 by element type', function () {
    // given
    const unsupportedTypes = (file: string): string[] => {
      const result = results.get(file);
      assert.ok(result && !result.ok, file);
      return [
        ...new Set(
          result.problems
            .filter((p) => p.rule === 'supported-elements')
            .map((p) => p.message.split(': ')[0] ?? ''),
        ),
      ].sort();
    };

    // then
    assert.deepEqual(unsupportedTypes('B.2.0.bpmn'), [
      'bpmn:BoundaryEvent with bpmn:ConditionalEventDefinition is not supported',
      'bpmn:IntermediateCatchEvent with bpmn:ConditionalEventDefinition is not supported',
      'bpmn:IntermediateCatchEvent with bpmn:LinkEventDefinition is not supported',
      'bpmn:IntermediateThrowEvent with bpmn:LinkEventDefinition is not supported',
      'bpmn:UserTask with bpmn:StandardLoopCharacteristics is not supported',
    ]);
    assert.deepEqual(unsupportedTypes('C.4.0.bpmn'), [
      'bpmn:ManualTask with bpmn:StandardLoopCharacteristics is not supported',
    ]);
    assert.deepEqual(unsupportedTypes('C.6.0.bpmn'), [
      'bpmn:BoundaryEvent with bpmn:CompensateEventDefinition is not supported',
      'bpmn:IntermediateThrowEvent with bpmn:CompensateEventDefinition is not supported',
      'bpmn:ServiceTask marked isForCompensation is not supported',
      'bpmn:StartEvent with bpmn:CompensateEventDefinition is not supported',
    ]);
    assert.deepEqual(unsupportedTypes('C.7.0.bpmn'), ['bpmn:BusinessRuleTask is not supported']);
  });
});
