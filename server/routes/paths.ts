/**
 * Route: the remaining path (剩余路径) of a running instance: the steps still ahead of the tokens and who is
 * likely to approve each, predicted from the diagram (the compiled model of the instance's definition), the
 * current variables (gateway conditions are evaluated where they can be; otherwise every branch is listed and
 * marked uncertain) and the assignment rules (candidate roles and org scope resolved through the org directory
 * with the same router the engine uses; when that finds nobody, the rule itself is named, e.g. 审核人@本级财政).
 * A prediction, not a promise: data changed later, out-of-office agents or 加签 may change who acts.
 * Scope-checked like every instance read (404 outside the caller's scope).
 */
import { z } from 'zod';
import { defineRoute, type RouteSpec } from '../http/route.js';
import { loadModel } from '../../engine/index.js';
import type { ExecutableElement, ExecutableProcess } from '../../engine/core/model/types.js';
import { evaluateCondition, evaluateExpression } from '../../engine/core/expr/feel.js';
import { OrgTaskRouter } from '../../processes/org/org-task-router.js';
import { ROLE_LABELS, isRole } from '../../processes/org/roles.js';
import type { AppServices } from '../services.js';
import { visibleInstance } from './views/instance-query.js';

const PersonSchema = z.object({
  userId: z.string(),
  name: z.string().nullable(),
  orgCode: z.string().nullable(),
  orgName: z.string().nullable(),
});

const StepSchema = z
  .object({
    activityId: z.string(),
    name: z.string().nullable(),
    type: z.string().describe('Element kind: userTask, serviceTask, endEvent …'),
    certain: z
      .boolean()
      .describe('False when the step lies behind a gateway whose conditions could not be evaluated now'),
    approvers: z.array(PersonSchema).describe('Who is likely to act (user tasks); empty when unresolvable'),
    rule: z
      .object({
        candidateRoles: z.array(z.string()),
        orgScope: z.string().nullable(),
        divisionType: z.string().nullable(),
        label: z.string().describe('The rule in words, e.g. 审核人 @ financeBureau'),
      })
      .nullable()
      .describe('The assignment rule of a user task'),
    countersign: z.boolean().describe('A multi-instance (会签/或签) step'),
    note: z.string().nullable(),
  })
  .describe('RemainingStep');

const CurrentSchema = z
  .object({
    activityId: z.string(),
    name: z.string().nullable(),
    type: z.string(),
    commentRequired: z.boolean().describe('意见 required to approve, reject or return here'),
    allowedOperations: z.array(z.string()),
    formKey: z.string().nullable(),
  })
  .describe('CurrentStep');

const RemainingPathSchema = z
  .object({
    processInstanceId: z.string(),
    ended: z.boolean(),
    current: z.array(CurrentSchema),
    steps: z.array(StepSchema),
  })
  .describe('RemainingPath');

type Step = z.input<typeof StepSchema>;

const MAX_STEPS = 200;

const remainingPath = defineRoute({
  method: 'get',
  path: '/process-instance/{id}/remaining-path',
  summary: 'The steps still ahead of a running instance and who is likely to approve them (剩余路径)',
  description:
    'Walks the diagram forward from the active elements. Exclusive and inclusive gateways are decided with the ' +
    'current variables where the conditions evaluate; otherwise every branch is listed with `certain: false`. ' +
    'User-task approvers are resolved from the assignment rule (roles, org scope, division) relative to the ' +
    'initiator; when nobody is found the rule is named instead. Only instances the caller may see (404 otherwise).',
  tags: ['Process Instance'],
  access: 'user',
  params: z.object({ id: z.string().min(1).max(64) }),
  response: RemainingPathSchema,
  handler: async ({ params, principal, services }) => {
    const record = await visibleInstance(services, principal, params.id);
    const view = await services.engine.getInstance(record.id);
    const xml = await services.engine.getDefinitionXml(record.definitionId);
    const loaded = await loadModel(xml, { maxBytes: Infinity });
    const process = loaded.ok ? loaded.model.processes[record.processKey] : undefined;
    if (!process || view.status !== 'running')
      return { processInstanceId: record.id, ended: view.status !== 'running', current: [], steps: [] };

    const current = view.activeElementIds
      .map((id) => process.elements[id])
      .filter((e): e is ExecutableElement => !!e)
      .map((e) => ({
        activityId: e.id,
        name: e.name ?? null,
        type: e.kind,
        commentRequired: e.approval?.commentRequired ?? false,
        allowedOperations: [...(e.approval?.allowedOperations ?? [])],
        formKey: e.assignment?.formKey ?? null,
      }));
    const ahead = walkAhead(process, view.activeElementIds, view.variables);
    const steps: Step[] = [];
    for (const { element, certain } of ahead)
      steps.push(await describeStep(services, element, certain, view.variables, view.initiator, record.id));
    return { processInstanceId: record.id, ended: false, current, steps };
  },
});

/** Breadth-first from the outgoing flows of the active elements; each element once, in the order reached. */
function walkAhead(
  process: ExecutableProcess,
  activeIds: readonly string[],
  variables: Record<string, unknown>,
): { element: ExecutableElement; certain: boolean }[] {
  const seen = new Set<string>(activeIds);
  const out: { element: ExecutableElement; certain: boolean }[] = [];
  const queue: { id: string; certain: boolean }[] = [];
  const follow = (from: ExecutableElement, certain: boolean) => {
    for (const next of nextFlows(process, from, variables))
      queue.push({ id: process.flows[next.flowId]!.targetId, certain: certain && next.certain });
  };
  for (const id of activeIds) {
    const element = process.elements[id];
    if (element) follow(element, true);
  }
  while (queue.length > 0 && out.length < MAX_STEPS) {
    const { id, certain } = queue.shift()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const element = process.elements[id];
    if (!element) continue;
    if (!element.kind.endsWith('Gateway') || element.kind === 'eventBasedGateway')
      out.push({ element, certain });
    follow(element, certain);
  }
  return out;
}

