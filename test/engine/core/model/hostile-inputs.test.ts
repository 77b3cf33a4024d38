/**
 * Hostile and broken uploads (reliability.md §4.1, test plan item 17): each one gets clear problems, none throws,
 * none pollutes prototypes, and the expensive ones are refused before the XML parser runs.
 */
import assert from 'node:assert/strict';

import fc from 'fast-check';

import { type LoadModelResult, loadModel } from '../../../../engine/core/model/load-model.js';
import type { Problem } from '../../../../engine/core/model/problem.js';
import { HOSTILE_CLOSE, HOSTILE_OPEN, HOSTILE_VALID, hostileBpmn } from '../../../helpers/hostile-bpmn.js';

const OPEN = HOSTILE_OPEN;
const CLOSE = HOSTILE_CLOSE;
const VALID = HOSTILE_VALID;

/** Loads input, asserting it neither throws nor passes, and that every problem is well-formed. */
async function rejected(
  input: string | Buffer,
  limits?: Parameters<typeof loadModel>[1],
): Promise<Problem[]> {
  const result = await loadModel(input, limits);
  assert.equal(result.ok, false, 'expected the input to be rejected');
  const { problems } = result as Extract<LoadModelResult, { ok: false }>;
  assertWellFormed(problems);
  return problems;
}

function assertWellFormed(problems: readonly Problem[]): void {
  assert.ok(problems.length > 0);
  for (const problem of problems) {
    assert.ok(problem.elementId.length > 0, 'elementId');
    assert.ok(problem.elementType.length > 0, 'elementType');
    assert.ok(problem.rule.length > 0, 'rule');
    assert.ok(problem.message.length > 0, 'message');
    assert.doesNotMatch(problem.message, /\n|\s+at \S+:\d+:\d+/, 'no multi-line messages or stacks');
  }
}

/** An id typed as plain string, so TypeScript does not read `constructor` etc. as Object's members. */
function id(value: string): string {
  return value;
}

function only(problems: readonly Problem[]): string {
  assert.equal(problems.length, 1, JSON.stringify(problems));
  return `${problems[0]?.rule}: ${problems[0]?.message}`;
}

