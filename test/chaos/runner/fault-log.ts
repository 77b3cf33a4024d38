/**
 * The fault log of a chaos run: every fault the runner injected, when (ms since the run began), on what, with
 * details. Printed as it happens and summarised at the end, so a failure can be read against the faults before
 * it, and saved with the soak results for replay.
 */
export type FaultKind =
  | 'kill-worker'
  | 'kill-api'
  | 'redis-restart'
  | 'mysql-reset'
  | 'latency'
  | 'pause'
  | 'kill-api-before-commit'
  | 'kill-api-after-commit';

export interface FaultEntry {
  readonly atMs: number;
  readonly kind: FaultKind;
  readonly target: string;
  readonly detail?: string;
}

export class FaultLog {
  readonly entries: FaultEntry[] = [];
  private readonly began = Date.now();

  constructor(private readonly print: (line: string) => void = () => {}) {}

  add(kind: FaultKind, target: string, detail?: string): FaultEntry {
    const entry: FaultEntry = { atMs: Date.now() - this.began, kind, target, ...(detail ? { detail } : {}) };
    this.entries.push(entry);
    this.print(formatFault(entry));
    return entry;
  }

  /** Faults injected, by kind. */
  counts(): Partial<Record<FaultKind, number>> {
    const out: Partial<Record<FaultKind, number>> = {};
    for (const e of this.entries) out[e.kind] = (out[e.kind] ?? 0) + 1;
    return out;
  }

  /** The last `n` entries as lines (for failure messages). */
  tail(n = 20): string[] {
    return this.entries.slice(-n).map(formatFault);
  }
}

export function formatFault(e: FaultEntry): string {
  return `[chaos +${(e.atMs / 1000).toFixed(1)}s] ${e.kind} ${e.target}${e.detail ? ` ${e.detail}` : ''}`;
}
