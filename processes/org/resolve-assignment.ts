/**
 * Resolves a user task's assignment rule to candidate users through the org directory (DESIGN §4): the org
 * scope relative to the instance picks an org, `divisionType` optionally picks the division(s) of that type
 * inside it, and the users holding any candidate role there are the candidates.
 *
 * Decisions this module makes:
 * - `financeBureau` is the finance bureau at the initiator's level; `financeParent` the bureau one level up via
 *   `finance_parent` (a 省直管县 skips its city and reaches the province); `province` is the province's finance
 *   bureau (财政厅), since approvals there sit in the bureau; `org:<code>` names any org.
 * - Roles are searched exactly at the target org(s), not in their subtrees: a rule on a bureau finds the
 *   bureau's own role holders, a rule with a division type finds the division's.
 * - Out-of-office users are replaced by their acting agent (agent-chain.ts), not listed beside them: an absent
 *   user's inbox is not read, and listing both would let the task sit there. The swap is reported in
 *   `substitutions` for the audit trail. An absent user with no usable agent stays a candidate.
 * - Nobody found is an empty `users` list, not an error: the caller applies its policy (escalate, admin,
 *   incident). The same goes for "approver = initiator": the initiator is not removed here.
 * - A malformed rule (unknown scope or division type, no roles) throws: that is a diagram error, and the caller
 *   turns it into an incident.
 */
import { DIVISION_TYPE_LABELS, type Org } from './org.js';
import type { OrgDirectory } from './org-directory.js';

/** An org scope relative to the instance, parsed from the rule's `orgScope` text. */
export type OrgScope =
  | { readonly kind: 'initiatorUnit' }
  | { readonly kind: 'initiatorDepartment' }
  | { readonly kind: 'financeBureau' }
  | { readonly kind: 'financeParent' }
  | { readonly kind: 'province' }
  | { readonly kind: 'org'; readonly code: string };

/** The scopes without an argument; `org:<code>` is the one with. */
export const RELATIVE_ORG_SCOPES = [
  'initiatorUnit',
  'initiatorDepartment',
  'financeBureau',
  'financeParent',
  'province',
] as const;

/** A task's assignment rule (the `fiscal:` extension attributes). */
export interface AssignmentRule {
  readonly candidateRoles: readonly string[];
  /** One of RELATIVE_ORG_SCOPES or `org:<code>`. */
  readonly orgScope: string;
  /** A DivisionType: pick the division(s) of this type inside the scope's org (e.g. `treasury`). */
  readonly divisionType?: string;
}

/** What the rule is resolved relative to. */
export interface AssignmentInstance {
  readonly initiator: string;
  readonly initiatorOrgCode: string;
  /** Validity time of orgs and delegations (the routing time from the engine's clock). */
  readonly at: Date;
}

/** An absent user replaced by the agent acting for them. */
export interface Substitution {
  readonly userId: string;
  readonly agentId: string;
}

/** The candidates, the orgs searched (for audit) and the agent substitutions made. */
export interface ResolvedCandidates {
  readonly users: string[];
  readonly orgCodes: string[];
  readonly substitutions: Substitution[];
}

/** The directory queries resolution needs (OrgDirectory, or a fake in tests). */
export type AssignmentDirectory = Pick<
  OrgDirectory,
  | 'getOrg'
  | 'children'
  | 'financeBureauOf'
  | 'financeParentBureauOf'
  | 'provinceBureau'
  | 'departmentOf'
  | 'usersWithRole'
  | 'agentsFor'
>;

/** Resolves `rule` for `instance` to candidate user ids (sorted), the orgs searched and the substitutions. */
export async function resolveCandidates(
  directory: AssignmentDirectory,
  rule: AssignmentRule,
  instance: AssignmentInstance,
): Promise<ResolvedCandidates> {
  const scope = parseOrgScope(rule.orgScope);
  if (rule.candidateRoles.length === 0) {
    throw new Error(
      `Expected at least one candidate role in a rule with scope '${rule.orgScope}', but got none`,
    );
  }
  if (rule.divisionType !== undefined && !Object.hasOwn(DIVISION_TYPE_LABELS, rule.divisionType)) {
    throw new Error(
      `Expected divisionType to be one of ${Object.keys(DIVISION_TYPE_LABELS).join(', ')}, but got '${rule.divisionType}'`,
    );
  }

  const base = await scopeOrg(directory, scope, instance.initiatorOrgCode);
  const targets = !base
    ? []
    : rule.divisionType === undefined
      ? [base]
      : (await directory.children(base.code, instance.at)).filter(
          (o) => o.kind === 'division' && o.divisionType === rule.divisionType,
        );
  const orgCodes = targets.map((o) => o.code);

  const holders = (await directory.usersWithRole(rule.candidateRoles, orgCodes, instance.at)).map(
    (u) => u.id,
  );
  const agents = await directory.agentsFor(holders, instance.at);
  return { orgCodes, ...substituteAgents(holders, agents) };
}

/** Parses a rule's `orgScope` text; throws on anything else. */
export function parseOrgScope(text: string): OrgScope {
  if ((RELATIVE_ORG_SCOPES as readonly string[]).includes(text)) {
    return { kind: text as (typeof RELATIVE_ORG_SCOPES)[number] };
  }
  const named = /^org:(\S+)$/.exec(text);
  if (named) return { kind: 'org', code: named[1]! };
  throw new Error(
    `Expected orgScope to be one of ${RELATIVE_ORG_SCOPES.join(', ')} or org:<code>, but got '${text}'`,
  );
}

/** Replaces each user with an acting agent by that agent; duplicates collapse; result sorted. */
export function substituteAgents(
  userIds: readonly string[],
  agents: ReadonlyMap<string, string>,
): { users: string[]; substitutions: Substitution[] } {
  const substitutions: Substitution[] = [];
  const users = new Set<string>();
  for (const userId of userIds) {
    const agentId = agents.get(userId);
    if (agentId === undefined) {
      users.add(userId);
    } else {
      substitutions.push({ userId, agentId });
      users.add(agentId);
    }
  }
  return { users: [...users].sort(), substitutions };
}

// helpers //////

async function scopeOrg(
  directory: AssignmentDirectory,
  scope: OrgScope,
  initiatorOrgCode: string,
): Promise<Org | undefined> {
  switch (scope.kind) {
    case 'initiatorUnit':
      return directory.getOrg(initiatorOrgCode);
    case 'initiatorDepartment':
      return directory.departmentOf(initiatorOrgCode);
    case 'financeBureau':
      return directory.financeBureauOf(initiatorOrgCode);
    case 'financeParent':
      return directory.financeParentBureauOf(initiatorOrgCode);
    case 'province':
      return directory.provinceBureau();
    case 'org':
      return directory.getOrg(scope.code);
  }
}
