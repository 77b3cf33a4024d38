/**
 * The engine API and its executor. Every command is: load the instance → run behaviors in memory →
 * commit one transaction (version-guarded) → hand new jobs to the queue. Conflicts, deadlocks and lost
 * connections re-run the whole command (bounded, with jitter). This is the only place that awaits.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  ConcurrencyError,
  EngineError,
  InvalidStateError,
  InvalidVariablesError,
  isRetryable,
  NotFoundError,
  ValidationError,
} from './errors.js';
import { loadModel } from './model/load-model.js';
import type { ExecutableProcess } from './model/types.js';
import type { ModelLimits } from './model/limits.js';
import { systemClock, type Clock } from './ports/clock.js';
import type { InstanceQuery, ProcessStore, TaskQuery } from './ports/store.js';
import type { WorkQueue } from './ports/work-queue.js';
import { parseDurationMs } from './runtime/duration.js';
import { InstanceWork } from './runtime/instance-work.js';
import type {
  ChangeSet,
  DefinitionRecord,
  IncidentRecord,
  InstanceRecord,
  JobRecord,
  StoredHistoryRecord,
  TaskRecord,
} from './runtime/records.js';
import { Runner } from './runtime/runner.js';
import { checkVariables } from './runtime/variables.js';

/** What a service-task handler gets: the job, and a read-only copy of the instance variables. */
export interface ServiceJobContext {
  readonly jobId: string;
  readonly attempt: number;
  readonly instanceId: string;
  readonly businessKey: string | null;
  readonly elementId: string;
  readonly taskType: string;
  readonly variables: Readonly<Record<string, unknown>>;
}

/** A service-task handler: resolves with variables to set, or throws to fail the attempt. */
export type ServiceHandler = (job: ServiceJobContext) => Promise<Record<string, unknown> | void>;

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface EngineOptions {
  readonly store: ProcessStore;
  readonly queue: WorkQueue;
  readonly clock?: Clock;
  readonly handlers?: Readonly<Record<string, ServiceHandler>>;
  readonly newId?: () => string;
  readonly limits?: Partial<ModelLimits>;
  /** How often a command is re-run after a conflict or transient database error (default 10). */
  readonly maxCommandAttempts?: number;
  /** Outbox relay: unpublished rows older than graceMs are published; published-but-pending rows older than horizonMs are published again. */
  readonly relay?: { readonly intervalMs?: number; readonly graceMs?: number; readonly horizonMs?: number };
  /** Longest wait for the queue to accept a message after commit before leaving it to the relay (default 1000 ms). */
  readonly publishTimeoutMs?: number;
  readonly logger?: Logger;
}

export interface DeployedProcess {
  readonly definitionId: string;
  readonly processKey: string;
  readonly version: number;
  readonly name: string | null;
  /** False when identical XML was already deployed as this version. */
  readonly isNew: boolean;
}

export interface InstanceView {
  readonly id: string;
  readonly processKey: string;
  readonly definitionId: string;
  readonly definitionVersion: number;
  readonly businessKey: string | null;
  readonly initiator: string | null;
  readonly status: InstanceRecord['status'];
  readonly endReason: string | null;
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly activeElementIds: string[];
  readonly completedElementIds: string[];
  readonly variables: Record<string, unknown>;
  readonly incidents: IncidentRecord[];
}

export interface StartOptions {
  readonly variables?: Record<string, unknown>;
  readonly businessKey?: string;
  readonly initiator?: string;
  /** Start this version instead of the latest. */
  readonly version?: number;
}

export interface WorkerOptions {
  /** Service-task handlers run at once in this process (default 4). */
  readonly serviceConcurrency?: number;
  /** Publish every pending job again at start (for a queue that keeps nothing across restarts). */
  readonly sweepOnStart?: boolean;
}

type CommandBody<T> = (work: InstanceWork, runner: Runner) => T | Promise<T>;

export class Engine {
  private readonly store: ProcessStore;
  private readonly queue: WorkQueue;
  private readonly clock: Clock;
  private readonly handlers: Readonly<Record<string, ServiceHandler>>;
  private readonly newId: () => string;
  private readonly maxAttempts: number;
  private readonly relay: { intervalMs: number; graceMs: number; horizonMs: number };
  private readonly publishTimeoutMs: number;
  private readonly logger: Logger | undefined;
  private readonly processes = new Map<
    string,
    Promise<{ definition: DefinitionRecord; process: ExecutableProcess }>
  >();
  private relayTimer: NodeJS.Timeout | undefined;
  private relayRunning: Promise<void> | undefined;