describe('model/hostile-inputs', function () {
  afterEach(function () {
    // then (for every case): nothing leaked onto Object.prototype
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(({} as Record<string, unknown>).kind, undefined);
    assert.deepEqual(Object.keys(Object.prototype), []);
  });

  it('should refuse a DOCTYPE with an external entity (XXE)', async function () {
    // given
    const xml = hostileBpmn.xxe();

    // when / then
    assert.equal(only(await rejected(xml)), 'input-limits: DOCTYPE and entity declarations are not allowed');
  });

  it('should refuse billion laughs', async function () {
    // given
    const xml = hostileBpmn.billionLaughs();

    // when / then
    assert.equal(only(await rejected(xml)), 'input-limits: DOCTYPE and entity declarations are not allowed');
  });

  it('should refuse duplicate ids, naming the id', async function () {
    // given
    const xml = hostileBpmn.duplicateIds();

    // when
    const problems = await rejected(xml);

    // then
    assert.deepEqual(
      problems.map((p) => [p.elementId, p.rule]),
      [['review', 'parser-warnings']],
    );
    assert.match(problems[0]?.message ?? '', /duplicate ID <review>/);
  });

  it('should compile __proto__ and constructor ids as plain ids without pollution', async function () {
    // given
    const xml = hostileBpmn.prototypeIds();

    // when
    const result = await loadModel(xml);

    // then
    assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
    const process = result.model.processes[id('hasOwnProperty')];
    assert.ok(Object.hasOwn(result.model.processes, 'hasOwnProperty'));
    assert.equal(process?.startEventId, 'constructor');
    assert.equal(process?.elements['__proto__']?.kind, 'userTask');
    assert.equal(process?.elements[id('constructor')]?.kind, 'startEvent');
    assert.deepEqual(process?.elements['__proto__']?.incoming, ['prototype']);
    assert.equal(Object.getPrototypeOf(process?.flows), null);
  });

  it('should NOT be polluted by __proto__ names in extension elements and attributes', async function () {
    // given
    const xml = hostileBpmn.prototypeExtensions();

    // when
    const result = await loadModel(xml);

    // then
    assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  });

  it('should refuse a 20 MB file by its size alone, as a string and as bytes', async function () {
    // given
    const huge = hostileBpmn.oversize(20);

    for (const input of [huge, Buffer.from(huge, 'utf8')]) {
      // when
      const problems = await rejected(input);

      // then
      assert.match(
        only(problems),
        /^input-limits: BPMN file is 2097\d{4} bytes, more than the limit of 2097152 bytes$/,
      );
    }
  });

  it('should refuse 50 000-deep nesting by depth alone', async function () {
    // given
    const deep = hostileBpmn.deepNesting(50_000);

    // when
    const problems = await rejected(deep);

    // then
    assert.equal(
      only(problems),
      'input-limits: BPMN file nests XML elements more than 200 levels deep, the limit',
    );
  });

  it('should validate deeply nested sub-processes without overflowing the stack when limits are raised', async function () {
    // given: 3 000 nested, well-formed sub-processes
    let open = '';
    let close = '';
    const depth = 3000;
    for (let i = 0; i < depth; i++) {
      open +=
        `<bpmn:subProcess id="s${i}"><bpmn:startEvent id="st${i}" />` +
        `<bpmn:sequenceFlow id="a${i}" sourceRef="st${i}" targetRef="s${i + 1}" />` +
        `<bpmn:sequenceFlow id="b${i}" sourceRef="s${i + 1}" targetRef="e${i}" /><bpmn:endEvent id="e${i}" />`;
      close = `</bpmn:subProcess>${close}`;
    }
    const xml =
      `${OPEN}<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="in" sourceRef="start" targetRef="s0" />` +
      `<bpmn:sequenceFlow id="out" sourceRef="s0" targetRef="end" /><bpmn:endEvent id="end" />` +
      `${open}<bpmn:task id="s${depth}" />${close}${CLOSE}`;

    // when
    const result = await loadModel(xml, { maxBytes: 10_000_000, maxDepth: 10_000, maxElements: 100_000 });

    // then
    assert.ok(result.ok, JSON.stringify(!result.ok && result.problems.slice(0, 3)));
    const elements = result.model.processes.p?.elements ?? {};
    assert.equal(Object.keys(elements).length, 2 + depth * 3 + 1);
    assert.equal(elements[`s${depth}`]?.scopeId, `s${depth - 1}`);
  });

  it('should refuse 30 000 elements by element count', async function () {
    // given
    const many = hostileBpmn.manyElements(30_000);

    // when / then
    assert.equal(
      only(await rejected(many)),
      'input-limits: BPMN file has more than 20000 XML elements, the limit',
    );
  });

  it('should refuse invalid UTF-8 and Latin-1 bytes', async function () {
    // given
    const invalid = hostileBpmn.invalidUtf8();
    const latin1 = hostileBpmn.latin1();

    // when / then
    for (const input of [invalid, latin1]) {
      assert.equal(
        only(await rejected(input)),
        'input-limits: BPMN file is not valid UTF-8; save it with UTF-8 encoding',
      );
    }
  });

  it('should report malformed XML as xml-parse', async function () {
    // when
    const problems = await rejected(hostileBpmn.malformed());

    // then
    assert.match(only(problems), /^xml-parse: .*closing tag mismatch/);
  });

  it('should report empty input', async function () {
    for (const input of ['', Buffer.alloc(0)]) {
      assert.equal(only(await rejected(input)), 'xml-parse: BPMN file is empty');
    }
  });

  it('should report a non-BPMN XML root', async function () {
    // when
    const problems = await rejected(hostileBpmn.nonBpmnRoot());

    // then
    assert.match(
      only(problems),
      /^xml-parse: failed to parse document as <bpmn:Definitions>: .*unexpected element <project>/,
    );
  });

  it('should report text that is not XML at all', async function () {
    assert.match(only(await rejected(hostileBpmn.notXml())), /^xml-parse: /);
  });

  it('should report unknown BPMN elements and a gateway without outgoing flow', async function () {
    // given
    const xml = hostileBpmn.unknownElementAndDeadGateway();

    // when
    const problems = await rejected(xml);

    // then
    assert.deepEqual(
      problems.map((p) => [p.elementId, p.rule]),
      [
        ['dead', 'flow-node-connections'],
        ['weird', 'parser-warnings'],
      ],
    );
  });

  it('should never throw on random mutations of a valid file', async function () {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: VALID.length }), fc.nat({ max: 40 }), fc.string({ maxLength: 12 })), {
          minLength: 1,
          maxLength: 4,
        }),
        async (edits) => {
          let xml = VALID;
          for (const [at, remove, insert] of edits) xml = xml.slice(0, at) + insert + xml.slice(at + remove);
          const result = await loadModel(xml);
          if (!result.ok) assertWellFormed(result.problems);
        },
      ),
      { numRuns: 300, seed: 20250301 },
    );
  });
});
