/**
 * The fiscal load driver of the chaos and soak runs: through the HTTP API only (fetch, the demo users signed in
 * with their password, bearer tokens), it keeps `concurrency` instances in flight of each of the three fiscal
 * processes — 国库集中支付 `treasuryPayment`, 预算编制 `budgetPreparation`, 非税收入收缴 `nonTaxCollection` — and
 * drives each to its end as the demo users and the banks would (scripts in fiscal-load/). Every mutating call
 * carries an Idempotency-Key and is retried with it on network errors and 5xx, on another base URL when there
 * are several; everything is counted in FiscalLoadStats.
 *
 * What the demo data carries (one database seeded by `fiscal-bpm start`):
 * - 国库集中支付: the first school of each demo region pays from its three indicator lines (330 万元 a region,
 *   less what the DEMO-… instances hold in 中牟 and 郑州), 100–500 元 a payment → about 10 000 payments per
 *   region; 巩义's 授权支付 is capped by its monthly plan (30 万元, 8.5 万元 held by DEMO-ZF-007), 10–50 元 a
 *   payment → about 7 000 a calendar month. Regions take turns, so ≈ 28 000 payments before 巩义's plan is used.
 * - 预算编制: one cycle per bureau and year: 4 regions × 2028–2100 = 292 instances per database.
 * - 非税收入: revenue; unlimited.
 * Each kind is started round-robin over the four demo regions (中牟 county, 郑州 city, 巩义 省直管县, the province).
 */
import { seededRandom } from './fault-proxy.js';
import { FiscalApiClient } from './fiscal-load/api-client.js';
import { Inboxes } from './fiscal-load/inboxes.js';
import { driveInstance, type DriverTiming } from './fiscal-load/instance-driver.js';
import {
  LOAD_REGIONS,
  type FiscalProcess,
  type InstanceScript,
  type ScriptContext,
} from './fiscal-load/process-script.js';
import { treasuryPaymentScript } from './fiscal-load/treasury-payment-script.js';
import { nonTaxRevenueScript } from './fiscal-load/non-tax-revenue-script.js';
import {
  budgetPreparationScript,
  FIRST_BUDGET_YEAR,
  LAST_BUDGET_YEAR,
} from './fiscal-load/budget-preparation-script.js';

export type { FiscalProcess } from './fiscal-load/process-script.js';

export interface FiscalLoadOptions {
  /** API base URLs (several API processes); a request goes to any that answers; a failed call is retried on another. */
  readonly baseUrls: readonly string[];
  readonly seed: number;
  /** Instances in flight at once, per process kind. */
  readonly concurrency: number;
  /** Stop starting new instances after this many of each kind (default: unlimited until stop()). */
  readonly instancesPerProcess?: number;
  readonly log?: (line: string) => void;
}

export interface FiscalLoadStats {
  readonly started: Record<FiscalProcess, number>;
  readonly completed: Record<FiscalProcess, number>; // instance reached its end (as seen via the API)
  readonly requests: number;
  readonly retries: number; // calls retried after a network error / 5xx / 503, with the same Idempotency-Key
  readonly errors5xx: number;
  readonly unexpected4xx: readonly string[]; // 4xx that are not an expected race (409 on an already-done task)
}

export interface FiscalLoad {
  stats(): FiscalLoadStats;
  /** Stop starting instances; finish (drive to the end) those in flight, up to `drainMs`; return the final stats. */
  stop(drainMs?: number): Promise<FiscalLoadStats>;
}

export const FISCAL_PROCESSES: readonly FiscalProcess[] = [
  'treasuryPayment',
  'budgetPreparation',
  'nonTaxRevenue',
];

const TIMING: DriverTiming = {
  pollMs: 400,
  checkMs: 1_000,
  stallMs: 15_000,
  stallPollMs: 2_000,
  maxIdleSleepMs: 2_000,
  watchMs: 15_000,
};
/** Chance that a step allowing it is returned (退回) once per instance. */
const RETURN_RATE = 0.1;
const DEFAULT_DRAIN_MS = 120_000;

const perKind = (): Record<FiscalProcess, number> => ({
  treasuryPayment: 0,
  budgetPreparation: 0,
  nonTaxRevenue: 0,
});

/** Knobs the soak leaves at their defaults; the driver's own test turns them (e.g. more 退回). */
export interface FiscalLoadTuning {
  /** Chance that a step allowing it is returned (退回) once per instance. */
  readonly returnRate: number;
  readonly timing: DriverTiming;
  /** Per kind, instead of `instancesPerProcess` (e.g. fewer of the long budget cycles). */
  readonly instancesOf?: Partial<Record<FiscalProcess, number>>;
}

