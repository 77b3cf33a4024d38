/**
 * A payment approval for the task route tests, on the demo org directory of 中牟县: the applicant fills in
 * (填报, assigned to the initiator), the treasury division reviews (candidates: reviewer, chief, clerk), the
 * budget reviewer and the deputy director vote (会签, all must approve), the director decides. Helpers start
 * instances and find tasks through the engine so each test drives only the HTTP routes it is about.
 */
import assert from 'node:assert/strict';
import type { TaskRecord } from '../../../engine/index.js';
import type { TestServer } from '../../helpers/server-harness.js';
import { waitFor } from '../../helpers/engine-harness.js';

export const PROCESS_KEY = 'srvPayment';
export const SCHOOL_CLERK = 'zhongmou.school1.clerk';
export const REVIEWER = 'zhongmou.treasury.reviewer';
export const CHIEF = 'zhongmou.treasury.chief';
export const TREASURY_CLERK = 'zhongmou.treasury.clerk';
export const BUDGET = 'zhongmou.budget.reviewer';
export const DEPUTY = 'zhongmou.finance.deputy';
export const DIRECTOR = 'zhongmou.finance.director';
/** Same posts in another county: outside every 中牟 user's scope. */
export const OTHER_COUNTY_REVIEWER = 'gongyi.treasury.reviewer';
export const ADMIN = 'henan.admin';

const q = (s: string) => s.replace(/"/g, '&quot;');

export const PAYMENT_BPMN = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="defs" targetNamespace="http://fiscal-bpm.org/test">
  <bpmn:process id="${PROCESS_KEY}" name="支付申请" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fill" />
    <bpmn:userTask id="fill" name="填报" fiscal:assignee="=initiator" />
    <bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="review" />
    <bpmn:userTask id="review" name="国库股审核" fiscal:candidateUsers="${REVIEWER}, ${CHIEF}, ${TREASURY_CLERK}" fiscal:readOnlyFields="amountFen" fiscal:hiddenFields="secretNote" />
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="panel" />
    <bpmn:userTask id="panel" name="会审" fiscal:assignee="=member">
      <bpmn:multiInstanceLoopCharacteristics fiscal:collection="${q(`=["${BUDGET}", "${DEPUTY}"]`)}" fiscal:elementVariable="member" fiscal:approvalPreset="all" />
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f4" sourceRef="panel" targetRef="decide" />
    <bpmn:userTask id="decide" name="局长审批" fiscal:assignee="${DIRECTOR}" fiscal:allowedOperations="approve,reject,return,transfer,delegate,addSigners,cc,urge" />
    <bpmn:sequenceFlow id="f5" sourceRef="decide" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

export async function deployPayment(t: TestServer): Promise<void> {
  await t.engine.deploy(PAYMENT_BPMN);
}

/** Starts a payment by `initiator` (default the school clerk) at their org; it waits at 填报. */
export async function startPayment(
  t: TestServer,
  initiator = SCHOOL_CLERK,
  variables: Record<string, unknown> = {},
): Promise<string> {
  const user = await t.services.orgs.getUser(initiator);
  const org = user ? await t.services.orgs.getOrg(user.orgCode) : undefined;
  const started = await t.engine.startInstance(PROCESS_KEY, {
    initiator,
    businessKey: `ZF-${Math.random().toString(36).slice(2, 10)}`,
    variables: { initiator, amountFen: 1_250_000, secretNote: '内部', ...variables },
    ...(org ? { org: { code: org.code, path: org.path } } : {}),
  });
  return started.id;
}

/** The open task of `elementId` in the instance (for `assignee` if given), once it exists. */
export async function openTask(
  t: TestServer,
  instanceId: string,
  elementId: string,
  assignee?: string,
): Promise<TaskRecord> {
  return waitFor(
    async () => {
      const tasks = await t.engine.listTasks({ instanceId, elementId });
      return tasks.find((x) => assignee === undefined || x.assignee === assignee);
    },
    `open task ${elementId}${assignee ? ` of ${assignee}` : ''} in ${instanceId}`,
  );
}

/** Starts a payment and submits the form: it waits at the treasury review. */
export async function toReview(
  t: TestServer,
  initiator = SCHOOL_CLERK,
): Promise<{ id: string; review: TaskRecord }> {
  const id = await startPayment(t, initiator);
  const fill = await openTask(t, id, 'fill');
  await t.engine.completeTask(fill.id, { actor: initiator });
  return { id, review: await openTask(t, id, 'review') };
}

/** The history rows of one type for one task. */
export async function historyOf(t: TestServer, instanceId: string, type: string, taskId?: string) {
  return (await t.engine.history(instanceId)).filter(
    (h) => h.type === type && (taskId === undefined || h.taskId === taskId),
  );
}

/** Asserts the ApiError shape with its code (and the field, when given). */
export function assertError(
  res: { status: number; body: { code?: unknown; message?: unknown; type?: unknown; details?: unknown } },
  status: number,
  code: string,
  field?: string,
): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.code, code, JSON.stringify(res.body));
  assert.equal(typeof res.body.message, 'string');
  assert.equal(typeof res.body.type, 'string');
  if (field !== undefined) {
    const details = res.body.details as { field?: string; issues?: { field: string }[] };
    const fields = [details?.field, ...(details?.issues ?? []).map((i) => i.field)];
    assert.ok(fields.includes(field), `expected ${field} in ${JSON.stringify(details)}`);
  }
}