  constructor(private readonly options: EngineOptions) {
    this.store = options.store;
    this.queue = options.queue;
    this.clock = options.clock ?? systemClock;
    this.handlers = options.handlers ?? {};
    this.newId = options.newId ?? randomUUID;
    this.maxAttempts = options.maxCommandAttempts ?? 10;
    this.relay = {
      intervalMs: options.relay?.intervalMs ?? 1000,
      graceMs: options.relay?.graceMs ?? 2000,
      horizonMs: options.relay?.horizonMs ?? 60_000,
    };
    this.publishTimeoutMs = options.publishTimeoutMs ?? 1000;
    this.logger = options.logger;
  }

  // deployment //////

  /**
   * Validates and deploys a BPMN file. Each executable process in it becomes the next version of its key,
   * unless the same XML is already the latest version (then nothing new is created).
   */
  async deploy(xml: string | Buffer, options: { deployedBy?: string } = {}): Promise<DeployedProcess[]> {
    const loaded = await loadModel(xml, this.options.limits);
    if (!loaded.ok) {
      throw new ValidationError(
        `The BPMN file has ${loaded.problems.length} problem(s) and was not deployed`,
        loaded.problems,
      );
    }
    const text = typeof xml === 'string' ? xml : xml.toString('utf8');
    const checksum = createHash('sha256').update(text).digest('hex');
    const deployed: DeployedProcess[] = [];
    for (const process of Object.values(loaded.model.processes)) {
      deployed.push(await this.deployProcess(process, text, checksum, options.deployedBy ?? null));
    }
    return deployed;
  }

  async listDefinitions(processKey?: string): Promise<Omit<DefinitionRecord, 'xml'>[]> {
    return this.store.listDefinitions(processKey);
  }

  async getDefinitionXml(definitionId: string): Promise<string> {
    const definition = await this.store.getDefinition(definitionId);
    if (!definition) throw new NotFoundError(`Process definition ${definitionId} does not exist`);
    return definition.xml;
  }

  // commands //////

  /** Starts an instance of the latest (or the given) version of a process. */
  async startInstance(processKey: string, options: StartOptions = {}): Promise<InstanceView> {
    const definition = await this.store.findDefinition(processKey, options.version);
    if (!definition) {
      throw new NotFoundError(
        options.version === undefined
          ? `No process with key ${processKey} is deployed`
          : `Process ${processKey} has no version ${options.version}`,
      );
    }
    const { process } = await this.processFor(definition.id);
    const variables = checkVariables(options.variables, `the start of ${processKey}`);
    if (
      options.businessKey !== undefined &&
      (typeof options.businessKey !== 'string' || options.businessKey.length > 255)
    ) {
      throw new InvalidVariablesError('businessKey must be a string of at most 255 characters');
    }
    const instanceId = this.newId();
    for (let attempt = 1; ; attempt++) {
      const now = this.clock.now();
      const work = InstanceWork.forNewInstance({
        id: instanceId,
        definitionId: definition.id,
        processKey,
        businessKey: options.businessKey ?? null,
        initiator: options.initiator ?? null,
        status: 'running',
        version: 0,
        endReason: null,
        startedAt: now,
        endedAt: null,
        updatedAt: now,
      });
      const runner = new Runner(process, work, now, options.initiator ?? null, this.newId);
      for (const [name, value] of Object.entries(variables)) work.setVariable(name, value);
      runner.event('INSTANCE_STARTED', null, null, {
        definitionVersion: definition.version,
        businessKey: options.businessKey ?? null,
        variables: Object.keys(variables),
      });
      runner.startAt(process.startEventId, null);
      runner.run();
      const changes = work.toChangeSet(now);
      try {
        await this.store.commit(changes);
      } catch (err) {
        // A lost connection during COMMIT leaves the outcome unknown: the instance id tells.
        if (await this.store.getInstance(instanceId).catch(() => undefined))
          return this.getInstance(instanceId);
        if (isRetryable(err) && attempt < this.maxAttempts) {
          await backoff(attempt);
          continue;
        }
        throw err;
      }
      await this.publish(changes);
      return this.getInstance(instanceId);
    }
  }