export const DEFAULT_TUNING: FiscalLoadTuning = { returnRate: RETURN_RATE, timing: TIMING };

export function startFiscalLoad(options: FiscalLoadOptions): FiscalLoad {
  return startTunedFiscalLoad(options, DEFAULT_TUNING);
}

export function startTunedFiscalLoad(options: FiscalLoadOptions, tuning: FiscalLoadTuning): FiscalLoad {
  const log = options.log ?? (() => undefined);
  // unique per run: business keys, bank serials and Idempotency-Keys never meet those of an earlier run
  const runId = `${(options.seed >>> 0).toString(36)}${Date.now().toString(36)}`;
  const api = new FiscalApiClient({ baseUrls: options.baseUrls, keyPrefix: `load-${runId}`, log });
  const inboxes = new Inboxes(api);
  const started = perKind();
  const completed = perKind();
  const launched = perKind();
  let expectedRaces = 0;
  let failed = 0;
  let stopping = false;
  let abandoning = false;
  let budgetExhausted = false;

  const context = (kind: FiscalProcess, serial: number): ScriptContext => ({
    random: seededRandom(
      (options.seed ^
        Math.imul(FISCAL_PROCESSES.indexOf(kind) + 1, 0x9e3779b1) ^
        Math.imul(serial + 1, 0x85ebca6b)) >>>
        0,
    ),
    serial,
    runId,
    returnRate: tuning.returnRate,
  });

  const scriptFor = (kind: FiscalProcess, serial: number): InstanceScript | undefined => {
    const region = LOAD_REGIONS[serial % LOAD_REGIONS.length]!;
    const ctx = context(kind, serial);
    if (kind === 'treasuryPayment') return treasuryPaymentScript(ctx, region);
    if (kind === 'nonTaxRevenue') return nonTaxRevenueScript(ctx, region);
    const fiscalYear = FIRST_BUDGET_YEAR + Math.floor(serial / LOAD_REGIONS.length);
    if (fiscalYear > LAST_BUDGET_YEAR) {
      if (!budgetExhausted)
        log('fiscal load: every (region, year) budget cycle is used; no more budget instances');
      budgetExhausted = true;
      return undefined;
    }
    return budgetPreparationScript(ctx, region, fiscalYear);
  };

  const lane = async (kind: FiscalProcess): Promise<void> => {
    while (!stopping) {
      const serial = launched[kind];
      const quota = tuning.instancesOf?.[kind] ?? options.instancesPerProcess;
      if (quota !== undefined && serial >= quota) return;
      const script = scriptFor(kind, serial);
      if (!script) return;
      launched[kind]++;
      const outcome = await driveInstance(api, inboxes, script, tuning.timing, {
        started: () => started[kind]++,
        expectedRace: () => expectedRaces++,
        abandoned: () => abandoning,
        log,
      }).catch((err: unknown) => {
        log(`fiscal load: ${script.businessKey}: ${err instanceof Error ? err.message : String(err)}`);
        return 'failed' as const;
      });
      if (outcome === 'ended') completed[kind]++;
      else if (outcome === 'failed') failed++;
    }
  };

  const lanes: Promise<void>[] = [];
  for (const kind of FISCAL_PROCESSES) for (let i = 0; i < options.concurrency; i++) lanes.push(lane(kind));
  const allDone = Promise.all(lanes);

  const stats = (): FiscalLoadStats => ({
    started: { ...started },
    completed: { ...completed },
    requests: api.counters.requests,
    retries: api.counters.retries,
    errors5xx: api.counters.errors5xx,
    unexpected4xx: [...api.counters.unexpected4xx],
  });

  return {
    stats,
    async stop(drainMs = DEFAULT_DRAIN_MS) {
      stopping = true;
      let timer: NodeJS.Timeout | undefined;
      const drained = await Promise.race([
        allDone.then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), drainMs);
        }),
      ]);
      clearTimeout(timer);
      if (!drained) {
        abandoning = true;
        api.abort();
        await allDone;
      }
      const final = stats();
      log(
        `fiscal load: stopped${drained ? '' : ` (drain of ${drainMs} ms ran out)`}; started ${JSON.stringify(final.started)}, ` +
          `completed ${JSON.stringify(final.completed)}, ${failed} failed, ${final.requests} requests, ` +
          `${final.retries} retries, ${final.errors5xx} 5xx, ${final.unexpected4xx.length} unexpected 4xx, ` +
          `${expectedRaces} expected 409 races`,
      );
      return final;
    },
  };
}
