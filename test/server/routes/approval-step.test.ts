import assert from 'node:assert/strict';
import { loadModel } from '../../../engine/index.js';
import { isApprovalStep } from '../../../server/routes/views/approval-step.js';

const STEPS = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="d" targetNamespace="t">
<bpmn:process id="steps" isExecutable="true">
<bpmn:startEvent id="start" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="own" /><bpmn:userTask id="own" fiscal:assignee="=initiator" />
<bpmn:sequenceFlow id="f2" sourceRef="own" targetRef="clerkStep" /><bpmn:userTask id="clerkStep" fiscal:candidateRoles="clerk" fiscal:orgScope="initiatorUnit" />
<bpmn:sequenceFlow id="f3" sourceRef="clerkStep" targetRef="chiefStep" /><bpmn:userTask id="chiefStep" fiscal:candidateRoles="chief" fiscal:orgScope="initiatorUnit" />
<bpmn:sequenceFlow id="f4" sourceRef="chiefStep" targetRef="issuerStep" /><bpmn:userTask id="issuerStep" fiscal:assignee="=issuedBy" />
<bpmn:sequenceFlow id="f5" sourceRef="issuerStep" targetRef="named" /><bpmn:userTask id="named" fiscal:candidateUsers="wang, li" />
<bpmn:sequenceFlow id="f6" sourceRef="named" targetRef="allowed" /><bpmn:userTask id="allowed" fiscal:candidateRoles="reviewer" fiscal:orgScope="initiatorUnit" fiscal:ifInitiatorIsApprover="approve" />
<bpmn:sequenceFlow id="f7" sourceRef="allowed" targetRef="vote" />
<bpmn:userTask id="vote" fiscal:assignee="=member"><bpmn:multiInstanceLoopCharacteristics fiscal:collection="=members" fiscal:elementVariable="member" fiscal:approvalPreset="all" /></bpmn:userTask>
<bpmn:sequenceFlow id="f8" sourceRef="vote" targetRef="end" /><bpmn:endEvent id="end" />
</bpmn:process></bpmn:definitions>`;

describe('routes/views/approval-step: which steps are approvals (maker–checker)', () => {
  it('should treat checking roles, named approvers and votes as approvals, and makers’ steps not', async () => {
    const loaded = await loadModel(STEPS);
    assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.problems));
    const elements = loaded.model.processes.steps!.elements;
    const approval = Object.fromEntries(
      ['own', 'clerkStep', 'chiefStep', 'issuerStep', 'named', 'allowed', 'vote'].map((id) => [
        id,
        isApprovalStep(elements[id]),
      ]),
    );
    assert.deepEqual(approval, {
      own: false,
      clerkStep: false,
      chiefStep: true,
      issuerStep: false,
      named: true,
      allowed: false,
      vote: true,
    });
    assert.equal(isApprovalStep(elements.start), false);
  });
});
