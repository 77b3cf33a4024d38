import assert from 'node:assert/strict';

// @ts-expect-error -- bpmn-moddle 10 ships no types for its entry point (see parse.ts)
import { BpmnModdle } from 'bpmn-moddle';

import fiscalDescriptor from '../../../../engine/core/model/fiscal.moddle.json' with { type: 'json' };
import { parseBpmn } from '../../../../engine/core/model/parse.js';

const NS =
  'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn"';

/** Reads a path of properties (and array indexes) out of a parsed moddle tree, for assertions. */
function at(value: unknown, ...path: Array<string | number>): unknown {
  let current = value;
  for (const key of path) current = (current as Record<string | number, unknown> | undefined)?.[key];
  return current;
}

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

  it('should parse the timer, message, call activity and multi-instance fiscal attributes', async function () {
    // given
    const xml = definitions(`<bpmn:message id="m" name="bankReceipt" />
<bpmn:process id="p">
  <bpmn:intermediateCatchEvent id="wait">
    <bpmn:timerEventDefinition fiscal:workingDays="true"><bpmn:timeDuration>P5D</bpmn:timeDuration></bpmn:timerEventDefinition>
  </bpmn:intermediateCatchEvent>
  <bpmn:intermediateCatchEvent id="receipt">
    <bpmn:messageEventDefinition messageRef="m" fiscal:correlationKey="=paymentId" />
  </bpmn:intermediateCatchEvent>
  <bpmn:receiveTask id="rt" messageRef="m" fiscal:correlationKey="paymentId" />
  <bpmn:sendTask id="st" messageRef="m" fiscal:correlationKey="=paymentId" />
  <bpmn:callActivity id="call" calledElement="child" fiscal:calledElementBinding="version" fiscal:calledElementVersion="2"
      fiscal:calledElementVersionTag="t" fiscal:propagateAllVariables="false" />
  <bpmn:userTask id="sign">
    <bpmn:multiInstanceLoopCharacteristics fiscal:collection="=reviewers" fiscal:elementVariable="reviewer"
        fiscal:approvalPreset="ratio" fiscal:approvalRatio="60" fiscal:outcomeVariable="agreed" fiscal:resultVariable="decision" />
  </bpmn:userTask>
</bpmn:process>`);

    // when
    const { definitions: parsed, problems } = await parseBpmn(xml);

    // then
    assert.deepEqual(problems, []);
    const element = (index: number, ...path: Array<string | number>): unknown =>
      at(parsed, 'rootElements', 1, 'flowElements', index, ...path);
    assert.equal(element(0, 'eventDefinitions', 0, 'workingDays'), true);
    assert.equal(element(1, 'eventDefinitions', 0, 'correlationKey'), '=paymentId');
    assert.equal(element(2, 'correlationKey'), 'paymentId');
    assert.equal(element(3, 'correlationKey'), '=paymentId');
    assert.equal(element(4, 'calledElementBinding'), 'version');
    assert.equal(element(4, 'calledElementVersion'), 2);
    assert.equal(element(4, 'calledElementVersionTag'), 't');
    assert.equal(element(4, 'propagateAllVariables'), false);
    assert.deepEqual(
      [
        'collection',
        'elementVariable',
        'approvalPreset',
        'approvalRatio',
        'outcomeVariable',
        'resultVariable',
      ].map((name) => element(5, 'loopCharacteristics', name)),
      ['=reviewers', 'reviewer', 'ratio', 60, 'agreed', 'decision'],
    );
  });

  it('should default fiscal:calledElementBinding to latest', async function () {
    // when
    const { definitions: parsed } = await parseBpmn(
      definitions(
        '<bpmn:process id="p"><bpmn:callActivity id="call" calledElement="child" /></bpmn:process>',
      ),
    );

    // then
    assert.equal(at(parsed, 'rootElements', 0, 'flowElements', 0, 'calledElementBinding'), 'latest');
  });

  it('should read <fiscal:in> and <fiscal:out> as fiscal:In / fiscal:Out and write them back the same way', async function () {
    // given
    const xml = definitions(`<bpmn:process id="p">
  <bpmn:callActivity id="call" calledElement="child">
    <bpmn:extensionElements>
      <fiscal:in source="=amountFen" target="amountFen" />
      <fiscal:out source="=voucherNo" target="voucherNo" />
    </bpmn:extensionElements>
  </bpmn:callActivity>
</bpmn:process>`);

    // when
    const { definitions: parsed, problems } = await parseBpmn(xml);
    const written = await new BpmnModdle({ fiscal: fiscalDescriptor }).toXML(parsed, { format: false });

    // then
    assert.deepEqual(problems, []);
    const values = at(parsed, 'rootElements', 0, 'flowElements', 0, 'extensionElements', 'values') as Array<
      Record<string, unknown>
    >;
    assert.deepEqual(
      values.map((v) => [v.$type, v.source, v.target]),
      [
        ['fiscal:In', '=amountFen', 'amountFen'],
        ['fiscal:Out', '=voucherNo', 'voucherNo'],
      ],
    );
    assert.match(
      written.xml as string,
      /<bpmn:extensionElements><fiscal:in source="=amountFen" target="amountFen" \/><fiscal:out source="=voucherNo" target="voucherNo" \/><\/bpmn:extensionElements>/,
    );
  });

  it('should report a mapping tag that is not fiscal:in / fiscal:out, such as <fiscal:input>, as unknown', async function () {
    // given
    const xml = definitions(`<bpmn:process id="p">
  <bpmn:callActivity id="call" calledElement="child">
    <bpmn:extensionElements><fiscal:input source="=a" target="a" /></bpmn:extensionElements>
  </bpmn:callActivity>
</bpmn:process>`);

    // when
    const { problems } = await parseBpmn(xml);

    // then
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.rule, 'parser-warnings');
    assert.match(problems[0]?.message ?? '', /unknown type <fiscal:Input>/);
  });
});
