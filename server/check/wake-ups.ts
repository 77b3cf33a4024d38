/**
 * I1: every waiting token of a running instance has exactly one pending wake-up, or an explicit open incident.
 *
 * What wakes a token depends on the element it waits at (engine/core/runtime/behaviors/):
 * - user task: its open task (routing, created or suspended; 加签 signer tasks ride on the main one);
 * - service task: a pending `service` job of the element;
 * - intermediate catch event, receive task: a pending `timer` job or a subscription of the element;
 * - call activity: the pending `call` job, then the running child instance, then the child's `child-event` job;
 * - event-based gateway: the token waits at the gateway while the events after it listen, so ≥ 1 timer or
 *   subscription owned by the token (for those events, not the gateway) is needed;
 * - anything else: any task, job or subscription of the token's own element.
 * Boundary timers and subscriptions are owned by the token but carry the boundary's element id, so only the
 * token's own element counts. `joining` tokens need nothing (the last arrival fires the join); a `scope` (sub-process
 * or multi-instance body) needs at least one child token; an `incident` token needs its open incident; and a
 * running instance needs at least one token.
 */
import type { Knex } from 'knex';
import { loadModel } from '../../engine/index.js';
import type { Invariant, Row, Violation } from './types.js';

const OPEN_TASK_STATES = ['routing', 'created', 'suspended'];

interface Owned {
  tasks: Row[];
  jobs: Row[];
  subscriptions: Row[];
  children: Row[];
  incidents: Row[];
}

export const wakeUps: Invariant = {
  name: 'I1',
  title: 'every waiting token of a running instance has exactly one pending wake-up or an open incident',
  async check(knex) {
    const running = () => knex('process_instances').select('id').where({ status: 'running' });
    const instances: Row[] = await knex('process_instances')
      .select('id', 'definition_id')
      .where({ status: 'running' });
    const executions: Row[] = await knex('executions')
      .select('id', 'instance_id', 'parent_id', 'element_id', 'state')
      .whereIn('instance_id', running());
    const owned = new Map<string, Owned>();
    const of = (executionId: unknown): Owned => {
      const key = String(executionId);
      let entry = owned.get(key);
      if (!entry) {
        entry = { tasks: [], jobs: [], subscriptions: [], children: [], incidents: [] };
        owned.set(key, entry);
      }
      return entry;
    };
    for (const t of await knex('user_tasks')
      .select('id', 'execution_id', 'element_id', 'signer_of')
      .whereIn('state', OPEN_TASK_STATES)
      .whereIn('instance_id', running()))
      of(t.execution_id).tasks.push(t);
    for (const j of await knex('jobs')
      .select('id', 'execution_id', 'element_id', 'kind')
      .where({ state: 'pending' })
      .whereNotNull('execution_id')
      .whereIn('instance_id', running()))
      of(j.execution_id).jobs.push(j);
    for (const s of await knex('event_subscriptions')
      .select('id', 'execution_id', 'element_id')
      .whereNotNull('execution_id')
      .whereIn('instance_id', running()))
      of(s.execution_id).subscriptions.push(s);
    for (const c of await knex('process_instances')
      .select('id', 'parent_execution_id')
      .where({ status: 'running' })
      .whereNotNull('parent_execution_id'))
      of(c.parent_execution_id).children.push(c);
    for (const i of await knex('incidents')
      .select('id', 'execution_id')
      .where({ state: 'open' })
      .whereIn('instance_id', running()))
      of(i.execution_id).incidents.push(i);

    const kinds = await elementKinds(knex, instances);
    const definitionOf = new Map(instances.map((i) => [String(i.id), String(i.definition_id)]));
    const childCount = new Map<string, number>();
    const tokenCount = new Map<string, number>();
    for (const e of executions) {
      if (e.parent_id != null)
        childCount.set(String(e.parent_id), (childCount.get(String(e.parent_id)) ?? 0) + 1);
      tokenCount.set(String(e.instance_id), (tokenCount.get(String(e.instance_id)) ?? 0) + 1);
    }

    const violations: Violation[] = [];
    for (const instance of instances) {
      if (!tokenCount.get(String(instance.id)))
        violations.push({
          ids: { instanceId: String(instance.id) },
          message: 'the instance is running but has no token left',
        });
    }
    for (const e of executions) {
      const ids = {
        instanceId: String(e.instance_id),
        executionId: String(e.id),
        elementId: String(e.element_id),
      };
      const mine = owned.get(String(e.id)) ?? {
        tasks: [],
        jobs: [],
        subscriptions: [],
        children: [],
        incidents: [],
      };
      const state = String(e.state);
      if (state === 'joining') continue;
      if (state === 'incident') {
        if (mine.incidents.length === 0)
          violations.push({
            ids,
            message: 'the token is parked on an incident, but no open incident names it',
          });
        continue;
      }
      if (state === 'scope') {
        if (!childCount.get(String(e.id)) && mine.incidents.length === 0)
          violations.push({
            ids,
            message: 'the scope (sub-process or multi-instance body) has no token inside',
          });
        continue;
      }
      if (state !== 'waiting') {
        violations.push({
          ids,
          message: `the token was committed in state "${state}", which nothing resumes`,
        });
        continue;
      }
      if (mine.incidents.length > 0) continue;
      const problem = judgeWaiting(
        kinds.get(definitionOf.get(String(e.instance_id)) ?? '')?.get(String(e.element_id)),
        String(e.element_id),
        mine,
      );
      if (problem) violations.push({ ids: { ...ids, ...problem.ids }, message: problem.message });
    }
    return violations;
  },
};

