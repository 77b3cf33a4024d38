/**
 * The chaos test process (test/fixtures/chaos-storm.bpmn) driven through the HTTP API of a chaos cluster: deploy
 * it as the province admin, start instances as a county school clerk (the initiator, who holds both user tasks),
 * find and complete their tasks, and read outcomes straight from the database.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import type { ChaosApiClient } from './api-client.js';

export const STORM_PROCESS_KEY = 'chaosStorm';
/** A county school clerk: the instance's initiator, and the holder of `fill` and `confirm`. */
export const STORM_USER = 'zhongmou.school1.clerk';
const DESIGNER = 'henan.admin';
const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'chaos-storm.bpmn');

export interface StormTask {
  readonly id: string;
  readonly taskDefinitionKey: string;
  readonly state: string;
  readonly processInstanceId: string;
}

export async function deployStormProcess(api: ChaosApiClient): Promise<void> {
  const response = await api.as(DESIGNER, 'POST', '/api/deployment/create', {
    xml: readFileSync(FIXTURE, 'utf8'),
  });
  if (response.status !== 200 && response.status !== 201)
    throw new Error(`deploying chaos-storm.bpmn: ${response.status} ${JSON.stringify(response.body)}`);
}

export async function startStormInstance(api: ChaosApiClient, businessKey: string): Promise<string> {
  const response = await api.as<{ id: string }>(
    STORM_USER,
    'POST',
    `/api/process-definition/key/${STORM_PROCESS_KEY}/start`,
    { body: { businessKey } },
  );
  if (response.status !== 200)
    throw new Error(`start ${businessKey}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.id;
}

/** The instance's open, routed task at `elementId`, or undefined (read from the database). */
export async function openTask(
  knex: Knex,
  instanceId: string,
  elementId: string,
): Promise<{ id: string; state: string } | undefined> {
  const row = (await knex('user_tasks')
    .where({ instance_id: instanceId, element_id: elementId, state: 'created' })
    .first('id', 'state')) as { id: string; state: string } | undefined;
  return row;
}

/** Polls until the instance has an open task at `elementId`; returns its id. */
export async function waitForOpenTask(
  knex: Knex,
  instanceId: string,
  elementId: string,
  timeoutMs = 30_000,
): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const task = await openTask(knex, instanceId, elementId);
    if (task) return task.id;
    if (Date.now() > until)
      throw new Error(`no open ${elementId} task in ${instanceId} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** History rows saying the task was completed (exactly one after a completion, none before). */
export async function completionRows(knex: Knex, taskId: string): Promise<number> {
  const [row] = (await knex('history_events')
    .where({ task_id: taskId, type: 'TASK_COMPLETED' })
    .count({ n: '*' })) as Array<{ n: number | string }>;
  return Number(row?.n ?? 0);
}

export async function taskState(knex: Knex, taskId: string): Promise<string | undefined> {
  const row = (await knex('user_tasks').where({ id: taskId }).first('state')) as
    { state: string } | undefined;
  return row?.state;
}
