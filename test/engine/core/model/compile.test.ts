import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { compileDefinitions } from '../../../../engine/core/model/compile.js';
import { parseBpmn } from '../../../../engine/core/model/parse.js';
import type { ExecutableModel } from '../../../../engine/core/model/types.js';
import { validateDefinitions } from '../../../../engine/core/model/validate.js';

async function compileFixture(xml: string | Buffer): Promise<ExecutableModel> {
  const { definitions, problems } = await parseBpmn(xml);
  assert.deepEqual(problems, []);
  assert.ok(definitions);
  assert.deepEqual(validateDefinitions(definitions), []);
  return compileDefinitions(definitions);
}

/** An id typed as plain string, so TypeScript does not read `constructor` etc. as Object's members. */
function id(value: string): string {
  return value;
}

const FIXTURE = readFileSync(new URL('./compile.approval.bpmn', import.meta.url));

describe('model/compile', function () {
  let model: ExecutableModel;
  before(async function () {
    model = await compileFixture(FIXTURE);
  });

  it('should compile every executable process and skip the documentation one', function () {
    // then
    assert.deepEqual(Object.keys(model.processes), ['treasuryPayment']);
    const process = model.processes.treasuryPayment;
    assert.equal(process?.key, 'treasuryPayment');
    assert.equal(process?.name, '国库集中支付');
    assert.equal(process?.versionTag, '2025-03');
    assert.equal(process?.startEventId, 'start');
  });

  it('should flatten sub-processes into one element map with scopes', function () {
    // given
    const { elements } = model.processes.treasuryPayment!;

    // then
    assert.deepEqual(Object.keys(elements), [
      'start',
      'reviewByDivision',
      'amountCheck',
      'bankTransfer',
      'split',
      'archive',
      'notifyUnit',
      'ledger',
      'join',
      'end',
      'transferStart',
      'submitToBank',
      'computeFee',
      'transferEnd',
    ]);
    assert.equal(elements.start?.scopeId, null);
    assert.equal(elements.submitToBank?.scopeId, 'bankTransfer');
    assert.deepEqual(elements.bankTransfer, {
      id: 'bankTransfer',
      kind: 'subProcess',
      bpmnType: 'bpmn:SubProcess',
      name: '银行划款',
      scopeId: null,
      incoming: ['large', 'small'],
      outgoing: ['toSplit'],
      startEventId: 'transferStart',
      childIds: ['transferStart', 'submitToBank', 'computeFee', 'transferEnd'],
    });
  });

  it('should keep incoming and outgoing flow ids in document order', function () {
    // given
    const { elements } = model.processes.treasuryPayment!;

    // then
    assert.deepEqual(elements.amountCheck?.outgoing, ['large', 'small']);
    assert.equal(elements.amountCheck?.defaultFlowId, 'small');
    assert.deepEqual(elements.join?.incoming, ['fromArchive', 'fromNotify']);
    assert.deepEqual(elements.split?.outgoing, ['toArchive', 'toNotify']);
  });

  it('should compile flows with normalized conditions', function () {
    // given
    const { flows } = model.processes.treasuryPayment!;

    // then
    assert.deepEqual(flows.large, {
      id: 'large',
      name: '是',
      sourceId: 'amountCheck',
      targetId: 'bankTransfer',
      condition: { source: 'amountFen > 50000000' },
    });
    assert.deepEqual(flows.small, {
      id: 'small',
      name: '否',
      sourceId: 'amountCheck',
      targetId: 'bankTransfer',
    });
    assert.equal(flows.toSubmit?.sourceId, 'transferStart');
    assert.equal(Object.keys(flows).length, 14);
  });

  it('should compile user task assignments: expressions, literals and lists', function () {
    // given
    const { elements } = model.processes.treasuryPayment!;

    // then
    assert.deepEqual(elements.reviewByDivision?.assignment, {
      assignee: { source: 'initiator.manager' },
      candidateRoles: ['经办人', '审核人'],
      orgScope: 'sameOrg',
      dueIn: 'P3D',
      formKey: 'payment-review',
      priority: 50,
    });
    assert.deepEqual(elements.archive?.assignment, { candidateUsers: { literal: ['wang', 'li', 'zhao'] } });
    assert.deepEqual(elements.notifyUnit?.assignment, {
      assignee: { literal: 'zhangsan' },
      candidateUsers: { source: 'unit.contacts' },
    });
  });

  it('should compile service tasks with retry defaults', function () {
    // given
    const { elements } = model.processes.treasuryPayment!;

    // then
    assert.equal(elements.submitToBank?.taskType, 'treasury.payment.submit');
    assert.equal(elements.submitToBank?.retries, 5);
    assert.equal(elements.submitToBank?.retryBackoff, 'PT30S');
    assert.equal(elements.ledger?.taskType, 'ledger.book');
    assert.equal(elements.ledger?.retries, 3);
    assert.equal(elements.ledger?.retryBackoff, 'PT10S');
  });

  it('should compile script tasks and end event kinds', function () {
    // given
    const { elements } = model.processes.treasuryPayment!;

    // then
    assert.deepEqual(elements.computeFee?.script, { source: 'amountFen * 0' });
    assert.equal(elements.computeFee?.resultVariable, 'feeFen');
    assert.equal(elements.end?.endEventKind, 'terminate');
    assert.equal(elements.transferEnd?.endEventKind, 'none');
  });

  it('should NOT put undefined-valued keys in the model', function () {
    // given
    const { elements } = model.processes.treasuryPayment!;

    // then
    assert.deepEqual(Object.keys(elements.start ?? {}), [
      'id',
      'kind',
      'bpmnType',
      'name',
      'scopeId',
      'incoming',
      'outgoing',
    ]);
  });

  it('should deep-freeze the model', function () {
    // given
    const process = model.processes.treasuryPayment!;

    // then
    assert.ok(Object.isFrozen(model));
    assert.ok(Object.isFrozen(model.processes));
    assert.ok(Object.isFrozen(process.elements));
    assert.ok(Object.isFrozen(process.elements.reviewByDivision?.assignment?.candidateRoles));
    assert.ok(Object.isFrozen(process.flows.large?.condition));
    assert.throws(() => {
      (process.elements as Record<string, unknown>).injected = {};
    }, TypeError);
  });

  it('should key maps by id without prototypes, so __proto__ and constructor are plain ids', async function () {
    // given
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs">
  <bpmn:process id="constructor" isExecutable="true">
    <bpmn:startEvent id="__proto__" />
    <bpmn:sequenceFlow id="toString" sourceRef="__proto__" targetRef="hasOwnProperty" />
    <bpmn:task id="hasOwnProperty" />
    <bpmn:sequenceFlow id="valueOf" sourceRef="hasOwnProperty" targetRef="constructor_end" />
    <bpmn:endEvent id="constructor_end" />
  </bpmn:process>
</bpmn:definitions>`;

    // when
    const compiled = await compileFixture(xml);

    // then
    assert.equal(Object.getPrototypeOf(compiled.processes), null);
    const process = compiled.processes[id('constructor')];
    assert.ok(Object.hasOwn(compiled.processes, 'constructor'));
    assert.equal(process?.key, 'constructor');
    assert.equal(Object.getPrototypeOf(process?.elements), null);
    assert.ok(Object.hasOwn(process!.elements, '__proto__'));
    assert.equal(process?.elements['__proto__']?.kind, 'startEvent');
    assert.equal(process?.elements[id('hasOwnProperty')]?.kind, 'task');
    assert.equal(process?.flows[id('toString')]?.targetId, 'hasOwnProperty');
    assert.equal(process?.startEventId, '__proto__');
    assert.equal(({} as Record<string, unknown>).kind, undefined);
  });
});
