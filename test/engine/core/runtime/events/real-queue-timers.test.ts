import assert from 'node:assert/strict';
import {
  createTestEngine,
  forEachBackend,
  type TestEngine,
  waitFor,
} from '../../../../helpers/engine-harness.js';

const XML = `<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
<bpmn:process id="shortTimers" isExecutable="true"><bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait" />
<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT0.3S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
<bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="task" /><bpmn:userTask id="task" />
<bpmn:boundaryEvent id="late" attachedToRef="task"><bpmn:timerEventDefinition><bpmn:timeDuration>PT0.4S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
<bpmn:sequenceFlow id="f3" sourceRef="late" targetRef="e2" /><bpmn:endEvent id="e2" />
<bpmn:sequenceFlow id="f4" sourceRef="task" targetRef="e" /><bpmn:endEvent id="e" /></bpmn:process></bpmn:definitions>`;

forEachBackend('runtime/events/timers through the real queue', (backend) => {
  let t: TestEngine;
  before(async function () {
    t = await createTestEngine(backend, { workers: true });
    await t.engine.deploy(XML);
  });
  after(() => t?.close());

  it('should fire a 300 ms catch timer and a 400 ms boundary timer through delayed queue jobs, on time and not early', async function () {
    const started = Date.now();
    const instance = await t.engine.startInstance('shortTimers');
    const view = await waitFor(
      async () => {
        const v = await t.engine.getInstance(instance.id);
        return v.status === 'completed' ? v : undefined;
      },
      'the boundary timer to end the instance',
      10_000,
      20,
    );
    assert.ok(view.completedElementIds.includes('late'));
    const fired = (await t.engine.history(instance.id)).filter((h) => h.type === 'TIMER_FIRED');
    assert.deepEqual(
      fired.map((h) => h.elementId),
      ['wait', 'late'],
    );
    for (const h of fired) assert.ok(Number(h.data!.firedAt) >= Number(h.data!.dueAt), 'fired early');
    assert.ok(Date.now() - started >= 700);
  });
});