  /** Completes a user task with variables, on behalf of `actor`; the token moves on in the same transaction. */
  async completeTask(
    taskId: string,
    options: { variables?: Record<string, unknown>; actor?: string } = {},
  ): Promise<TaskRecord> {
    const task = await this.store.getTask(taskId);
    if (!task) throw new NotFoundError(`Task ${taskId} does not exist`);
    const variables = checkVariables(options.variables, `the completion of task ${taskId}`);
    return this.command(task.instanceId, options.actor ?? null, (work, runner) => {
      const open = work.tasks.get(taskId);
      if (!open || open.state !== 'created') {
        throw new InvalidStateError(
          `Expected task ${taskId} to be open, but it was already completed or canceled`,
          {
            taskId,
          },
        );
      }
      const token = work.executions.get(open.executionId);
      if (!token || token.state !== 'waiting') {
        throw new InvalidStateError(
          `Expected the token of task ${taskId} to be waiting, but it is ${token?.state ?? 'gone'}`,
        );
      }
      for (const [name, value] of Object.entries(variables)) work.setVariable(name, value);
      open.state = 'completed';
      open.endedAt = runner.now;
      open.completedBy = options.actor ?? null;
      work.touch(open.id);
      runner.event(
        'TASK_COMPLETED',
        runner.element(open.elementId),
        token,
        { variables: Object.keys(variables) },
        open.id,
      );
      runner.resume(token, () => runner.takeOutgoing(token));
      return { ...open };
    });
  }

  /** Resolves an incident and tries again: a failed job gets `retries` more attempts; a parked token re-runs its element. */
  async retryIncident(
    incidentId: string,
    options: { actor?: string; retries?: number; variables?: Record<string, unknown> } = {},
  ): Promise<InstanceView> {
    const incident = await this.store.getIncident(incidentId);
    if (!incident) throw new NotFoundError(`Incident ${incidentId} does not exist`);
    const retries = options.retries ?? 1;
    if (!Number.isInteger(retries) || retries < 1 || retries > 100) {
      throw new InvalidVariablesError('retries must be a whole number from 1 to 100');
    }
    const variables = checkVariables(options.variables, `the retry of incident ${incidentId}`);
    await this.command(incident.instanceId, options.actor ?? null, async (work, runner) => {
      const open = work.incidents.get(incidentId);
      if (!open || open.state !== 'open')
        throw new InvalidStateError(`Expected incident ${incidentId} to be open, but it is resolved`);
      const token = work.executions.get(open.executionId);
      if (!token) throw new InvalidStateError(`The token of incident ${incidentId} no longer exists`);
      const job = open.jobId ? await this.store.getJob(open.jobId) : undefined;
      for (const [name, value] of Object.entries(variables)) work.setVariable(name, value);
      runner.resolveIncident(incidentId, 'retried');
      if (job) {
        work.jobs.set(job.id, {
          ...job,
          state: 'pending',
          attempt: job.attempt + 1,
          retriesLeft: retries - 1,
          publishSeq: 0,
          dueAt: runner.now,
          publishedAt: null,
          updatedAt: runner.now,
        });
        work.touch(job.id);
        token.state = 'waiting';
      } else {
        runner.reactivate(token);
      }
    });
    return this.getInstance(incident.instanceId);
  }

  /** Cancels a running instance: every token ends, open tasks are canceled, pending jobs dropped. */
  async cancelInstance(
    instanceId: string,
    options: { actor?: string; reason?: string } = {},
  ): Promise<InstanceView> {
    await this.command(instanceId, options.actor ?? null, (work, runner) => {
      for (const token of work.childrenOf(null)) runner.removeToken(token, 'canceled');
      work.instance.status = 'canceled';
      work.instance.endedAt = runner.now;
      work.instance.endReason = options.reason?.slice(0, 1000) ?? null;
      runner.event('INSTANCE_CANCELED', null, null, { reason: options.reason ?? null });
    });
    return this.getInstance(instanceId);
  }

  // jobs //////

