import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { runValidate } from '../../../server/cli/validate.js';

const VALID = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs">
  <bpmn:process id="payment" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

describe('server/cli/validate', function () {
  let dir: string;
  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'fiscal-bpm-validate-'));
  });
  afterEach(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(
    files: string[],
    limits?: { maxBytes: number },
  ): Promise<{ code: number; lines: string[] }> {
    const lines: string[] = [];
    const code = await runValidate(files, (line) => lines.push(line), limits ? { limits } : {});
    return { code, lines };
  }

  it('should print OK and exit 0 for a valid file', async function () {
    // given
    const file = join(dir, 'payment.bpmn');
    writeFileSync(file, VALID);

    // when
    const { code, lines } = await run([file]);

    // then
    assert.equal(code, 0);
    assert.deepEqual(lines, [`OK ${file}`]);
  });

  it('should print one line per problem and exit 1', async function () {
    // given
    const file = join(dir, 'broken.bpmn');
    writeFileSync(
      file,
      VALID.replace('<bpmn:endEvent id="end" />', '<bpmn:endEvent id="end" /><bpmn:task id="orphan" />'),
    );

    // when
    const { code, lines } = await run([file]);

    // then
    assert.equal(code, 1);
    assert.deepEqual(lines, [
      `${file}: orphan (bpmn:Task): element has no incoming sequence flow, so it can never be reached`,
      `${file}: orphan (bpmn:Task): element has no outgoing sequence flow; end the path with an end event`,
    ]);
  });

  it('should report missing files and directories as problem lines', async function () {
    // given
    const missing = join(dir, 'missing.bpmn');
    const valid = join(dir, 'ok.bpmn');
    writeFileSync(valid, VALID);

    // when
    const { code, lines } = await run([missing, dir, valid]);

    // then
    assert.equal(code, 1);
    assert.deepEqual(lines, [
      `${missing}: - (-): cannot read file: no such file`,
      `${dir}: - (-): cannot read file: not a regular file`,
      `OK ${valid}`,
    ]);
  });

  it('should refuse a file over the size limit without parsing it', async function () {
    // given
    const file = join(dir, 'big.bpmn');
    writeFileSync(file, VALID);

    // when
    const { code, lines } = await run([file], { maxBytes: 100 });

    // then
    assert.equal(code, 1);
    assert.deepEqual(lines, [
      `${file}: - (-): BPMN file is ${Buffer.byteLength(VALID)} bytes, more than the limit of 100 bytes`,
    ]);
  });

  it('should print usage and exit 1 without files', async function () {
    // when
    const { code, lines } = await run([]);

    // then
    assert.equal(code, 1);
    assert.deepEqual(lines, ['usage: fiscal-bpm validate <file.bpmn>...']);
  });
});