/** The flows a token would take out of an element, with whether that is known for sure. */
function nextFlows(
  process: ExecutableProcess,
  element: ExecutableElement,
  variables: Record<string, unknown>,
): { flowId: string; certain: boolean }[] {
  const flows = element.outgoing.map((id) => process.flows[id]).filter((f) => !!f);
  const decides = element.kind === 'exclusiveGateway' || element.kind === 'inclusiveGateway';
  const conditional = flows.filter((f) => f.condition);
  if (!decides && conditional.length === 0) return flows.map((f) => ({ flowId: f.id, certain: true }));

  const results = conditional.map((f) => ({
    flow: f,
    result: evaluateCondition(f.condition!.source, variables),
  }));
  if (results.some((r) => !r.result.ok))
    // a condition cannot be decided now: every branch is possible
    return flows.map((f) => ({ flowId: f.id, certain: false }));
  const taken = results.filter((r) => r.result.ok && r.result.value).map((r) => r.flow.id);
  const unconditional = flows.filter((f) => !f.condition && f.id !== element.defaultFlowId).map((f) => f.id);
  let chosen: string[];
  if (element.kind === 'exclusiveGateway') chosen = taken.slice(0, 1);
  else chosen = [...taken, ...unconditional];
  if (chosen.length === 0 && element.defaultFlowId) chosen = [element.defaultFlowId];
  if (element.kind !== 'exclusiveGateway' && element.kind !== 'inclusiveGateway')
    chosen = [...new Set([...chosen, ...unconditional])];
  return chosen.map((id) => ({ flowId: id, certain: true }));
}

async function describeStep(
  services: AppServices,
  element: ExecutableElement,
  certain: boolean,
  variables: Record<string, unknown>,
  initiator: string | null,
  instanceId: string,
): Promise<Step> {
  const base: Step = {
    activityId: element.id,
    name: element.name ?? null,
    type: element.kind,
    certain,
    approvers: [],
    rule: null,
    countersign: !!element.multiInstance,
    note: null,
  };
  const a = element.assignment;
  if (element.kind !== 'userTask' || !a) return base;
  const roles = [...(a.candidateRoles ?? [])];
  const rule =
    roles.length > 0 || a.orgScope
      ? {
          candidateRoles: roles,
          orgScope: a.orgScope ?? null,
          divisionType: a.divisionType ?? null,
          label: `${roles.map((r) => (isRole(r) ? ROLE_LABELS[r] : r)).join('/')}${a.orgScope ? ` @ ${a.orgScope}` : ''}${a.divisionType ? ` (${a.divisionType})` : ''}`,
        }
      : null;
  const users = new Set<string>();
  const addValue = (v: unknown) => {
    if (typeof v === 'string' && v) users.add(v);
    else if (Array.isArray(v)) v.forEach(addValue);
  };
  let note: string | null = null;
  if (a.assignee) {
    if ('literal' in a.assignee) users.add(a.assignee.literal);
    else {
      const r = evaluateExpression(a.assignee.source, variables);
      if (r.ok) addValue(r.value);
      else note = `办理人由表达式 ${a.assignee.source} 决定，暂无法确定`;
    }
  }
  if (a.candidateUsers) {
    if ('literal' in a.candidateUsers) a.candidateUsers.literal.forEach((u) => users.add(u));
    else {
      const r = evaluateExpression(a.candidateUsers.source, variables);
      if (r.ok) addValue(r.value);
      else note = `候选人由表达式 ${a.candidateUsers.source} 决定，暂无法确定`;
    }
  }
  let orgScope = a.orgScope ?? 'initiatorUnit';
  if (orgScope.startsWith('=')) {
    const r = evaluateExpression(orgScope.slice(1), variables);
    orgScope = r.ok && typeof r.value === 'string' ? `org:${r.value}` : '';
  }
  if (users.size === 0 && roles.length > 0 && initiator && orgScope) {
    try {
      const routed = await new OrgTaskRouter(services.orgs).resolve({
        instanceId,
        processKey: '',
        elementId: element.id,
        initiator,
        candidateRoles: roles,
        orgScope,
        ...(a.divisionType ? { divisionType: a.divisionType } : {}),
        at: services.now(),
      });
      routed.users.forEach((u) => users.add(u));
      if (routed.users.length === 0) note = `按规则 ${rule?.label ?? ''} 暂未找到办理人`;
    } catch (err) {
      note = `按规则 ${rule?.label ?? ''} 无法确定办理人：${(err as Error).message}`;
    }
  }
  const approvers = [];
  for (const id of users) {
    const user = await services.orgs.getUser(id);
    const org = user ? await services.orgs.getOrg(user.orgCode) : undefined;
    approvers.push({
      userId: id,
      name: user?.name ?? null,
      orgCode: user?.orgCode ?? null,
      orgName: org?.name ?? null,
    });
  }
  return { ...base, approvers, rule, note };
}

export const pathRoutes: RouteSpec[] = [remainingPath];