  /**
   * Runs one service job (called by the worker for each queue delivery). Idempotent: a delivery for a job
   * that is no longer pending at that attempt does nothing. Returns what happened, for logs and tests.
   */
  async handleServiceJob(
    jobId: string,
    attempt: number,
  ): Promise<'completed' | 'failed' | 'retrying' | 'skipped'> {
    const job = await this.store.getJob(jobId);
    if (!job || job.state !== 'pending' || job.attempt !== attempt) return 'skipped';
    const instance = await this.store.getInstance(job.instanceId);
    if (!instance || instance.status !== 'running') return 'skipped';
    const handler = job.taskType ? this.handlers[job.taskType] : undefined;
    if (!handler) {
      return this.failJob(
        job,
        new EngineError(
          'NO_HANDLER',
          `No handler is registered for task type "${job.taskType}" (service task ${job.elementId})`,
        ),
        false,
      );
    }
    let output: Record<string, unknown>;
    try {
      const variables = await this.store.loadVariables(job.instanceId);
      const result = await handler({
        jobId,
        attempt,
        instanceId: job.instanceId,
        businessKey: instance.businessKey,
        elementId: job.elementId,
        taskType: job.taskType!,
        variables: Object.freeze({ ...variables }),
      });
      output = checkVariables(result ?? {}, `the result of service task ${job.elementId}`);
    } catch (err) {
      return this.failJob(job, err, true);
    }
    const done = await this.command(
      job.instanceId,
      null,
      (work, runner) => {
        const current = work.jobs.get(jobId);
        if (!current || current.state !== 'pending' || current.attempt !== attempt) return false;
        current.state = 'done';
        current.updatedAt = runner.now;
        work.touch(jobId);
        for (const [name, value] of Object.entries(output)) work.setVariable(name, value);
        const token = work.executions.get(current.executionId)!;
        runner.event('JOB_COMPLETED', runner.element(current.elementId), token, {
          jobId,
          attempt,
          variables: Object.keys(output),
        });
        runner.resume(token, () => runner.takeOutgoing(token));
        return true;
      },
      { skipIfEnded: true },
    );
    return done ? 'completed' : 'skipped';
  }

  /** Publishes jobs that were committed but never handed to the queue (crash or queue outage after commit). */
  async relayOutbox(): Promise<number> {
    const now = this.clock.now();
    const jobs = await this.store.findUnpublishedJobs(now - this.relay.graceMs, 500);
    await this.publishJobs(jobs);
    return jobs.length;
  }

  /**
   * Publishes again, under a fresh queue id, pending jobs whose wake-up seems lost (e.g. Redis was wiped):
   * by default those published and due more than the reconcile horizon ago; with `publishedBefore`, every
   * pending job published before that time (the sweep at start of a queue that keeps nothing).
   */
  async reconcile(options: { publishedBefore?: number } = {}): Promise<number> {
    const now = this.clock.now();
    const sweep = options.publishedBefore !== undefined;
    const publishedBefore = options.publishedBefore ?? now - this.relay.horizonMs;
    const dueBefore = sweep ? now + 100 * 365 * 86_400_000 : now - this.relay.horizonMs;
    const stale = await this.store.findStalePublishedJobs(publishedBefore, dueBefore, 1000);
    const republish: JobRecord[] = [];
    for (const job of stale) {
      const seq = await this.store.bumpPublishSeq(job.id, job.attempt);
      if (seq !== undefined) republish.push({ ...job, publishSeq: seq, publishedAt: null });
    }
    await this.publishJobs(republish);
    return stale.length;
  }

  /** Starts consuming service jobs and running the outbox relay and reconciler in this process. */
  async startWorkers(options: WorkerOptions = {}): Promise<void> {
    this.queue.consume(
      'service',
      async (message) => {
        await this.handleServiceJob(String(message.data.jobId), Number(message.data.attempt));
      },
      { concurrency: options.serviceConcurrency ?? 4 },
    );
    if (options.sweepOnStart) {
      const startedAt = this.clock.now();
      await this.relayOutbox();
      // pages of 1000; each republished job gets published_at >= startedAt and so leaves the selection
      while ((await this.reconcile({ publishedBefore: startedAt })) > 0) {
        /* next page */
      }
    }
    this.relayTimer = setInterval(() => {
      if (this.relayRunning) return;
      this.relayRunning = (async () => {
        try {
          await this.relayOutbox();
          await this.reconcile();
        } catch (err) {
          this.logger?.warn({ err }, 'outbox relay failed; will try again');
        } finally {
          this.relayRunning = undefined;
        }
      })();
    }, this.relay.intervalMs);
    this.relayTimer.unref();
  }

  /** Stops the relay and the queue consumers, waiting for handlers in flight. */
  async stop(): Promise<void> {
    if (this.relayTimer) clearInterval(this.relayTimer);
    this.relayTimer = undefined;
    await this.relayRunning;
    await this.queue.close();
  }

  // reads //////

