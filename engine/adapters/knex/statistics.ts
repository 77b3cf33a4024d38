/**
 * Aggregate reads for diagrams and dashboards: per element counts of tokens, open tasks, incidents and history
 * events, for all instances of one definition (流程统计) or for one instance (流程图状态). Grouping happens in SQL;
 * only the few return and flow rows of one instance are read to look inside their JSON.
 */
import type { Knex } from 'knex';
import type {
  DefinitionStatistics,
  DiagramState,
  ElementCounts,
  ElementStatistics,
} from '../../core/api-types.js';

/** Multi-instance body tokens carry this flag in their local variables; their inner tokens are what counts. */
const NOT_MULTI_INSTANCE_BODY = `(e.vars_json IS NULL OR e.vars_json NOT LIKE '%"$multiInstanceBody":true%')`;

export async function definitionStatistics(
  knex: Knex,
  definitionId: string,
): Promise<Omit<DefinitionStatistics, 'definitionId'>> {
  const ofDefinition = (q: Knex.QueryBuilder, alias: string) =>
    q.join('process_instances as i', 'i.id', `${alias}.instance_id`).where('i.definition_id', definitionId);
  const [statuses, tokens, tasks, incidents, completed] = await Promise.all([
    knex('process_instances')
      .select('status as k')
      .count('* as n')
      .where({ definition_id: definitionId })
      .groupBy('status'),
    ofDefinition(knex('executions as e'), 'e')
      .select('e.element_id as k')
      .count('* as n')
      .whereRaw(NOT_MULTI_INSTANCE_BODY)
      .groupBy('e.element_id'),
    ofDefinition(knex('user_tasks as t'), 't')
      .select('t.element_id as k')
      .count('* as n')
      .whereIn('t.state', ['routing', 'created', 'suspended'])
      .groupBy('t.element_id'),
    ofDefinition(knex('incidents as x'), 'x')
      .select('x.element_id as k')
      .count('* as n')
      .where('x.state', 'open')
      .groupBy('x.element_id'),
    ofDefinition(knex('history_events as h'), 'h')
      .select('h.element_id as k')
      .count('* as n')
      .where('h.type', 'ELEMENT_COMPLETED')
      .whereNotNull('h.element_id')
      .groupBy('h.element_id'),
  ]);
  const counts = {
    instances: toCounts(tokens),
    openTasks: toCounts(tasks),
    incidents: toCounts(incidents),
    completed: toCounts(completed),
  };
  const ids = new Set(Object.values(counts).flatMap((c) => Object.keys(c)));
  const elements: ElementStatistics[] = [...ids].sort().map((elementId) => ({
    elementId,
    instances: own(counts.instances, elementId),
    openTasks: own(counts.openTasks, elementId),
    incidents: own(counts.incidents, elementId),
    completed: own(counts.completed, elementId),
  }));
  return { instancesByStatus: toCounts(statuses), elements };
}

export async function diagramState(knex: Knex, instanceId: string): Promise<DiagramState> {
  const history = () => knex('history_events').where({ instance_id: instanceId });
  const [tokens, incidents, completed, terminated, returns, flows] = await Promise.all([
    knex('executions as e')
      .select('e.element_id as k')
      .count('* as n')
      .where('e.instance_id', instanceId)
      .whereRaw(NOT_MULTI_INSTANCE_BODY)
      .groupBy('e.element_id'),
    knex('incidents')
      .select('element_id as k')
      .count('* as n')
      .where({ instance_id: instanceId, state: 'open' })
      .groupBy('element_id'),
    history()
      .select('element_id as k')
      .count('* as n')
      .where({ type: 'ELEMENT_COMPLETED' })
      .whereNotNull('element_id')
      .groupBy('element_id'),
    history()
      .select('element_id as k')
      .count('* as n')
      .where({ type: 'ELEMENT_TERMINATED' })
      .whereNotNull('element_id')
      .groupBy('element_id'),
    history().select('element_id', 'data_json').whereIn('type', ['TASK_RETURNED', 'TASK_REJECTED']),
    history().select('data_json').where({ type: 'FLOW_TAKEN' }),
  ]);
  const returned = new Map<string, number>();
  const returnedTo = new Map<string, number>();
  for (const row of returns as { element_id: string | null; data_json: string | null }[]) {
    const target = dataOf(row.data_json).target;
    // a rejection without a target ends the instance: it is no return
    if (typeof target !== 'string') continue;
    if (row.element_id) bump(returned, row.element_id);
    bump(returnedTo, target);
  }
  const sequenceFlowsTaken = new Map<string, number>();
  for (const row of flows as { data_json: string | null }[]) {
    const flowId = dataOf(row.data_json).flowId;
    if (typeof flowId === 'string') bump(sequenceFlowsTaken, flowId);
  }
  return {
    completed: toCounts(completed),
    active: toCounts(tokens),
    incidents: toCounts(incidents),
    returned: Object.fromEntries(returned),
    returnedTo: Object.fromEntries(returnedTo),
    terminated: toCounts(terminated),
    sequenceFlowsTaken: Object.fromEntries(sequenceFlowsTaken),
  };
}

/** Grouped `k, n` rows as a plain object (built with fromEntries, so an id like `constructor` is just a key). */
function toCounts(rows: unknown): ElementCounts {
  return Object.fromEntries((rows as { k: unknown; n: unknown }[]).map((r) => [String(r.k), Number(r.n)]));
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function own(counts: ElementCounts, key: string): number {
  return Object.hasOwn(counts, key) ? counts[key]! : 0;
}

function dataOf(json: string | null): Record<string, unknown> {
  if (json === null) return {};
  const parsed: unknown = JSON.parse(json);
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
}
