/**
 * A treasury-like payment for the web tests, routed on the demo directory of 中牟县 with `fiscal:` rules:
 * 填报 by the initiator (a school clerk) → 国库股审核 (reviewer or chief of the county treasury division, 意见
 * required) → amounts of 5万元 and more go to 市级复核 (the city treasury reviewer, one level up; after a 退回 and
 * the fix the work comes straight back to it) → 分管领导审批 (the county finance deputy director) → end.
 * The diagram is laid out with bpmn-auto-layout so the viewer can draw it.
 */
import { layoutProcess } from 'bpmn-auto-layout';
import type { TestServer } from '../helpers/server-harness.js';

export const PAYMENT_KEY = 'webPayment';
export const CLERK = 'zhongmou.school1.clerk';
export const REVIEWER = 'zhongmou.treasury.reviewer';
export const CHIEF = 'zhongmou.treasury.chief';
export const CITY = 'zhengzhou.treasury.reviewer';
export const DEPUTY = 'zhongmou.finance.deputy';
export const MANAGER = 'zhongmou.finance.director';
export const BUDGET = 'zhongmou.budget.reviewer';

const XML = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="defs" targetNamespace="http://fiscal-bpm.org/test">
  <bpmn:process id="${PAYMENT_KEY}" name="国库集中支付申请" isExecutable="true">
    <bpmn:startEvent id="start" name="发起" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fill" />
    <bpmn:userTask id="fill" name="经办人填报" fiscal:assignee="=initiator" />
    <bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="countyReview" />
    <bpmn:userTask id="countyReview" name="国库股审核" fiscal:candidateRoles="reviewer,chief" fiscal:orgScope="financeBureau" fiscal:divisionType="treasury" fiscal:commentRequired="true" fiscal:readOnlyFields="payee" fiscal:dueIn="P2D" />
    <bpmn:sequenceFlow id="f3" sourceRef="countyReview" targetRef="amountGate" />
    <bpmn:exclusiveGateway id="amountGate" name="金额" default="fSmall" />
    <bpmn:sequenceFlow id="fLarge" name="≥5万元" sourceRef="amountGate" targetRef="cityReview">
      <bpmn:conditionExpression xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="bpmn:tFormalExpression">=amountFen &gt;= 5000000</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="fSmall" sourceRef="amountGate" targetRef="deputyApprove" />
    <bpmn:userTask id="cityReview" name="市级复核" fiscal:candidateRoles="reviewer" fiscal:orgScope="financeParent" fiscal:divisionType="treasury" fiscal:resubmitStrategy="direct" fiscal:readOnlyFields="payee,amountFen" />
    <bpmn:sequenceFlow id="f4" sourceRef="cityReview" targetRef="deputyApprove" />
    <bpmn:userTask id="deputyApprove" name="分管领导审批" fiscal:candidateRoles="deputy_director" fiscal:orgScope="financeBureau" fiscal:hiddenFields="internalNote" />
    <bpmn:sequenceFlow id="f5" sourceRef="deputyApprove" targetRef="end" />
    <bpmn:endEvent id="end" name="完成" />
  </bpmn:process>
</bpmn:definitions>`;

let laidOut: Promise<string> | undefined;

/** The BPMN with diagram interchange (laid out once per process). */
export function paymentXml(): Promise<string> {
  laidOut ??= layoutProcess(XML);
  return laidOut;
}

export async function deployPayment(t: TestServer): Promise<void> {
  await t.engine.deploy(await paymentXml(), { deployedBy: 'henan.admin' });
}

/** Starts a payment as `initiator` at their org, through the API (as the web app does). */
export async function startPaymentApi(t: TestServer, amountFen: number, initiator = CLERK): Promise<string> {
  const res = await (await t.as(initiator)).post(`/api/process-definition/key/${PAYMENT_KEY}/start`).send({
    businessKey: `ZF-${Math.random().toString(36).slice(2, 10).toUpperCase()}`,
    variables: { initiator, title: '办公设备采购', payee: '郑州某公司', amountFen, internalNote: '内部备注' },
  });
  if (res.status !== 200) throw new Error(`start failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}
