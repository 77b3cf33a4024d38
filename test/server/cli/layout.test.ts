import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLayout } from '../../../server/cli/layout.js';

const WITHOUT_DIAGRAM = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="d" targetNamespace="http://fiscal-bpm.org/test">
<bpmn:process id="laidOut" isExecutable="true">
<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw" />
<bpmn:exclusiveGateway id="gw" default="f3" />
<bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="review"><bpmn:conditionExpression>= amountFen &gt; 100000</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="end" />
<bpmn:userTask id="review" name="审核" fiscal:candidateRoles="reviewer" fiscal:orgScope="financeBureau" fiscal:divisionType="treasury" />
<bpmn:sequenceFlow id="f4" sourceRef="review" targetRef="end" /><bpmn:endEvent id="end" />
</bpmn:process></bpmn:definitions>`;

describe('cli/layout', () => {
  it('should add a diagram to a file without one, keep the fiscal settings, and leave a laid-out file alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fiscal-layout-'));
    try {
      const file = join(dir, 'p.bpmn');
      writeFileSync(file, WITHOUT_DIAGRAM);
      const lines: string[] = [];
      assert.equal(
        await runLayout(
          [file],
          {},
          (l) => lines.push(l),
          (l) => lines.push(l),
        ),
        0,
      );
      const xml = readFileSync(file, 'utf8');
      for (const id of ['start', 'gw', 'review', 'end'])
        assert.match(xml, new RegExp(`bpmnElement="${id}"`), `shape for ${id}`);
      for (const id of ['f1', 'f2', 'f3', 'f4'])
        assert.match(xml, new RegExp(`bpmnElement="${id}"`), `edge ${id}`);
      assert.match(xml, /fiscal:candidateRoles="reviewer"/);
      assert.match(xml, /default="f3"/);

      assert.equal(
        await runLayout(
          [file],
          {},
          (l) => lines.push(l),
          (l) => lines.push(l),
        ),
        0,
      );
      assert.equal(readFileSync(file, 'utf8'), xml);
      assert.deepEqual(lines, [`Laid out: ${file}`, `Kept (has a diagram): ${file}`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
