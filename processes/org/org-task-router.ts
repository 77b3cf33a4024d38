/**
 * The engine's task router on the org directory: resolves a task's candidate roles and org scope relative to the
 * initiator (their unit, its department, the finance bureau of their level, one level up via finance_parent, the
 * province, a named org, or `supervisor:N` for the Nth supervisor above the initiator), substitutes out-of-office agents, and finds supervisors and process admins for the
 * routing policies.
 */
import type { RouteRequest, RouteResult, TaskRouter } from '../../engine/index.js';
import type { OrgDirectory } from './org-directory.js';
import { resolveCandidates } from './resolve-assignment.js';

export class OrgTaskRouter implements TaskRouter {
  constructor(private readonly directory: OrgDirectory) {}

  async resolve(request: RouteRequest): Promise<RouteResult> {
    if (!request.initiator) {
      // an instance started by a timer, message or signal has no initiator: only scopes that name their org
      // (`org:<code>`, `province`) can be resolved
      if (!request.orgScope.startsWith('org:') && request.orgScope !== 'province')
        throw new Error(
          `Instance ${request.instanceId} has no initiator to route ${request.elementId} relative to (scope ${request.orgScope})`,
        );
      const resolved = await resolveCandidates(
        this.directory,
        {
          candidateRoles: request.candidateRoles,
          orgScope: request.orgScope,
          ...(request.divisionType ? { divisionType: request.divisionType } : {}),
        },
        { initiator: '', initiatorOrgCode: '', at: new Date(request.at) },
      );
      return { users: resolved.users, orgCodes: resolved.orgCodes, substitutions: resolved.substitutions };
    }
    const initiator = await this.directory.getUser(request.initiator);
    if (!initiator)
      throw new Error(
        `Initiator ${request.initiator} is not in the org directory (routing ${request.elementId})`,
      );
    const supervisor = /^supervisor:(\d)$/.exec(request.orgScope);
    if (supervisor) {
      // N-level supervisor chain: the Nth supervisor above the initiator (科长 → 分管领导 → 局长)
      const levels = Number(supervisor[1]);
      const chain = await this.directory.supervisorChain(initiator.id, levels, new Date(request.at));
      const step = chain[levels - 1];
      return { users: [...(step?.users ?? [])], orgCodes: step?.orgCode ? [step.orgCode] : [] };
    }
    const resolved = await resolveCandidates(
      this.directory,
      {
        candidateRoles: request.candidateRoles,
        orgScope: request.orgScope,
        ...(request.divisionType ? { divisionType: request.divisionType } : {}),
      },
      { initiator: initiator.id, initiatorOrgCode: initiator.orgCode, at: new Date(request.at) },
    );
    return { users: resolved.users, orgCodes: resolved.orgCodes, substitutions: resolved.substitutions };
  }

  async supervisorsOf(userId: string, at: number): Promise<readonly string[]> {
    const chain = await this.directory.supervisorChain(userId, 3, new Date(at));
    return chain.find((step) => step.users.length > 0)?.users ?? [];
  }

  async holdsAnyRole(userId: string, roles: readonly string[], at: number): Promise<boolean> {
    const user = await this.directory.getUser(userId);
    if (!user || user.disabled) return false;
    const held = await this.directory.rolesOf(userId, new Date(at));
    return held.some((r) => roles.includes(r));
  }

  async processAdmins(_processKey: string, at: number): Promise<readonly string[]> {
    const admins = await this.directory.usersWithRole(
      'process_admin',
      [(await this.directory.provinceBureau())!.code],
      new Date(at),
    );
    return admins.map((u) => u.id);
  }
}