  async getInstance(instanceId: string): Promise<InstanceView> {
    const snapshot = await this.store.loadInstance(instanceId);
    if (!snapshot) throw new NotFoundError(`Process instance ${instanceId} does not exist`);
    const { definition } = await this.processFor(snapshot.instance.definitionId);
    const [completedElementIds, incidents] = await Promise.all([
      this.store.completedElementIds(instanceId),
      this.store.listIncidents({ instanceId }),
    ]);
    const i = snapshot.instance;
    return {
      id: i.id,
      processKey: i.processKey,
      definitionId: i.definitionId,
      definitionVersion: definition.version,
      businessKey: i.businessKey,
      initiator: i.initiator,
      status: i.status,
      endReason: i.endReason,
      startedAt: i.startedAt,
      endedAt: i.endedAt,
      activeElementIds: [...new Set(snapshot.executions.map((e) => e.elementId))].sort(),
      completedElementIds,
      variables: { ...snapshot.variables },
      incidents,
    };
  }

  async listInstances(query: InstanceQuery = {}): Promise<InstanceRecord[]> {
    return this.store.listInstances(query);
  }

  async getTask(taskId: string): Promise<TaskRecord> {
    const task = await this.store.getTask(taskId);
    if (!task) throw new NotFoundError(`Task ${taskId} does not exist`);
    return task;
  }

  async listTasks(query: TaskQuery = {}): Promise<TaskRecord[]> {
    return this.store.listTasks(query);
  }

  async history(instanceId: string): Promise<StoredHistoryRecord[]> {
    if (!(await this.store.getInstance(instanceId)))
      throw new NotFoundError(`Process instance ${instanceId} does not exist`);
    return this.store.listHistory(instanceId);
  }

  async listIncidents(
    query: { instanceId?: string; state?: IncidentRecord['state'] } = {},
  ): Promise<IncidentRecord[]> {
    return this.store.listIncidents(query);
  }

  // helpers //////

  private async deployProcess(
    process: ExecutableProcess,
    xml: string,
    checksum: string,
    deployedBy: string | null,
  ): Promise<DeployedProcess> {
    for (let attempt = 1; ; attempt++) {
      const latest = await this.store.findDefinition(process.key);
      if (latest && latest.checksum === checksum) {
        return {
          definitionId: latest.id,
          processKey: latest.processKey,
          version: latest.version,
          name: latest.name,
          isNew: false,
        };
      }
      const record: DefinitionRecord = {
        id: this.newId(),
        processKey: process.key,
        version: (latest?.version ?? 0) + 1,
        name: process.name ?? null,
        versionTag: process.versionTag ?? null,
        checksum,
        xml,
        deployedBy,
        deployedAt: this.clock.now(),
      };
      try {
        await this.store.insertDefinition(record);
        return {
          definitionId: record.id,
          processKey: record.processKey,
          version: record.version,
          name: record.name,
          isNew: true,
        };
      } catch (err) {
        // Two deployments of the same key at once: the unique (key, version) lets one win; look again.
        if (attempt >= 5) throw err;
      }
    }
  }

  private processFor(
    definitionId: string,
  ): Promise<{ definition: DefinitionRecord; process: ExecutableProcess }> {
    let entry = this.processes.get(definitionId);
    if (!entry) {
      entry = (async () => {
        const definition = await this.store.getDefinition(definitionId);
        if (!definition) throw new NotFoundError(`Process definition ${definitionId} does not exist`);
        const loaded = await loadModel(definition.xml, {
          ...this.options.limits,
          maxBytes: Number.MAX_SAFE_INTEGER,
        });
        const process = loaded.ok ? loaded.model.processes[definition.processKey] : undefined;
        if (!process)
          throw new EngineError('VALIDATION_FAILED', `Stored definition ${definitionId} no longer compiles`);
        return { definition: { ...definition, xml: '' }, process };
      })();
      entry.catch(() => this.processes.delete(definitionId));
      this.processes.set(definitionId, entry);
    }
    return entry;
  }

