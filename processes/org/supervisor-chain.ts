/**
 * The line-management chain above a user, decided without I/O. The rule:
 *
 * 1. The user's org chain is their org and its ancestors up to, not including, the nearest region: a treasury
 *    clerk's chain is [国库股, 财政局]; a school clerk's is [学校, 教育局]. The chain never climbs into the next
 *    level of government (that is `financeParent`, not line management).
 * 2. The ranks are chief (处长/科长/股长, 单位负责人), deputy_director (分管领导), director (局长/厅长), lowest first.
 *    The chain starts above the highest rank the user holds themself in their org chain: a clerk's chain starts
 *    at chief, a chief's at deputy_director.
 * 3. For each rank, the holders at the nearest org of the chain that has any are taken (all of them, sorted); the
 *    user themself is never their own supervisor. Which deputy 分管 which division is expressed by granting
 *    `deputy_director` at that division: the nearest org wins, so that deputy is found before the bureau's others.
 * 4. A rank nobody holds yields a step with `orgCode: null` and no users, so the caller sees the gap and applies
 *    its nobody-found policy. `levels` is the number of steps returned (at most the ranks left).
 */
import { SUPERVISOR_RANKS, type SupervisorRank } from './roles.js';
import type { UserRole } from './org.js';

/** One step of a supervisor chain: who holds `role`, and at which org they were found. */
export interface SupervisorStep {
  readonly role: SupervisorRank;
  readonly orgCode: string | null;
  readonly users: readonly string[];
}

/**
 * The supervisor steps above `userId`. `chain` lists the user's org and its ancestors below the region, nearest
 * first; `holders` are the (active) users holding a supervisor rank at orgs of the chain, the user included.
 */
export function supervisorSteps(
  userId: string,
  chain: readonly string[],
  holders: readonly UserRole[],
  levels: number,
): SupervisorStep[] {
  const ownRank = Math.max(-1, ...holders.filter((h) => h.userId === userId).map((h) => rankOf(h.role)));
  const steps: SupervisorStep[] = [];
  for (let rank = ownRank + 1; rank < SUPERVISOR_RANKS.length && steps.length < levels; rank++) {
    const role = SUPERVISOR_RANKS[rank]!;
    steps.push(nearestHolders(role, userId, chain, holders));
  }
  return steps;
}

// helpers //////

function rankOf(role: string): number {
  return (SUPERVISOR_RANKS as readonly string[]).indexOf(role);
}

function nearestHolders(
  role: SupervisorRank,
  userId: string,
  chain: readonly string[],
  holders: readonly UserRole[],
): SupervisorStep {
  for (const orgCode of chain) {
    const users = [
      ...new Set(
        holders
          .filter((h) => h.role === role && h.orgCode === orgCode && h.userId !== userId)
          .map((h) => h.userId),
      ),
    ].sort();
    if (users.length > 0) return { role, orgCode, users };
  }
  return { role, orgCode: null, users: [] };
}
