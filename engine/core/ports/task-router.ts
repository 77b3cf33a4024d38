/**
 * The task-router port: who should get a task whose assignment names roles and an org scope. The engine asks
 * it from the `route` job (outside any transaction), then applies the node's policies and writes the candidates
 * in one command. The fiscal org directory implements it (processes/org/org-task-router.ts).
 */
export interface RouteRequest {
  readonly instanceId: string;
  readonly processKey: string;
  readonly elementId: string;
  readonly initiator: string | null;
  readonly candidateRoles: readonly string[];
  /** `initiatorUnit`, `initiatorDepartment`, `financeBureau`, `financeParent`, `province`, `org:<code>`. */
  readonly orgScope: string;
  readonly divisionType?: string;
  /** The routing time (validity of orgs and out-of-office agents), epoch ms. */
  readonly at: number;
}

export interface RouteResult {
  readonly users: readonly string[];
  /** The orgs searched, kept in history for audit. */
  readonly orgCodes: readonly string[];
  /** Absent users replaced by their agents. */
  readonly substitutions?: readonly { readonly userId: string; readonly agentId: string }[];
}

export interface TaskRouter {
  resolve(request: RouteRequest): Promise<RouteResult>;
  /** The nearest supervisors of a user (for "the initiator is the approver: pass to the supervisor"). */
  supervisorsOf(userId: string, at: number): Promise<readonly string[]>;
  /** Whether a user holds any of the roles (anywhere), for "who may start a process". */
  holdsAnyRole(userId: string, roles: readonly string[], at: number): Promise<boolean>;
  /** Who administers a process (for "nobody found: route to the process admin"). */
  processAdmins(processKey: string, at: number): Promise<readonly string[]>;
}