  /** Runs one command on an instance: load, apply, run, commit, publish; re-runs on conflicts. */
  private async command<T>(
    instanceId: string,
    actor: string | null,
    body: CommandBody<T>,
    options: { skipIfEnded?: boolean } = {},
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const snapshot = await this.store.loadInstance(instanceId);
      if (!snapshot) throw new NotFoundError(`Process instance ${instanceId} does not exist`);
      if (snapshot.instance.status !== 'running') {
        if (options.skipIfEnded) return false as T;
        throw new InvalidStateError(
          `Expected instance ${instanceId} to be running, but it is ${snapshot.instance.status}`,
        );
      }
      const { process } = await this.processFor(snapshot.instance.definitionId);
      const now = this.clock.now();
      const work = InstanceWork.fromSnapshot(snapshot);
      const runner = new Runner(process, work, now, actor, this.newId);
      const result = await body(work, runner);
      runner.run();
      const changes = work.toChangeSet(now);
      if (!hasChanges(changes)) return result;
      try {
        await this.store.commit(changes);
      } catch (err) {
        if (isRetryable(err) && attempt < this.maxAttempts) {
          await backoff(attempt);
          continue;
        }
        if (err instanceof ConcurrencyError) {
          throw new ConcurrencyError(
            `Instance ${instanceId} was changed by others ${attempt} times in a row; try again`,
          );
        }
        throw err;
      }
      await this.publish(changes);
      return result;
    }
  }

  private async failJob(
    job: JobRecord,
    error: unknown,
    retryable: boolean,
  ): Promise<'failed' | 'retrying' | 'skipped'> {
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 4000);
    return this.command(
      job.instanceId,
      null,
      (work, runner) => {
        const current = work.jobs.get(job.id);
        if (!current || current.state !== 'pending' || current.attempt !== job.attempt)
          return 'skipped' as const;
        const element = runner.element(current.elementId);
        const token = work.executions.get(current.executionId)!;
        current.lastError = message;
        current.updatedAt = runner.now;
        work.touch(current.id);
        if (retryable && current.retriesLeft > 0) {
          const delay =
            (parseDurationMs(element.retryBackoff ?? 'PT10S') ?? 10_000) * 2 ** (current.attempt - 1);
          runner.event('JOB_FAILED', element, token, {
            jobId: current.id,
            attempt: current.attempt,
            error: message,
            retryInMs: delay,
          });
          current.attempt += 1;
          current.retriesLeft -= 1;
          current.publishSeq = 0;
          current.publishedAt = null;
          current.dueAt = runner.now + delay;
          return 'retrying' as const;
        }
        current.state = 'failed';
        runner.event('JOB_FAILED', element, token, {
          jobId: current.id,
          attempt: current.attempt,
          error: message,
        });
        const code =
          error instanceof EngineError && error.code === 'NO_HANDLER' ? 'NO_HANDLER' : 'JOB_FAILED';
        runner.park(
          token,
          new EngineError(
            code,
            `Service task ${element.id} failed after ${current.attempt} attempt(s): ${message}`,
          ),
          current.id,
        );
        return 'failed' as const;
      },
      { skipIfEnded: true },
    ).then((r) => (r === (false as unknown) ? 'skipped' : r));
  }

  private async publish(changes: ChangeSet): Promise<void> {
    const jobs = [...changes.jobsInserted, ...changes.jobsUpdated].filter(
      (j) => j.state === 'pending' && j.publishedAt === null,
    );
    if (jobs.length > 0) await this.publishJobs(jobs);
  }

  /** Hands jobs to the queue and records it; a queue that is down leaves them to the relay. */
  private async publishJobs(jobs: readonly JobRecord[]): Promise<void> {
    if (jobs.length === 0) return;
    const published: JobRecord[] = [];
    const now = this.clock.now();
    for (const job of jobs) {
      try {
        await withTimeout(
          this.queue.publish({
            queue: 'service',
            jobId: `job-${job.id}-${job.attempt}-${job.publishSeq}`,
            data: { jobId: job.id, attempt: job.attempt },
            delayMs: Math.max(0, job.dueAt - now),
          }),
          this.publishTimeoutMs,
        );
        published.push(job);
      } catch (err) {
        this.logger?.warn(
          { err, jobId: job.id },
          'queue did not accept a job; the outbox relay will publish it',
        );
        break;
      }
    }
    try {
      await this.store.markJobsPublished(published, now);
    } catch (err) {
      this.logger?.warn({ err }, 'could not mark jobs published; they may be published twice (harmless)');
    }
  }
}

/** Builds an engine from its ports. */
export function createEngine(options: EngineOptions): Engine {
  return new Engine(options);
}

// helpers //////

function hasChanges(c: ChangeSet): boolean {
  return (
    c.executionsUpserted.length +
      c.executionsDeleted.length +
      c.tasksInserted.length +
      c.tasksUpdated.length +
      c.jobsInserted.length +
      c.jobsUpdated.length +
      c.incidentsInserted.length +
      c.incidentsUpdated.length +
      c.history.length +
      Object.keys(c.variablesSet).length >
    0
  );
}

function backoff(attempt: number): Promise<void> {
  const ms = Math.min(200, 2 ** attempt) * (0.5 + Math.random());
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
