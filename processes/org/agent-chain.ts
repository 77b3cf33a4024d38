/**
 * Out-of-office delegation chains, decided without I/O. When A is away and delegates to B, B acts for A; when
 * B is away too and delegates to C, C acts for A. The chain stops at a cycle (A → B → A: B acts for A) and
 * after a bounded number of hops, so a misconfigured delegation never loops.
 */

/** Delegation chains longer than this are cut (the last agent reached acts). */
export const MAX_AGENT_HOPS = 5;

/**
 * The user who finally acts for `userId`, following `directAgent` (the valid, usable delegation of one user);
 * undefined when `userId` has no agent.
 */
export function followAgentChain(
  userId: string,
  directAgent: (userId: string) => string | undefined,
  maxHops = MAX_AGENT_HOPS,
): string | undefined {
  const seen = new Set([userId]);
  let acting: string | undefined;
  let current = userId;
  for (let hop = 0; hop < maxHops; hop++) {
    const next = directAgent(current);
    if (next === undefined || seen.has(next)) break;
    seen.add(next);
    acting = next;
    current = next;
  }
  return acting;
}
