/**
 * Shared steps of the non-tax process tests: a test server with every diagram of processes/non-tax-revenue
 * deployed and the demo catalogue seeded, and the moves a test makes (issue a notice, pay it as the bank, wait
 * for a step's task, complete it).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TaskRecord } from '../../../engine/index.js';
import { seedNonTaxDemo } from '../../../processes/non-tax-revenue/demo-seed.js';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';
import { waitFor, type Backend, type TestClock } from '../../helpers/engine-harness.js';

export const PROCESS_DIR = fileURLToPath(new URL('../../../processes/non-tax-revenue/', import.meta.url));

/** Every diagram of the folder. */
export function nonTaxDiagrams(): { file: string; xml: string }[] {
  return readdirSync(PROCESS_DIR)
    .filter((f) => f.endsWith('.bpmn'))
    .sort()
    .map((file) => ({ file, xml: readFileSync(join(PROCESS_DIR, file), 'utf8') }));
}

export async function createNonTaxServer(backend: Backend, clock: TestClock): Promise<TestServer> {
  const t = await createTestServer(backend, { clock });
  await seedNonTaxDemo(t.services.knex);
  for (const { xml } of nonTaxDiagrams()) await t.engine.deploy(xml);
  return t;
}

/** The open task of an instance at a step, once routed. */
export async function taskAt(t: TestServer, instanceId: string, elementId: string): Promise<TaskRecord> {
  return waitFor(
    async () =>
      (await t.engine.listTasks({ instanceId })).find(
        (task) => task.elementId === elementId && task.state === 'created',
      ),
    `a task at ${elementId}`,
  );
}

/** Every open task of an instance at a step, once `count` are there. */
export async function tasksAt(
  t: TestServer,
  instanceId: string,
  elementId: string,
  count: number,
): Promise<TaskRecord[]> {
  return waitFor(async () => {
    const open = (await t.engine.listTasks({ instanceId })).filter(
      (task) => task.elementId === elementId && task.state === 'created',
    );
    return open.length === count ? open : undefined;
  }, `${count} task(s) at ${elementId}`);
}

/** Completes the open task at a step as `actor`. */
export async function completeAt(
  t: TestServer,
  instanceId: string,
  elementId: string,
  actor: string,
  variables: Record<string, unknown> = {},
  comment?: string,
): Promise<TaskRecord> {
  const task = await taskAt(t, instanceId, elementId);
  await t.engine.completeTask(task.id, { actor, variables, ...(comment ? { comment } : {}) });
  return task;
}

/** Waits until the instance is waiting at (one of) the element(s). */
export async function reaches(t: TestServer, instanceId: string, elementId: string): Promise<void> {
  await waitFor(
    async () => (await t.engine.getInstance(instanceId)).activeElementIds.includes(elementId),
    `instance ${instanceId} at ${elementId}`,
  );
}

/** Waits until the instance has ended; returns its variables. */
export async function ended(t: TestServer, instanceId: string): Promise<Record<string, unknown>> {
  const view = await waitFor(async () => {
    const v = await t.engine.getInstance(instanceId);
    return v.status !== 'running' ? v : undefined;
  }, `instance ${instanceId} to end`);
  return view.variables;
}

/** Starts a collection as a unit clerk and waits for the notice (its variables once it waits for payment). */
export async function issueNotice(
  t: TestServer,
  clerk: string,
  lines: { itemCode: string; quantity?: number; baseFen?: number }[],
  payerName = '王五',
): Promise<{ instanceId: string; noticeNo: string; paymentCode: string; payableFen: number }> {
  const user = await t.services.orgs.getUser(clerk);
  const org = await t.services.orgs.getOrg(user!.orgCode);
  const instance = await t.engine.startInstance('nonTaxCollection', {
    initiator: clerk,
    org: { code: org!.code, path: org!.path },
    variables: { payerName, payerPhone: '13800000000', lines },
  });
  await reaches(t, instance.id, 'C3_dueTimer');
  const v = (await t.engine.getInstance(instance.id)).variables;
  return {
    instanceId: instance.id,
    noticeNo: String(v.noticeNo),
    paymentCode: String(v.paymentCode),
    payableFen: Number(v.payableFen),
  };
}

/** The bank front-end's payment callback: POST /api/message with a service account holding process_admin. */
export async function bankPays(
  t: TestServer,
  paymentCode: string,
  paidFen: number,
  bankSerialNo: string,
  paidAt: string,
): Promise<{ outcome: string; processInstanceId: string | null }> {
  const bank = await t.as('henan.admin');
  const res = await bank.post('/api/message').send({
    messageName: 'nonTaxPayment',
    correlationKey: paymentCode,
    messageId: bankSerialNo,
    variables: { bankSerialNo, paidFen, paidAt, payerName: '王五', bankOrgCode: '410122-YH-102' },
  });
  if (res.status !== 200)
    throw new Error(`POST /api/message answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as { outcome: string; processInstanceId: string | null };
}
