/**
 * What the load driver needs to know to drive one instance of a fiscal process to its end, as the demo users
 * would: who starts it with which variables, what each user does with each task (通过 with the form's
 * variables, or 退回), which users act next (so only their inboxes are polled), and what the bank sends
 * (回单, 缴款) once the instance waits for it. One script object per instance; it may keep state (e.g. whether it
 * already returned a step once). The scripts live in the sibling files, one per process.
 */
import type { InboxTask } from './inboxes.js';

export type FiscalProcess = 'treasuryPayment' | 'budgetPreparation' | 'nonTaxRevenue';

/** The instance as GET /process-instance/{id} answers it (the fields the scripts read). */
export interface InstanceDetail {
  readonly id: string;
  readonly status: string;
  readonly ended: boolean;
  readonly endReason: string | null;
  readonly variables: Record<string, unknown>;
  readonly activeActivityIds: readonly string[];
  readonly completedActivityIds: readonly string[];
  readonly incidents: readonly {
    readonly state?: string;
    readonly activityId?: string;
    readonly message?: string;
  }[];
}

/** What a user does with a task. `next`: the users who are expected to act after it (their inboxes get polled). */
export type TaskAction =
  | {
      readonly op: 'complete';
      readonly variables: Record<string, unknown>;
      readonly comment: string;
      readonly next: readonly string[];
    }
  | {
      readonly op: 'return';
      readonly target: 'initiator' | 'previous';
      readonly comment: string;
      readonly next: readonly string[];
    };

/** A message a bank or the PBOC treasury posts to POST /api/message. */
export interface BankMessage {
  /** A user of the bank's org. */
  readonly sender: string;
  readonly messageName: string;
  readonly correlationKey: string;
  /** The idempotency id of the message (the bank's serial). */
  readonly messageId: string;
  readonly variables: Record<string, unknown>;
  /** Users expected to act once the message is in. */
  readonly next: readonly string[];
}

export interface InstanceScript {
  readonly kind: FiscalProcess;
  readonly processKey: string;
  readonly businessKey: string;
  readonly starter: string;
  readonly startVariables: Record<string, unknown>;
  /** Users expected to act first. */
  readonly firstActors: readonly string[];
  /** Every user who may act on this instance (polled when the expected ones have nothing for a while). */
  readonly actors: readonly string[];
  /** The action for a task of this instance in `user`'s inbox; undefined for a step the script does not know. */
  onTask(task: InboxTask, user: string): TaskAction | undefined;
  /** A message to send now that the instance looks like this (sent once per messageId), if any. */
  onInstance?(detail: InstanceDetail): BankMessage | undefined;
  /** A line about how the instance ended, when it is worth logging (e.g. a cycle not deployed, money ran out). */
  describeEnd?(detail: InstanceDetail): string | undefined;
}

/** The per-instance inputs of a script factory. */
export interface ScriptContext {
  /** Seeded uniform [0, 1). */
  readonly random: () => number;
  /** Number of this instance within its kind (0, 1, 2 …). */
  readonly serial: number;
  /** Unique per run: business keys, bank serials. */
  readonly runId: string;
  /** Chance that a step that allows it is returned (退回) once. */
  readonly returnRate: number;
}

/** One demo region of processes/org/henan-demo.ts, with what the drivers need about it. */
export interface LoadRegion {
  readonly regionCode: string;
  readonly slug: string;
  /** The slug of the finance parent (备案), or null for the province. */
  readonly financeParentSlug: string | null;
  /** processes/treasury-payment/demo-seed.ts DEMO_REGION_MODES. */
  readonly paymentMode: 'integrated' | 'direct' | 'authorized';
}

export const LOAD_REGIONS: readonly LoadRegion[] = [
  { regionCode: '410122', slug: 'zhongmou', financeParentSlug: 'zhengzhou', paymentMode: 'integrated' },
  { regionCode: '410100', slug: 'zhengzhou', financeParentSlug: 'henan', paymentMode: 'direct' },
  { regionCode: '410181', slug: 'gongyi', financeParentSlug: 'henan', paymentMode: 'authorized' },
  { regionCode: '410000', slug: 'henan', financeParentSlug: null, paymentMode: 'integrated' },
];

/** The demo education department and its first two budget units in a region. */
export function educationOrgs(region: LoadRegion) {
  const department = `${region.regionCode}-BM-JY`;
  return { department, school1: `${department}-001`, school2: `${department}-002` };
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** An integer in [min, max]. */
export function between(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** A string of `length` random digits. */
export function digits(random: () => number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += String(Math.floor(random() * 10));
  return s;
}
