/** What every scenario gets and gives back. Scenarios live in bench/scenarios/, one file each, exporting `run`. */

/** One measured figure, as printed in the table and kept in the results file. */
export interface Metric {
  /** Stable key in the results JSON, e.g. `instancesPerS`. */
  readonly key: string;
  /** What the table prints in the "measure" column. */
  readonly label: string;
  /** null when the figure could not be measured (the note says why). */
  readonly value: number | null;
  readonly unit?: string;
  /** Decimal places to print (default: chosen by magnitude). */
  readonly digits?: number;
  readonly note?: string;
  /** false: kept in the results file only, not printed (e.g. a figure already shown in another row's note). */
  readonly print?: false;
}

export interface ScenarioResult {
  /** Short name, also the key in the results file, e.g. `engine-throughput`. */
  readonly name: string;
  readonly title: string;
  readonly metrics: readonly Metric[];
  /** Anything else worth keeping in the results file (raw counts, per-run breakdowns). */
  readonly details?: Record<string, unknown>;
  /** Further small tables printed after the main one (e.g. statements per step by kind). */
  readonly tables?: readonly ExtraTable[];
  /** Things that make a figure less trustworthy (e.g. other processes busy on the box during a window). */
  readonly warnings?: readonly string[];
  readonly wallS: number;
}

export interface ExtraTable {
  readonly title: string;
  readonly headers: readonly string[];
  readonly rows: readonly (readonly (string | number | null)[])[];
}

export interface BenchConfig {
  readonly scale: 'small' | 'full';
  /** Measured window of each load run, seconds. */
  readonly durationS: number;
  /** Unmeasured warm-up before each load run, seconds. */
  readonly warmupS: number;
  /** Concurrent clients (and so database connections) of the throughput scenario and the ceiling. */
  readonly clients: number;
  /** Worker-process counts to compare against the in-process run. */
  readonly processCounts: readonly number[];
  /** knex pool per process; default: the clients of that process. */
  readonly poolMax: number | undefined;
  /** Measured window of each bpmn-engine variant, seconds. */
  readonly peerDurationS: number;
  readonly peerConcurrency: number;
  /** Waiting-instance counts at which worker RSS is measured. */
  readonly memoryCounts: readonly number[];
  /** Task completions the memory worker performs before it is measured. */
  readonly memoryTouches: number;
  /** Timers of the timer scenario, due evenly over its window. */
  readonly timers: number;
  /** The window over which those timers fall due, seconds. */
  readonly timerWindowS: number;
  /** Timers all due at one instant after the window (firing capacity); 0: none. */
  readonly timerBurst: number;
  /** Seconds from the first start to the first due time; undefined: from a calibration of the start rate. */
  readonly timerLeadS: number | undefined;
  /** Worker processes that fire the timers (each runs the engine's workers). */
  readonly timerProcesses: number;
  /** Concurrent timer handlers per worker process (the engine's `timerConcurrency`). */
  readonly timerConcurrency: number;
  /** Start the timer workers with --cpu-prof (profiles written to the temporary directory). */
  readonly timerCpuProfile: boolean;
  /** Which scenarios to run (all by default). */
  readonly scenarios: readonly string[] | undefined;
  readonly keepDatabase: boolean;
}

/** What run.ts hands every scenario: one fresh database and queue prefix for the whole run. */
export interface BenchContext {
  readonly config: BenchConfig;
  /** mysql://…/<unique database> */
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly queuePrefix: string;
  /** The reference approval as deployed (FEEL conditions). */
  readonly bpmnXml: string;
  readonly bpmnPath: string;
  readonly processKey: string;
  /** Results of the scenarios that already ran in this run, by name. */
  readonly results: ReadonlyMap<string, ScenarioResult>;
  log(message: string): void;
}

export type Scenario = (context: BenchContext) => Promise<ScenarioResult>;
