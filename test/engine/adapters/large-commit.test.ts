/**
 * A commit larger than the database takes in one query: a loop of script tasks that never ends runs until the
 * runner's step limit (10,000 steps) and raises an incident, and that command writes thousands of history and
 * audit rows in one transaction. On MariaDB one batch of that size would exceed max_allowed_packet and lose the
 * connection (a 500 for the caller); the store sends it in several batches inside the transaction.
 */
import assert from 'node:assert/strict';
import { createTestEngine, forEachBackend, type TestEngine } from '../../helpers/engine-harness.js';
import { chunkBySize } from '../../../engine/adapters/knex/statement-batch.js';

const RUNAWAY = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="defs" targetNamespace="http://fiscal-bpm.org/test">
  <bpmn:process id="runawayLoop" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="again" />
    <bpmn:exclusiveGateway id="again" default="loop" />
    <bpmn:sequenceFlow id="loop" sourceRef="again" targetRef="touch" />
    <bpmn:sequenceFlow id="out" sourceRef="again" targetRef="end">
      <bpmn:conditionExpression>counter &gt; 1000000</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:scriptTask id="touch" scriptFormat="feel" fiscal:resultVariable="padding">
      <bpmn:script>"${'x'.repeat(900)}"</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="back" sourceRef="touch" targetRef="again" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

describe('adapters/statement-batch chunkBySize', function () {
  it('should cut statements into consecutive chunks under the size, each with at least one statement', function () {
    const statement = (bytes: number) => ({ sql: 'x'.repeat(bytes), bindings: [] });
    const chunks = chunkBySize(
      [statement(40), statement(40), statement(40), statement(150), statement(10)],
      100,
    );
    assert.deepEqual(
      chunks.map((c) => c.map((s) => s.sql.length)),
      [[40, 40], [40], [150], [10]],
    );
    assert.deepEqual(chunkBySize([], 100), []);
  });
});

forEachBackend('adapters/large commits', (backend) => {
  let t: TestEngine;
  before(async function () {
    t = await createTestEngine(backend);
    await t.engine.deploy(RUNAWAY);
  });
  after(() => t?.close());

  it('should commit a runaway loop up to the step limit as one transaction, with its incident', async function () {
    this.timeout(120_000);
    // when
    const started = await t.engine.startInstance('runawayLoop', { variables: { counter: 0 } });

    // then the instance waits on a STEP_LIMIT incident, and everything the command did is stored
    assert.equal(started.status, 'running');
    const incidents = await t.infrastructure.store.listIncidents({ instanceId: started.id });
    assert.equal(incidents.length, 1);
    assert.match(incidents[0]!.message ?? '', /step|10000|10,000/i);
    const history = await t.infrastructure.store.listHistory(started.id);
    assert.ok(history.length > 10_000, `history rows: ${history.length}`);
    const counted = await t.infrastructure
      .knex('audit_log')
      .where({ instance_id: started.id })
      .count('* as n');
    assert.equal(Number(counted[0]?.n), history.length);
  });
});
