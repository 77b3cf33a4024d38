import assert from 'node:assert/strict';

import { parseBpmn } from '../../../../engine/core/model/parse.js';

const NS =
  'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn"';

function definitions(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions ${NS} id="defs">\n${body}\n</bpmn:definitions>`;
}

describe('model/parse', function () {
  it('should parse a clean file with fiscal attributes and no problems', async function () {
    // given
    const xml = definitions(
      '<bpmn:process id="p" fiscal:versionTag="v1"><bpmn:userTask id="u" fiscal:assignee="=a" fiscal:priority="7" /></bpmn:process>',
    );

    // when
    const { definitions: parsed, problems } = await parseBpmn(xml);

    // then
    assert.deepEqual(problems, []);
    assert.equal(parsed?.$type, 'bpmn:Definitions');
    const process = (parsed?.rootElements as Array<Record<string, unknown>>)[0];
    assert.equal(process?.versionTag, 'v1');
    const task = (process?.flowElements as Array<Record<string, unknown>>)[0];
    assert.equal(task?.assignee, '=a');
    assert.equal(task?.priority, 7);
  });

  it('should report an unknown BPMN element by the id in the source', async function () {
    // given
    const xml = definitions(
      '<bpmn:process id="p">\n  <bpmn:approvalTask id="odd" name="x" />\n</bpmn:process>',
    );

    // when
    const { problems } = await parseBpmn(xml);

    // then
    assert.deepEqual(problems, [
      {
        elementId: 'odd',
        elementType: 'bpmn:ApprovalTask',
        rule: 'parser-warnings',
        message:
          'unparsable content <bpmn:approvalTask> detected: unknown type <bpmn:ApprovalTask> (line 4, column 3)',
      },
    ]);
  });

  it('should report unknown attributes, including unknown fiscal attributes and fiscal attributes on the wrong type', async function () {
    // given
    const xml = definitions(
      '<bpmn:process id="p"><bpmn:task id="t" fiscal:assignee="x" /><bpmn:userTask id="u" fiscal:assigne="y" color="red" /></bpmn:process>',
    );

    // when
    const { problems } = await parseBpmn(xml);

    // then
    assert.deepEqual(
      problems.map((p) => [p.elementId, p.elementType, p.rule, p.message]),
      [
        ['t', 'bpmn:Task', 'parser-warnings', 'unknown attribute <fiscal:assignee>'],
        ['u', 'bpmn:UserTask', 'parser-warnings', 'unknown attribute <fiscal:assigne>'],
        ['u', 'bpmn:UserTask', 'parser-warnings', 'unknown attribute <color>'],
      ],
    );
  });

  it('should report a duplicate id by that id', async function () {
    // given
    const xml = definitions(
      '<bpmn:process id="p"><bpmn:task id="same" /><bpmn:task id="same" /></bpmn:process>',
    );

    // when
    const { problems } = await parseBpmn(xml);

    // then
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.elementId, 'same');
    assert.equal(problems[0]?.elementType, 'bpmn:Task');
    assert.match(problems[0]?.message ?? '', /duplicate ID <same>/);
  });

  it('should report an unresolved reference on the referring element', async function () {
    // given
    const xml = definitions(
      '<bpmn:process id="p"><bpmn:task id="t" /><bpmn:sequenceFlow id="f" sourceRef="t" targetRef="missing" /></bpmn:process>',
    );

    // when
    const { problems } = await parseBpmn(xml);

    // then
    assert.deepEqual(problems, [
      {
        elementId: 'f',
        elementType: 'bpmn:SequenceFlow',
        rule: 'parser-warnings',
        message: 'unresolved reference <missing> in bpmn:targetRef',
      },
    ]);
  });

  it('should accept an ISO-8859-1 declaration on a pure ASCII file (both encodings agree)', async function () {
    const xml = `<?xml version="1.0" encoding="ISO-8859-1"?><bpmn:definitions ${NS} />`;
    const { problems } = await parseBpmn(xml);
    assert.deepEqual(problems, []);
  });

  it('should report an unsupported encoding declaration on a file with non-ASCII text', async function () {
    // given
    const xml = `<?xml version="1.0" encoding="ISO-8859-1"?><bpmn:definitions ${NS} name="预算" />`;

    // when
    const { problems } = await parseBpmn(xml);

    // then
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.elementId, '-');
    assert.match(problems[0]?.message ?? '', /^unsupported document encoding <ISO-8859-1>/);
  });

  it('should turn malformed XML into one xml-parse problem without a stack', async function () {
    // given
    const xml = definitions('<bpmn:process id="p"><bpmn:task id="t"></bpmn:process>');

    // when
    const { definitions: parsed, problems } = await parseBpmn(xml);

    // then
    assert.equal(parsed, undefined);
    assert.deepEqual(
      problems.map((p) => [p.elementId, p.rule]),
      [['-', 'xml-parse']],
    );
    assert.match(problems[0]?.message ?? '', /closing tag mismatch \(line 3, column \d+\)$/);
    assert.doesNotMatch(problems[0]?.message ?? '', /\n|at .*\.js/);
  });

  it('should reject a document whose root is not bpmn:definitions', async function () {
    // when
    const { problems } = await parseBpmn('<html><body/></html>');

    // then
    assert.deepEqual(problems, [
      {
        elementId: '-',
        elementType: '-',
        rule: 'xml-parse',
        message:
          'failed to parse document as <bpmn:Definitions>: unparsable content <html> detected: unexpected element <html> (line 1, column 1)',
      },
    ]);
  });

  it('should reject empty input', async function () {
    for (const input of ['', '  \n ', Buffer.alloc(0)]) {
      // when
      const { problems } = await parseBpmn(input);

      // then
      assert.deepEqual(problems, [
        { elementId: '-', elementType: '-', rule: 'xml-parse', message: 'BPMN file is empty' },
      ]);
    }
  });

  it('should apply the input limits before parsing', async function () {
    // when
    const { definitions: parsed, problems } = await parseBpmn(definitions(''), { maxBytes: 10 });

    // then
    assert.equal(parsed, undefined);
    assert.equal(problems[0]?.rule, 'input-limits');
  });
});