/** What is wrong with a waiting token's wake-ups, or null when it has exactly one. */
function judgeWaiting(
  element: ElementInfo | undefined,
  elementId: string,
  mine: Owned,
): { ids?: Record<string, string>; message: string } | null {
  const own = (rows: Row[]) => rows.filter((r) => String(r.element_id) === elementId);
  const ownJobs = (kind: string) => own(mine.jobs).filter((j) => j.kind === kind);
  const idsOf = (rows: Row[]) => rows.map((r) => String(r.id)).join(',');
  const exactlyOne = (what: string, rows: Row[], idKey: string) => {
    if (rows.length === 1) return null;
    if (rows.length === 0)
      return {
        message: `the token waits at ${what}, but nothing will wake it (no ${idKey.replace(/Ids?$/, '')})`,
      };
    return { ids: { [idKey]: idsOf(rows) }, message: `the token has ${rows.length} wake-ups instead of one` };
  };
  switch (element?.kind) {
    case 'userTask':
      return exactlyOne(
        'a user task',
        own(mine.tasks).filter((t) => t.signer_of == null),
        'taskIds',
      );
    case 'serviceTask':
      return exactlyOne('a service task', ownJobs('service'), 'jobIds');
    case 'intermediateCatchEvent':
    case 'receiveTask':
      return exactlyOne('a catch event', [...ownJobs('timer'), ...own(mine.subscriptions)], 'jobIds');
    case 'callActivity': {
      const calls = ownJobs('call');
      const results = mine.jobs.filter((j) => j.kind === 'child-event');
      if (calls.length + mine.children.length + results.length === 0)
        return {
          message:
            'the token waits at a call activity, but there is no call job, no running child and no child result',
        };
      if (calls.length > 1 || mine.children.length > 1)
        return {
          ids: { jobIds: idsOf(calls), childInstanceIds: idsOf(mine.children) },
          message: 'the call activity has more than one call job or running child',
        };
      return null;
    }
    case 'eventBasedGateway': {
      const listening = [...mine.jobs.filter((j) => j.kind === 'timer'), ...mine.subscriptions].filter((r) =>
        element.targets.includes(String(r.element_id)),
      );
      return listening.length > 0
        ? null
        : { message: 'the token waits at an event-based gateway, but none of the events after it listens' };
    }
    default: {
      const any = own(mine.tasks).length + own(mine.jobs).length + own(mine.subscriptions).length;
      return any + mine.children.length > 0
        ? null
        : { message: 'the token waits, but no task, job, subscription or child instance will wake it' };
    }
  }
}

type ElementInfo = { readonly kind: string; readonly targets: readonly string[] };

/** Per definition id: element id → the element's kind (and, for event-based gateways, the events after it). */
async function elementKinds(knex: Knex, instances: Row[]): Promise<Map<string, Map<string, ElementInfo>>> {
  const definitionIds = [...new Set(instances.map((i) => String(i.definition_id)))];
  const byDefinition = new Map<string, Map<string, ElementInfo>>();
  for (let i = 0; i < definitionIds.length; i += 200) {
    const rows: Row[] = await knex('process_definitions')
      .select('id', 'process_key', 'xml')
      .whereIn('id', definitionIds.slice(i, i + 200));
    for (const row of rows) {
      const loaded = await loadModel(String(row.xml), { maxBytes: Number.MAX_SAFE_INTEGER });
      const process = loaded.ok ? loaded.model.processes[String(row.process_key)] : undefined;
      if (!process) continue;
      const elements = new Map<string, ElementInfo>();
      for (const element of Object.values(process.elements)) {
        elements.set(element.id, {
          kind: element.kind,
          targets: element.outgoing.map((f) => process.flows[f]?.targetId ?? ''),
        });
      }
      byDefinition.set(String(row.id), elements);
    }
  }
  return byDefinition;
}
