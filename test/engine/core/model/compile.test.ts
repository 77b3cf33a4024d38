import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { compileDefinitions } from '../../../../engine/core/model/compile.js';
import { parseBpmn } from '../../../../engine/core/model/parse.js';
import type { ExecutableModel, ExecutableProcess } from '../../../../engine/core/model/types.js';
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
const EVENTS_FIXTURE = readFileSync(new URL('./compile.events.bpmn', import.meta.url));

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
    assert.deepEqual(process?.eventStartIds, []);
    assert.deepEqual(process?.eventSubProcessIds, []);
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

  describe('events, messages, call activities and multi-instance (compile.events.bpmn)', function () {
    let process: ExecutableProcess;
    let elements: ExecutableProcess['elements'];
    before(async function () {
      const compiled = await compileFixture(EVENTS_FIXTURE);
      process = compiled.processes.paymentLifecycle!;
      elements = process.elements;
    });

    it('should list the none start, the timer and message starts and the event sub-processes of the process', function () {
      // then
      assert.equal(process.startEventId, 'start');
      assert.deepEqual(process.eventStartIds, ['monthlyStart', 'applicationReceived']);
      assert.deepEqual(process.eventSubProcessIds, ['hourlyCheck', 'onBankError', 'onCancel']);
      assert.deepEqual(elements.monthlyStart?.eventDefinition, {
        type: 'timer',
        timer: { kind: 'cycle', text: 'R/2026-01-01T09:00:00+08:00/P1M', workingDays: false },
      });
      assert.deepEqual(elements.applicationReceived?.eventDefinition, {
        type: 'message',
        messageName: 'paymentApplication',
      });
      assert.equal(elements.monthlyStart?.interrupting, undefined);
    });

    it('should compile boundary events with their activity, scope, interruption and definition', function () {
      // then
      assert.deepEqual(elements.review?.boundaryIds, ['remindDaily', 'withdrawn']);
      assert.deepEqual(elements.remindDaily, {
        id: 'remindDaily',
        kind: 'boundaryEvent',
        bpmnType: 'bpmn:BoundaryEvent',
        name: '每个工作日提醒',
        scopeId: null,
        incoming: [],
        outgoing: ['toRemind'],
        eventDefinition: { type: 'timer', timer: { kind: 'cycle', text: 'R/P1D', workingDays: true } },
        attachedToId: 'review',
        cancelActivity: false,
      });
      assert.equal(elements.withdrawn?.cancelActivity, true);
      assert.deepEqual(elements.withdrawn?.eventDefinition, {
        type: 'message',
        messageName: 'withdrawRequested',
        correlationKey: { source: 'applicationId' },
      });
      assert.deepEqual(elements.budgetCheck?.boundaryIds, ['overBudgetCaught']);
      assert.deepEqual(elements.overBudgetCaught?.eventDefinition, {
        type: 'escalation',
        escalationCode: 'OVER_BUDGET',
      });
      assert.equal(elements.remind?.boundaryIds, undefined);
    });

    it('should compile error boundary events with a code, and a catch-all with code null', function () {
      // then
      assert.deepEqual(elements.callLedger?.boundaryIds, ['ledgerRejected', 'ledgerAnyError']);
      assert.deepEqual(elements.ledgerRejected?.eventDefinition, {
        type: 'error',
        errorCode: 'BANK_REJECTED',
      });
      assert.deepEqual(elements.ledgerAnyError?.eventDefinition, { type: 'error', errorCode: null });
      assert.equal(elements.ledgerAnyError?.attachedToId, 'callLedger');
    });

    it('should compile end events: error with code and message, escalation, message, terminate', function () {
      // then
      assert.deepEqual(elements.failedEnd?.eventDefinition, {
        type: 'error',
        errorCode: 'BANK_REJECTED',
        errorMessage: '银行退票',
      });
      assert.equal(elements.failedEnd?.kind, 'endEvent');
      assert.equal(elements.failedEnd?.endEventKind, 'none');
      assert.deepEqual(elements.overBudgetEnd?.eventDefinition, {
        type: 'escalation',
        escalationCode: 'OVER_BUDGET',
      });
      assert.equal(elements.overBudgetEnd?.scopeId, 'budgetCheck');
      assert.equal(elements.frozenEnd?.messageName, 'paymentFailed');
      assert.deepEqual(elements.frozenEnd?.eventDefinition, {
        type: 'message',
        messageName: 'paymentFailed',
        correlationKey: { source: 'applicationId' },
      });
      assert.equal(elements.timeoutEnd?.endEventKind, 'terminate');
      assert.deepEqual(elements.timeoutEnd?.eventDefinition, { type: 'terminate' });
      assert.equal(elements.end?.eventDefinition, undefined);
    });

    it('should compile the event-based gateway and what it waits for', function () {
      // then
      assert.equal(elements.race?.kind, 'eventBasedGateway');
      assert.deepEqual(elements.race?.outgoing, ['toReceipt', 'toTimeout', 'toFrozen']);
      assert.deepEqual(elements.bankReceipt, {
        id: 'bankReceipt',
        kind: 'receiveTask',
        bpmnType: 'bpmn:ReceiveTask',
        name: '等待银行回单',
        scopeId: null,
        incoming: ['toReceipt'],
        outgoing: ['toLedger'],
        eventDefinition: {
          type: 'message',
          messageName: 'bankReceipt',
          correlationKey: { source: 'applicationId' },
        },
      });
      assert.equal(elements.bankTimeout?.kind, 'intermediateCatchEvent');
      assert.deepEqual(elements.bankTimeout?.eventDefinition, {
        type: 'timer',
        timer: { kind: 'duration', text: 'P5D', workingDays: true },
      });
      assert.deepEqual(elements.frozen?.eventDefinition, { type: 'signal', signalName: 'budgetFrozen' });
    });

    it('should compile send tasks and signal throws', function () {
      // then
      assert.equal(elements.sendOrder?.kind, 'sendTask');
      assert.equal(elements.sendOrder?.messageName, 'paymentOrder');
      assert.deepEqual(elements.sendOrder?.eventDefinition, {
        type: 'message',
        messageName: 'paymentOrder',
        correlationKey: { source: 'applicationId' },
      });
      assert.equal(elements.budgetReleased?.kind, 'intermediateThrowEvent');
      assert.deepEqual(elements.budgetReleased?.eventDefinition, {
        type: 'signal',
        signalName: 'budgetReleased',
      });
      assert.equal(elements.budgetReleased?.messageName, undefined);
    });

    it('should compile event sub-processes with their start event, scope and interruption', function () {
      // then
      assert.deepEqual(elements.hourlyCheck, {
        id: 'hourlyCheck',
        kind: 'subProcess',
        bpmnType: 'bpmn:SubProcess',
        scopeId: null,
        incoming: [],
        outgoing: [],
        startEventId: 'hourlyStart',
        childIds: ['hourlyStart', 'hourlyEnd'],
        triggeredByEvent: true,
      });
      assert.equal(elements.hourlyStart?.interrupting, false);
      assert.equal(elements.hourlyStart?.scopeId, 'hourlyCheck');
      assert.equal(elements.bankErrorStart?.interrupting, true);
      assert.deepEqual(elements.bankErrorStart?.eventDefinition, {
        type: 'error',
        errorCode: 'BANK_REJECTED',
      });
      assert.equal(elements.cancelStart?.interrupting, true);
      assert.deepEqual(elements.budgetCheck?.eventSubProcessIds, ['checkTimeout']);
      assert.ok(elements.budgetCheck?.childIds?.includes('checkTimeout'));
      assert.equal(elements.budgetCheck?.triggeredByEvent, undefined);
      assert.equal(elements.checkTimeout?.scopeId, 'budgetCheck');
      assert.deepEqual(elements.checkTimeoutStart?.eventDefinition, {
        type: 'timer',
        timer: { kind: 'duration', expression: { source: 'quotaCheckTimeout' }, workingDays: false },
      });
    });

    it('should compile a call activity with binding, version and fiscal:in / fiscal:out mappings', function () {
      // then
      assert.equal(elements.callLedger?.kind, 'callActivity');
      assert.deepEqual(elements.callLedger?.calledElement, {
        processKey: 'ledgerBooking',
        binding: 'version',
        version: 2,
        inputs: [
          { source: { source: 'amountFen' }, target: 'amountFen' },
          { source: { source: 'unit.code' }, target: 'unitCode' },
        ],
        outputs: [{ source: { source: 'voucherNo' }, target: 'voucherNo' }],
        propagateAll: false,
      });
    });

    it('should compile each approval preset with its defaults', function () {
      // then
      assert.deepEqual(elements.review?.multiInstance, {
        isSequential: false,
        collection: { source: 'reviewers' },
        elementVariable: 'reviewer',
        preset: 'all',
        outcomeVariable: 'approved',
        resultVariable: 'approvalResult',
      });
      assert.deepEqual(elements.directorApproval?.multiInstance, {
        isSequential: false,
        collection: { source: 'directors' },
        elementVariable: 'reviewer',
        preset: 'any',
        outcomeVariable: 'agreed',
        resultVariable: 'directorDecision',
      });
      assert.deepEqual(elements.sequentialSign?.multiInstance, {
        isSequential: true,
        collection: { source: 'chain' },
        elementVariable: 'reviewer',
        preset: 'sequential',
        outcomeVariable: 'approved',
        resultVariable: 'approvalResult',
      });
      assert.deepEqual(elements.committeeVote?.multiInstance, {
        isSequential: false,
        collection: { source: 'committee' },
        elementVariable: 'reviewer',
        completionCondition: { source: 'nrOfRejected > 2' },
        preset: 'ratio',
        ratioPercent: 67,
        outcomeVariable: 'approved',
        resultVariable: 'approvalResult',
      });
    });

    it('should deep-freeze the new parts of the model', function () {
      // then
      assert.ok(Object.isFrozen(process.eventStartIds));
      assert.ok(Object.isFrozen(elements.callLedger?.calledElement?.inputs[0]?.source));
      assert.ok(Object.isFrozen(elements.remindDaily?.eventDefinition));
      assert.ok(Object.isFrozen(elements.review?.multiInstance));
    });
  });

  describe('defaults', function () {
    it('should compile a cardinality, latest binding, propagation without mappings and a process without none start', async function () {
      // given
      const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="defs">
  <bpmn:signal id="yearEndSignal" name="fiscalYearEnd" />
  <bpmn:process id="yearEnd" isExecutable="true">
    <bpmn:startEvent id="yearEndStart">
      <bpmn:signalEventDefinition signalRef="yearEndSignal" />
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="yearEndStart" targetRef="closeUnits" />
    <bpmn:callActivity id="closeUnits" calledElement=" unitClosing ">
      <bpmn:multiInstanceLoopCharacteristics isSequential="true">
        <bpmn:loopCardinality>= unitCount</bpmn:loopCardinality>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:callActivity>
    <bpmn:sequenceFlow id="f2" sourceRef="closeUnits" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

      // when
      const compiled = await compileFixture(xml);

      // then
      const yearEnd = compiled.processes.yearEnd!;
      assert.equal(yearEnd.startEventId, undefined);
      assert.ok(!Object.hasOwn(yearEnd, 'startEventId'));
      assert.deepEqual(yearEnd.eventStartIds, ['yearEndStart']);
      assert.deepEqual(yearEnd.elements.closeUnits?.calledElement, {
        processKey: 'unitClosing',
        binding: 'latest',
        inputs: [],
        outputs: [],
        propagateAll: true,
      });
      assert.deepEqual(yearEnd.elements.closeUnits?.multiInstance, {
        isSequential: true,
        cardinality: { source: 'unitCount' },
        outcomeVariable: 'approved',
        resultVariable: 'approvalResult',
      });
    });
  });

  it('should give a boundary event inside a sub-process the scope of its activity', async function () {
    // given
    const xml = readFileSync(new URL('./rules/boundary-events/valid-boundaries.bpmn', import.meta.url));

    // when
    const { elements } = (await compileFixture(xml)).processes.guardedWork!;

    // then
    assert.equal(elements.submitFailed?.scopeId, 'transfer');
    assert.equal(elements.submitFailed?.attachedToId, 'submit');
    assert.deepEqual(elements.submit?.boundaryIds, ['submitFailed']);
    assert.deepEqual(elements.transfer?.boundaryIds, ['transferTooSlow']);
    assert.ok(!elements.transfer?.childIds?.includes('transferTooSlow'));
    assert.ok(elements.transfer?.childIds?.includes('submitFailed'));
  });
});
