/**
 * The load of the throughput scenario: `clients` concurrent clients in one process, each starting a reference
 * approval and completing its open tasks until the instance ends, then the next one. Used in-process by
 * bench/scenarios/engine-throughput.ts and in each child by bench/worker-client.ts.
 *
 * A step is one engine command (startInstance or completeTask); its latency is the time of that call.
 * Reading the open tasks (listTasks) is not a step; its statements are counted separately as 'list'.
 * Steps and instances count when they finish inside the measured window.
 */
import type { Engine } from '../../engine/index.js';
import { SqlCounter, type StatementCounts } from './sql-counter.js';
import { nowMs } from './stats.js';

/** The amount every bench instance carries: above the threshold, so each instance takes the parallel path. */
export const BENCH_AMOUNT_FEN = 1_250_000;
/** User tasks on that path, and so steps per instance = 1 + this. */
export const TASKS_PER_INSTANCE = 4;

export interface LoadSnapshot {
  readonly measuredMs: number;
  readonly instances: number;
  readonly steps: number;
  readonly stepsByKind: { start: number; complete: number };
  readonly stepLatenciesMs: number[];
  readonly listCalls: number;
  readonly errors: number;
  readonly errorSamples: string[];
  /** Instances that did not complete exactly TASKS_PER_INSTANCE tasks (a routing bug would show here). */
  readonly unexpectedPaths: number;
  readonly statements: StatementCounts;
  readonly statementsInTransaction: Record<string, number>;
  /** Queries sent, per attribution (a statement batch is one). */
  readonly roundTrips: Record<string, number>;
}

export class ApprovalLoad {
  private measuring = false;
  private measureStartedAt = 0;
  private measuredMs = 0;
  private instances = 0;
  private steps = 0;
  private stepsByKind = { start: 0, complete: 0 };
  private latencies: number[] = [];
  private listCalls = 0;
  private errors = 0;
  private errorSamples: string[] = [];
  private unexpectedPaths = 0;
  private stopping = false;
  private running: Promise<void>[] = [];

  constructor(
    private readonly engine: Engine,
    private readonly processKey: string,
    private readonly counter: SqlCounter,
    private readonly clients: number,
    private readonly label = 'p',
  ) {}

  /** Starts the clients (unmeasured until beginMeasure). */
  start(): void {
    this.stopping = false;
    for (let i = 0; i < this.clients; i++) this.running.push(this.client(i));
  }

  beginMeasure(): void {
    this.instances = 0;
    this.steps = 0;
    this.stepsByKind = { start: 0, complete: 0 };
    this.latencies = [];
    this.listCalls = 0;
    this.errors = 0;
    this.errorSamples = [];
    this.unexpectedPaths = 0;
    this.counter.reset(true);
    this.measureStartedAt = nowMs();
    this.measuring = true;
  }

  endMeasure(): LoadSnapshot {
    this.measuring = false;
    this.measuredMs = nowMs() - this.measureStartedAt;
    this.counter.stop();
    const sql = this.counter.snapshot();
    return {
      measuredMs: this.measuredMs,
      instances: this.instances,
      steps: this.steps,
      stepsByKind: { ...this.stepsByKind },
      stepLatenciesMs: this.latencies,
      listCalls: this.listCalls,
      errors: this.errors,
      errorSamples: this.errorSamples,
      unexpectedPaths: this.unexpectedPaths,
      statements: sql.counts,
      statementsInTransaction: sql.inTransaction,
      roundTrips: sql.roundTrips,
    };
  }

  /** Lets every client finish the instance it is on, then resolves. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.running);
    this.running = [];
  }

  private async client(index: number): Promise<void> {
    let sequence = 0;
    while (!this.stopping) {
      try {
        await this.oneInstance(`${this.label}${index}-${sequence++}`, `clerk${index}`);
      } catch (err) {
        if (this.measuring) {
          this.errors++;
          if (this.errorSamples.length < 5) this.errorSamples.push(String((err as Error)?.message ?? err));
        }
      }
    }
  }

  private async oneInstance(businessKey: string, actor: string): Promise<void> {
    const instance = await this.step('start', () =>
      this.engine.startInstance(this.processKey, {
        variables: { amountFen: BENCH_AMOUNT_FEN, applicant: actor },
        businessKey,
        initiator: actor,
      }),
    );
    let completed = 0;
    for (;;) {
      const tasks = await this.list(instance.id);
      if (tasks.length === 0) break;
      for (const task of tasks) {
        await this.step('complete', () =>
          this.engine.completeTask(task.id, {
            variables: { opinion: '同意' },
            actor: `reviewer-${task.elementId}`,
          }),
        );
        completed++;
      }
    }
    if (this.measuring) {
      this.instances++;
      if (completed !== TASKS_PER_INSTANCE) this.unexpectedPaths++;
    }
  }

  private async step<T>(kind: 'start' | 'complete', call: () => Promise<T>): Promise<T> {
    const started = nowMs();
    const result = await this.counter.as(kind, call);
    if (this.measuring) {
      this.steps++;
      this.stepsByKind[kind]++;
      this.latencies.push(nowMs() - started);
    }
    return result;
  }

  private async list(instanceId: string) {
    const tasks = await this.counter.as('list', () => this.engine.listTasks({ instanceId }));
    if (this.measuring) this.listCalls++;
    return tasks;
  }
}
