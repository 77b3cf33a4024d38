/**
 * The engine API and its executor. Every command is: load the instance → run behaviors in memory → commit one
 * transaction (version-guarded) → hand new jobs to the queue. Conflicts, deadlocks and lost connections re-run
 * the whole command (bounded, with jitter). Behaviors never await: only this file, the job handlers and the
 * publisher do.
 *
 * Jobs (the outbox) wake the engine up: service tasks, timers, call activities and their children, message and
 * signal throws. `handleJob` runs one (jobs/), idempotently: a delivery for a job that is no longer pending at
 * that attempt does nothing. outbox/job-publisher.ts hands committed jobs to the queue and relays what it lost;
 * messages/message-correlation.ts brings messages and signals to their catchers.
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
import type {
  CorrelateOptions,
  CorrelationResult,
  DefinitionStatistics,
  DeployedProcess,
  DiagramState,
  EngineOptions,
  InstanceView,
  Logger,
  ServiceHandler,
  StartOptions,
  WorkerOptions,
} from './api-types.js';
import type { CommandBody, NewInstance } from './command-types.js';
import { deriveInboxEvents } from './inbox-events.js';
import { loadModel } from './model/load-model.js';
import type { ExecutableProcess } from './model/types.js';
import { systemClock, type Clock } from './ports/clock.js';
import type { InstanceQuery, ProcessStore, TaskQuery } from './ports/store.js';
import type { WorkQueue } from './ports/work-queue.js';
import type { JobContext, JobOutcome } from './jobs/job-context.js';
import { runJob } from './jobs/run-job.js';
import { backoff, withRetriedReads } from './retry.js';
import { fireTimer } from './jobs/timer-jobs.js';
import { MessageCorrelation } from './messages/message-correlation.js';
import { JobPublisher } from './outbox/job-publisher.js';
import { InstanceWork } from './runtime/instance-work.js';
import { isInnerInstance } from './runtime/multi-instance.js';
import type {
  ChangeSet,
  DefinitionRecord,
  IncidentRecord,
  InstanceRecord,
  InstanceSnapshot,
  JobRecord,
  MessageRecord,
  StoredHistoryRecord,
  SubscriptionRecord,
  TaskRecord,
} from './runtime/records.js';
import { Runner } from './runtime/runner.js';
import { timerDue, type TimerPayload } from './runtime/timers.js';
import { checkVariables } from './runtime/variables.js';
import { claim, delegate, resolve, transfer, unclaim } from './operations/assignment.js';
import { moveTokens, migrate } from './operations/move-tokens.js';
import { carbonCopy, urge } from './operations/notify.js';
import {
  rejectInstance,
  returnTargets,
  returnTask,
  type CompletedStep,
  type ReturnTarget,
} from './operations/return.js';
import {
  addSigners,
  releaseSuspended,
  removeSigner,
  startAfterSigners,
  type SignerMode,
} from './operations/signers.js';
import { actOn, checkFieldWrites, closeTask, otherOpenTasks } from './operations/task-guards.js';
import { withdraw } from './operations/withdraw.js';
import { replayStoredInstance } from './replay/replay-instance.js';
import type { ReplayReport } from './replay/replay-report.js';
import { chinaCalendar } from './time/calendars/china-calendar.js';
import type { WorkingCalendar } from './time/working-calendar.js';

export class Engine {
  private readonly store: ProcessStore;
  private readonly queue: WorkQueue;
  private readonly clock: Clock;
  private readonly handlers: Readonly<Record<string, ServiceHandler>>;
  private readonly newId: () => string;
  private readonly calendar: WorkingCalendar;
  private readonly maxAttempts: number;
  private readonly relayIntervalMs: number;
  private readonly logger: Logger | undefined;
  /** Hands committed jobs to the queue; the outbox relay and the reconciler. */
  private readonly publisher: JobPublisher;
  /** What the job handlers (jobs/) use of this engine. */
  private readonly jobContext: JobContext;
  /** Messages and signals meeting their catchers (messages/). */
  private readonly messages: MessageCorrelation;
  private readonly processes = new Map<
    string,
    Promise<{ definition: DefinitionRecord; process: ExecutableProcess }>
  >();
  private relayTimer: NodeJS.Timeout | undefined;
  private relayRunning: Promise<void> | undefined;
  /** The model last replayed against (replayInstance), compiled once for many instances. */
  private replayModel: { xml: string; processes: Readonly<Record<string, ExecutableProcess>> } | undefined;

  constructor(private readonly options: EngineOptions) {
    this.store = options.store;
    this.queue = options.queue;
    this.clock = options.clock ?? systemClock;
    this.handlers = options.handlers ?? {};
    this.newId = options.newId ?? randomUUID;
    this.calendar = options.calendar ?? chinaCalendar();
    this.maxAttempts = options.maxCommandAttempts ?? 10;
    this.relayIntervalMs = options.relay?.intervalMs ?? 1000;
    this.logger = options.logger;
    this.publisher = new JobPublisher({
      store: this.store,
      queue: this.queue,
      clock: this.clock,
      logger: this.logger,
      graceMs: options.relay?.graceMs ?? 2000,
      horizonMs: options.relay?.horizonMs ?? 60_000,
      publishTimeoutMs: options.publishTimeoutMs ?? 1000,
    });
    this.messages = new MessageCorrelation({
      store: this.store,
      clock: this.clock,
      newId: this.newId,
      logger: this.logger,
      messageTtlMs: options.messageTtlMs ?? 3_600_000,
      maxAttempts: this.maxAttempts,
      command: (instanceId, actor, body, commandOptions) =>
        this.command(instanceId, actor, body, commandOptions),
      startNew: (start) => this.startNew(start),
      processFor: (definitionId) => this.processFor(definitionId),
    });
    this.jobContext = {
      // a job's reads before its command are tried again on a lost connection, as its command is
      store: withRetriedReads(this.store, this.maxAttempts),
      clock: this.clock,
      calendar: this.calendar,
      handlers: this.handlers,
      router: options.router,
      command: (instanceId, actor, body, commandOptions) =>
        this.command(instanceId, actor, body, commandOptions),
      startNew: (start) => this.startNew(start),
      processFor: (definitionId) => this.processFor(definitionId),
      cancelInstance: (instanceId, cancelOptions) => this.cancelInstance(instanceId, cancelOptions),
      correlateMessage: (name, correlateOptions) => this.correlateMessage(name, correlateOptions),
      broadcastSignal: (name) => this.broadcastSignal(name),
    };
  }

  // deployment //////

  /**
   * Validates and deploys a BPMN file. Each executable process in it becomes the next version of its key,
   * unless the same XML is already the latest version (then nothing new is created). A new version takes over
   * the key's message, signal and timer start events.
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
    for (const d of deployed)
      if (d.isNew)
        await this.publisher.publish(
          await this.store.listJobs({ definitionId: d.definitionId, state: 'pending' }),
        );
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

  /** Starts an instance of the latest (or the given) version of a process at its none start event. */
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
    if (!process.startEventId) {
      throw new InvalidStateError(
        `Process ${processKey} has no none start event: it starts only by a message, signal or timer`,
      );
    }
    await this.checkStarter(process, options.initiator);
    if (
      options.businessKey !== undefined &&
      (typeof options.businessKey !== 'string' || options.businessKey.length > 255)
    ) {
      throw new InvalidVariablesError('businessKey must be a string of at most 255 characters');
    }
    checkOrg(options.org);
    if (
      options.requestKey !== undefined &&
      (typeof options.requestKey !== 'string' ||
        options.requestKey.length === 0 ||
        options.requestKey.length > 200)
    )
      throw new InvalidVariablesError('Expected a request key of 1–200 characters');
    const started = await this.startNew({
      definition,
      process,
      startEventId: process.startEventId,
      variables: withInitiator(
        checkVariables(options.variables, `the start of ${processKey}`),
        options.initiator,
      ),
      businessKey: options.businessKey ?? null,
      initiator: options.initiator ?? null,
      org: options.org ?? null,
      id: options.requestKey === undefined ? undefined : idForRequest(processKey, options.requestKey),
    });
    // the view is what this start just committed: no need to read it back
    return started.view ?? this.getInstance(started.id);
  }

  /**
   * 通过: completes a user task with variables and a comment (意见), on behalf of `actor`. The token moves on in
   * the same transaction once no other signer of the step is pending (加签), and after-signers have signed.
   */
  async completeTask(
    taskId: string,
    options: {
      variables?: Record<string, unknown>;
      actor?: string;
      comment?: string;
      /**
       * The caller's key for this request (an Idempotency-Key), kept on the completion's history row: a repeat
       * with the same key after the task was completed — the caller never learnt that its first attempt
       * committed — answers with the completed task instead of "not open".
       */
      requestKey?: string;
    } = {},
  ): Promise<TaskRecord> {
    const variables = checkVariables(options.variables, `the completion of task ${taskId}`);
    const comment = checkComment(options.comment);
    const requestKey = options.requestKey;
    if (requestKey !== undefined && (requestKey.length === 0 || requestKey.length > 200))
      throw new InvalidVariablesError('Expected a request key of 1–200 characters');
    try {
      return await this.completeOpenTask(taskId, options.actor ?? null, variables, comment, requestKey);
    } catch (err) {
      if (requestKey === undefined || !(err instanceof InvalidStateError)) throw err;
      const task = await this.store.getTask(taskId);
      const completion = task
        ? (await this.store.listHistory(task.instanceId)).find(
            (h) =>
              h.type === 'TASK_COMPLETED' &&
              h.taskId === taskId &&
              (h.data as { requestKey?: unknown } | null)?.requestKey === requestKey,
          )
        : undefined;
      if (!task || !completion) throw err;
      return task;
    }
  }

  private completeOpenTask(
    taskId: string,
    actor: string | null,
    variables: Record<string, unknown>,
    comment: string | null | undefined,
    requestKey: string | undefined,
  ): Promise<TaskRecord> {
    return this.command({ taskId }, actor, (work, runner) => {
      const { task: open, token } = actOn(work, runner, taskId, actor, 'approve', {
        comment,
      });
      checkFieldWrites(runner, open, variables);
      const mi = runner.element(open.elementId).multiInstance;
      if (
        mi?.preset &&
        !open.signerOf &&
        isInnerInstance(runner, token) &&
        typeof variables[mi.outcomeVariable] !== 'boolean'
      ) {
        throw new InvalidVariablesError(
          `Task ${taskId} (${open.elementId}) is one vote of an approval: set ${mi.outcomeVariable} to true (approve) or false (reject)`,
        );
      }
      for (const [name, value] of Object.entries(variables)) work.setVariable(name, value);
      closeTask(work, open, runner.now, actor ?? open.assignee ?? null);
      runner.event(
        'TASK_COMPLETED',
        runner.element(open.elementId),
        token,
        { variables: Object.keys(variables), comment, ...(requestKey ? { requestKey } : {}) },
        open.id,
      );
      releaseSuspended(work, runner, open);
      if (otherOpenTasks(work, open).length > 0) return { ...open };
      if (startAfterSigners(work, runner, token, open)) return { ...open };
      runner.resume(token, () => runner.takeOutgoing(token));
      return { ...open };
    });
  }

  // approval operations (docs/approval-operations.md) //////

  /**
   * A task as its step shows it: the instance variables minus the step's hidden fields, and each field's
   * permission (`readOnly`, `hidden` (never returned), `editable`).
   */
  async getTaskView(taskId: string): Promise<{
    task: TaskRecord;
    variables: Record<string, unknown>;
    fields: { readOnly: string[]; hidden: string[]; editable: string[] | null };
  }> {
    const task = await this.getTask(taskId);
    const instance = await this.store.getInstance(task.instanceId);
    const { process } = await this.processFor(instance!.definitionId);
    const fields = process.elements[task.elementId]?.approval?.fields ?? { readOnly: [], hidden: [] };
    const variables = await this.store.loadVariables(task.instanceId);
    for (const name of fields.hidden) delete variables[name];
    return {
      task,
      variables: { ...variables },
      fields: {
        readOnly: [...fields.readOnly],
        hidden: [...fields.hidden],
        editable: fields.editable ? [...fields.editable] : null,
      },
    };
  }

  /** Takes a candidate task for `actor`. */
  async claimTask(taskId: string, options: { actor: string }): Promise<TaskRecord> {
    return this.onTask(taskId, options.actor, (work, runner) => claim(work, runner, taskId, options.actor));
  }

  /** Gives a claimed task back to its candidates. */
  async unclaimTask(taskId: string, options: { actor: string }): Promise<TaskRecord> {
    return this.onTask(taskId, options.actor, (work, runner) => unclaim(work, runner, taskId, options.actor));
  }

  /** 转办: the task goes to `to` for good. */
  async transferTask(
    taskId: string,
    options: { actor?: string; to: string; comment?: string },
  ): Promise<TaskRecord> {
    const comment = checkComment(options.comment);
    return this.onTask(taskId, options.actor ?? null, (work, runner) =>
      transfer(work, runner, taskId, options.actor ?? null, options.to, comment),
    );
  }

  /** 委派: `to` works on the task and resolves it back to its owner. */
  async delegateTask(
    taskId: string,
    options: { actor?: string; to: string; comment?: string },
  ): Promise<TaskRecord> {
    const comment = checkComment(options.comment);
    return this.onTask(taskId, options.actor ?? null, (work, runner) =>
      delegate(work, runner, taskId, options.actor ?? null, options.to, comment),
    );
  }

  /** The delegate hands a delegated task back to its owner, with variables and a comment. */
  async resolveTask(
    taskId: string,
    options: { actor?: string; comment?: string; variables?: Record<string, unknown> } = {},
  ): Promise<TaskRecord> {
    const comment = checkComment(options.comment);
    const variables = checkVariables(options.variables, `the resolution of task ${taskId}`);
    return this.onTask(taskId, options.actor ?? null, (work, runner) => {
      const task = work.tasks.get(taskId);
      if (task) checkFieldWrites(runner, task, variables);
      for (const [name, value] of Object.entries(variables)) work.setVariable(name, value);
      return resolve(work, runner, taskId, options.actor ?? null, comment);
    });
  }

  /** The steps a task may be returned to (退回), nearest first. */
  async returnTargets(
    taskId: string,
  ): Promise<{ elementId: string; name: string | null; actor: string | null }[]> {
    const task = await this.getTask(taskId);
    const { process } = await this.processFor((await this.store.getInstance(task.instanceId))!.definitionId);
    const completed = await this.completedSteps(task.instanceId);
    const snapshot = (await this.store.loadInstance(task.instanceId))!;
    const runner = new Runner(
      process,
      InstanceWork.fromSnapshot(snapshot),
      this.clock.now(),
      null,
      this.newId,
      this.calendar,
    );
    return returnTargets(runner, task.elementId, completed).map((t) => ({
      ...t,
      name: process.elements[t.elementId]?.name ?? null,
    }));
  }

  /** 退回: back to the previous step, the initiator's step, or a chosen completed step. */
  async returnTask(
    taskId: string,
    options: { actor?: string; target?: ReturnTarget; comment?: string } = {},
  ): Promise<{ targetElementId: string }> {
    const comment = checkComment(options.comment);
    const task = await this.getTask(taskId);
    const completed = await this.completedSteps(task.instanceId);
    return this.onTask(taskId, options.actor ?? null, (work, runner) =>
      returnTask(
        work,
        runner,
        taskId,
        options.actor ?? null,
        options.target ?? 'previous',
        comment,
        completed,
      ),
    );
  }

  /** 拒绝: ends the instance as rejected, or (with a target) returns it like 退回. */
  async rejectTask(
    taskId: string,
    options: { actor?: string; comment?: string; target?: ReturnTarget } = {},
  ): Promise<InstanceView> {
    const comment = checkComment(options.comment);
    const task = await this.getTask(taskId);
    const completed = options.target ? await this.completedSteps(task.instanceId) : [];
    await this.onTask(taskId, options.actor ?? null, (work, runner) => {
      if (options.target)
        returnTask(work, runner, taskId, options.actor ?? null, options.target, comment, completed, 'reject');
      else rejectInstance(work, runner, taskId, options.actor ?? null, comment);
    });
    return this.getInstance(task.instanceId);
  }

  /** 撤回: the approver takes back the task they just completed, while the next step is untouched. */
  async withdrawTask(taskId: string, options: { actor: string }): Promise<InstanceView> {
    const task = await this.getTask(taskId);
    const element = (await this.processFor((await this.store.getInstance(task.instanceId))!.definitionId))
      .process.elements[task.elementId];
    if (element?.approval && !element.approval.allowedOperations.includes('withdraw')) {
      throw new InvalidStateError(`Step ${task.elementId} does not allow withdraw`, {
        reason: 'OPERATION_NOT_ALLOWED',
      });
    }
    const history = await this.store.listHistory(task.instanceId);
    await this.command(task.instanceId, options.actor, (work, runner) =>
      withdraw(work, runner, task, options.actor, history),
    );
    return this.getInstance(task.instanceId);
  }

  /** 撤销: the initiator cancels their own running application. */
  async revokeInstance(
    instanceId: string,
    options: { actor: string; reason?: string },
  ): Promise<InstanceView> {
    const instance = await this.store.getInstance(instanceId);
    if (!instance) throw new NotFoundError(`Process instance ${instanceId} does not exist`);
    if (instance.initiator !== options.actor) {
      throw new InvalidStateError(
        `Only the initiator ${instance.initiator ?? '(none)'} can revoke instance ${instanceId}`,
        { reason: 'NOT_INITIATOR' },
      );
    }
    return this.cancelInstance(instanceId, {
      actor: options.actor,
      reason: `revoked by the initiator${options.reason ? `: ${options.reason}` : ''}`,
    });
  }

  /** 终止: an administrator ends an instance; the reason is required and kept. */
  async terminateInstance(
    instanceId: string,
    options: { actor: string; reason: string },
  ): Promise<InstanceView> {
    if (!options.reason?.trim())
      throw new InvalidVariablesError('A reason is required to terminate an instance');
    return this.cancelInstance(instanceId, { actor: options.actor, reason: `terminated: ${options.reason}` });
  }

  /** 加签: signers before, after or in parallel with the holder of the task. */
  async addSigners(
    taskId: string,
    options: { actor?: string; users: string[]; mode: SignerMode; comment?: string },
  ): Promise<TaskRecord[]> {
    const comment = checkComment(options.comment);
    return this.onTask(taskId, options.actor ?? null, (work, runner) =>
      addSigners(work, runner, taskId, options.actor ?? null, options.users, options.mode, comment),
    );
  }

  /** 减签: removes a pending added signer, or a pending vote of a countersign. */
  async removeSigner(
    taskId: string,
    options: { actor?: string; comment?: string } = {},
  ): Promise<InstanceView> {
    const comment = checkComment(options.comment);
    const task = await this.getTask(taskId);
    await this.onTask(taskId, options.actor ?? null, (work, runner) =>
      removeSigner(work, runner, taskId, options.actor ?? null, comment),
    );
    return this.getInstance(task.instanceId);
  }

  /** 抄送: copies an instance (optionally a task of it) to users for information. */
  async carbonCopy(
    instanceId: string,
    options: { actor?: string; users: string[]; note?: string; taskId?: string },
  ): Promise<void> {
    await this.command(instanceId, options.actor ?? null, (work, runner) =>
      carbonCopy(
        work,
        runner,
        options.taskId ?? null,
        options.actor ?? null,
        options.users,
        options.note ?? null,
      ),
    );
  }

  async listCarbonCopies(query: { userId?: string; instanceId?: string; unreadOnly?: boolean }) {
    return this.store.listCarbonCopies(query);
  }

  async markCarbonCopyRead(id: string, userId: string): Promise<boolean> {
    return this.store.markCarbonCopyRead(id, userId, this.clock.now());
  }

  /** 催办: reminds the holders of a task; at most once per task per `urgeIntervalMs`. */
  async urgeTask(taskId: string, options: { actor?: string; note?: string } = {}): Promise<void> {
    const task = await this.getTask(taskId);
    const history = await this.store.listHistory(task.instanceId);
    const last = history.filter((h) => h.type === 'TASK_URGED' && h.taskId === taskId).at(-1)?.at ?? null;
    await this.onTask(taskId, options.actor ?? null, (work, runner) =>
      urge(
        work,
        runner,
        taskId,
        options.actor ?? null,
        options.note ?? null,
        last,
        this.options.urgeIntervalMs ?? 3_600_000,
      ),
    );
  }

  /** Approves many tasks; each is validated and applied on its own, with a result per task. */
  async bulkApprove(
    taskIds: readonly string[],
    options: { actor?: string; comment?: string; variables?: Record<string, unknown> } = {},
  ): Promise<{ taskId: string; ok: boolean; code?: string; message?: string }[]> {
    if (!Array.isArray(taskIds) || taskIds.length === 0 || taskIds.length > 500) {
      throw new InvalidVariablesError('taskIds must be a list of 1 to 500 task ids');
    }
    const results = await eachOnItsOwn(taskIds, (taskId) => this.completeTask(taskId, options));
    return results.map(({ item, ...result }) => ({ taskId: item, ...result }));
  }

  /** 任意跳转 (admin): ends the tokens at `from` (all when empty) and starts tokens at `to`, with a reason. */
  async moveTokens(
    instanceId: string,
    options: { actor: string; from?: string[]; to: string[]; reason: string },
  ): Promise<InstanceView> {
    await this.command(instanceId, options.actor, (work, runner) =>
      moveTokens(work, runner, options.from ?? [], options.to, options.reason),
    );
    return this.getInstance(instanceId);
  }

  /**
   * Migrates a running instance to another version of its process. `mapping` maps old element ids to new ones
   * (ids present in both versions map to themselves). Refused, changing nothing, if a waiting step would be lost.
   */
  async migrateInstance(
    instanceId: string,
    options: { actor?: string; toVersion?: number; mapping?: Record<string, string> },
  ): Promise<InstanceView> {
    const instance = await this.store.getInstance(instanceId);
    if (!instance) throw new NotFoundError(`Process instance ${instanceId} does not exist`);
    const target = await this.store.findDefinition(instance.processKey, options.toVersion);
    if (!target)
      throw new NotFoundError(
        `Process ${instance.processKey} has no version ${options.toVersion ?? '(latest)'}`,
      );
    if (target.id === instance.definitionId)
      throw new InvalidStateError(`Instance ${instanceId} already runs version ${target.version}`, {
        reason: 'SAME_VERSION',
      });
    const { process } = await this.processFor(target.id);
    await this.command(instanceId, options.actor ?? null, (work, runner) =>
      migrate(
        work,
        runner,
        { definitionId: target.id, version: target.version, process },
        options.mapping ?? {},
      ),
    );
    return this.getInstance(instanceId);
  }

  /** Migrates many instances, each on its own, with a result per instance. */
  async migrateInstances(
    instanceIds: readonly string[],
    options: { actor?: string; toVersion?: number; mapping?: Record<string, string> },
  ): Promise<{ instanceId: string; ok: boolean; code?: string; message?: string }[]> {
    const results = await eachOnItsOwn(instanceIds, (instanceId) =>
      this.migrateInstance(instanceId, options),
    );
    return results.map(({ item, ...result }) => ({ instanceId: item, ...result }));
  }

  /**
   * Replays an instance's recorded routing decisions (replay/): against the definitions it ran on (does the
   * current build decide the same?), or against `definitionXml`, another model of its process key (would that
   * model have routed it the same way so far?). Reports each divergence with the element id.
   */
  async replayInstance(
    instanceId: string,
    options: { definitionXml?: string | Buffer } = {},
  ): Promise<ReplayReport> {
    let against: ExecutableProcess | undefined;
    if (options.definitionXml !== undefined) {
      const instance = await this.store.getInstance(instanceId);
      if (!instance) throw new NotFoundError(`Process instance ${instanceId} does not exist`);
      const xml =
        typeof options.definitionXml === 'string'
          ? options.definitionXml
          : options.definitionXml.toString('utf8');
      // replaying many instances against one file compiles it once
      if (this.replayModel?.xml !== xml) {
        const loaded = await loadModel(xml, this.options.limits);
        if (!loaded.ok)
          throw new ValidationError(
            `The BPMN file has ${loaded.problems.length} problem(s); nothing was replayed`,
            loaded.problems,
          );
        this.replayModel = { xml, processes: loaded.model.processes };
      }
      against = this.replayModel.processes[instance.processKey];
      if (!against)
        throw new InvalidStateError(
          `The BPMN file has no process ${instance.processKey} (the key of instance ${instanceId})`,
          { reason: 'OTHER_PROCESS' },
        );
    }
    return replayStoredInstance(
      { store: this.store, processFor: async (id) => (await this.processFor(id)).process },
      instanceId,
      against,
    );
  }

  /**
   * Correlates a message: to the oldest subscription of that name and key, else to a message start event, else
   * it is buffered for its time-to-live, else refused (and recorded as unmatched). Idempotent by messageId.
   */
  correlateMessage(name: string, options: CorrelateOptions = {}): Promise<CorrelationResult> {
    return this.messages.correlate(name, options);
  }

  /** Broadcasts a signal to every waiting subscription and signal start event; returns how many caught it. */
  broadcastSignal(name: string, options: { variables?: Record<string, unknown> } = {}): Promise<number> {
    return this.messages.broadcastSignal(name, options);
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
        // the job runs again; its token waits for it as before the failure
        if (token.state === 'incident') token.state = 'waiting';
      } else {
        runner.reactivate(token);
      }
    });
    return this.getInstance(incident.instanceId);
  }

  /** Cancels a running instance: every token ends, open tasks are canceled, jobs and subscriptions dropped, children canceled. */
  async cancelInstance(
    instanceId: string,
    options: { actor?: string; reason?: string } = {},
  ): Promise<InstanceView> {
    await this.command(instanceId, options.actor ?? null, (work, runner) => {
      for (const token of work.childrenOf(null)) runner.removeToken(token, 'canceled');
      runner.endInstance('canceled', options.reason?.slice(0, 1000) ?? null);
    });
    return this.getInstance(instanceId);
  }

  // jobs //////

  /**
   * Runs one job (called by the workers for each queue delivery). Idempotent: a delivery for a job that is no
   * longer pending at that attempt does nothing. Returns what happened, for logs and tests.
   */
  async handleJob(
    jobId: string,
    attempt: number,
    hint: { timerInstanceId?: string } = {},
  ): Promise<JobOutcome> {
    let outcome: JobOutcome;
    if (hint.timerInstanceId !== undefined) {
      // a timer's queue message names its instance: the job row is read with the instance, not before it
      outcome = await fireTimer(this.jobContext, {
        id: jobId,
        instanceId: hint.timerInstanceId,
        attempt,
      }).catch((err) => {
        if (err instanceof NotFoundError) return 'skipped' as const;
        throw err;
      });
    } else {
      const job = await this.jobContext.store.getJob(jobId);
      if (!job || job.state !== 'pending' || job.attempt !== attempt) return 'skipped';
      outcome = await runJob(this.jobContext, job);
    }
    // a job whose owner is gone (instance ended, token moved on) must not stay pending for the reconciler
    if (outcome === 'skipped') await this.store.settleJob(jobId, attempt, 'canceled', this.clock.now());
    return outcome;
  }

  /** Fires every timer due now, oldest first (catch-up after downtime; tests driving a fake clock). Returns how many fired. */
  async fireDueTimers(limit = 1000): Promise<number> {
    let fired = 0;
    for (const job of await this.store.findDueTimers(this.clock.now(), limit)) {
      const outcome = await this.handleJob(job.id, job.attempt);
      if (outcome === 'done') fired++;
    }
    return fired;
  }

  /** Publishes jobs that were committed but never handed to the queue (crash or queue outage after commit). */
  relayOutbox(): Promise<number> {
    return this.publisher.relayOutbox();
  }

  /**
   * Publishes again, under a fresh queue id, pending jobs published and due more than the reconcile horizon ago
   * whose message the queue no longer holds (their wake-up was lost, e.g. Redis was wiped). Returns how many were
   * stale.
   */
  reconcile(): Promise<number> {
    return this.publisher.reconcile();
  }

  /**
   * Publishes every pending job again under a fresh queue id (at start, for a queue that keeps nothing across
   * restarts): timers that fell due while nothing ran then fire at once. Each job is republished once per sweep.
   */
  sweepPendingJobs(): Promise<number> {
    return this.publisher.sweepPendingJobs();
  }

  /** Buffered messages: expire those past their time-to-live, correlate those whose subscription now exists. */
  sweepMessages(): Promise<{ expired: number; correlated: number }> {
    return this.messages.sweep();
  }

  /** Starts consuming jobs and running the outbox relay, the reconciler and the message sweep in this process. */
  async startWorkers(options: WorkerOptions = {}): Promise<void> {
    const handle = async (message: { data: Readonly<Record<string, unknown>> }) => {
      const { jobId, attempt, timerInstanceId } = message.data;
      const outcome = await this.handleJob(String(jobId), Number(attempt), {
        timerInstanceId: typeof timerInstanceId === 'string' ? timerInstanceId : undefined,
      });
      if (outcome === 'early') await this.publisher.republishEarly(String(message.data.jobId));
    };
    this.queue.consume('service', handle, { concurrency: options.serviceConcurrency ?? 4 });
    this.queue.consume('timer', handle, { concurrency: options.timerConcurrency ?? 8 });
    this.queue.consume('continue', handle, { concurrency: options.timerConcurrency ?? 8 });
    this.queue.consume('route', handle, { concurrency: options.timerConcurrency ?? 8 });
    if (options.sweepOnStart) await this.sweepPendingJobs();
    this.relayTimer = setInterval(() => {
      if (this.relayRunning) return;
      this.relayRunning = (async () => {
        try {
          await this.relayOutbox();
          await this.reconcile();
          await this.sweepMessages();
        } catch (err) {
          this.logger?.warn({ err }, 'outbox relay failed; will try again');
        } finally {
          this.relayRunning = undefined;
        }
      })();
    }, this.relayIntervalMs);
    this.relayTimer.unref();
  }

  /** Stops the relay and the queue consumers, waiting for handlers in flight. */
  async stop(): Promise<void> {
    if (this.relayTimer) clearInterval(this.relayTimer);
    this.relayTimer = undefined;
    await this.relayRunning;
    await this.publisher.flush();
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
      parentInstanceId: i.parentInstanceId,
      orgCode: i.orgCode,
      orgPath: i.orgPath,
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

  /** Instances matching every given filter (see InstanceQuery), one page; `countInstances` counts all of them. */
  async listInstances(query: InstanceQuery = {}): Promise<InstanceRecord[]> {
    return this.store.listInstances(query);
  }

  async countInstances(query: InstanceQuery = {}): Promise<number> {
    return this.store.countInstances(query);
  }

  async getTask(taskId: string): Promise<TaskRecord> {
    const task = await this.store.getTask(taskId);
    if (!task) throw new NotFoundError(`Task ${taskId} does not exist`);
    return task;
  }

  /** Tasks matching every given filter (see TaskQuery; open ones unless a state is given), one page. */
  async listTasks(query: TaskQuery = {}): Promise<TaskRecord[]> {
    return this.store.listTasks(query);
  }

  async countTasks(query: TaskQuery = {}): Promise<number> {
    return this.store.countTasks(query);
  }

  /** 流程统计: instances by status, and per element the live tokens, open tasks, open incidents and completions. */
  async definitionStatistics(definitionId: string): Promise<DefinitionStatistics> {
    if (!(await this.store.getDefinition(definitionId)))
      throw new NotFoundError(`Process definition ${definitionId} does not exist`);
    return { definitionId, ...(await this.store.definitionStatistics(definitionId)) };
  }

  /** 流程图状态: what the diagram of one instance marks (completed, active, incidents, returns, flows taken). */
  async diagramState(instanceId: string): Promise<DiagramState> {
    if (!(await this.store.getInstance(instanceId)))
      throw new NotFoundError(`Process instance ${instanceId} does not exist`);
    return this.store.diagramState(instanceId);
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

  async listJobs(
    query: {
      instanceId?: string;
      definitionId?: string;
      state?: JobRecord['state'];
      kind?: JobRecord['kind'];
    } = {},
  ): Promise<JobRecord[]> {
    return this.store.listJobs(query);
  }

  /** Messages by state: operators look at `unmatched` and `expired` ones (nothing is dropped silently). */
  async listMessages(
    query: { state?: MessageRecord['state']; name?: string } = {},
  ): Promise<MessageRecord[]> {
    return this.store.listMessages(query);
  }

  // helpers //////

  /** Who may start a process (`fiscal:starterRoles`), checked through the router's directory when one is set. */
  private async checkStarter(process: ExecutableProcess, initiator: string | undefined): Promise<void> {
    const router = this.options.router;
    if (!router || process.starterRoles.length === 0) return;
    if (!initiator || !(await router.holdsAnyRole(initiator, process.starterRoles, this.clock.now()))) {
      throw new InvalidStateError(
        `${initiator ?? 'An anonymous user'} may not start ${process.key}: it needs one of the roles ${process.starterRoles.join(', ')}`,
        { reason: 'NOT_A_STARTER' },
      );
    }
  }

  /** One command on the instance of a task. */
  private async onTask<T>(taskId: string, actor: string | null, body: CommandBody<T>): Promise<T> {
    return this.command({ taskId }, actor, body);
  }

  /** The user tasks completed so far in an instance, in order, with who completed them. */
  private async completedSteps(instanceId: string): Promise<CompletedStep[]> {
    return (await this.store.listHistory(instanceId))
      .filter((h) => h.type === 'TASK_COMPLETED' && h.elementId)
      .map((h) => ({ elementId: h.elementId!, actor: h.actor }));
  }

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
      const now = this.clock.now();
      const record: DefinitionRecord = {
        id: this.newId(),
        processKey: process.key,
        version: (latest?.version ?? 0) + 1,
        name: process.name ?? null,
        versionTag: process.versionTag ?? null,
        checksum,
        xml,
        deployedBy,
        deployedAt: now,
      };
      try {
        await this.store.deployDefinition(record, this.startsOf(record, process, now));
        return {
          definitionId: record.id,
          processKey: record.processKey,
          version: record.version,
          name: record.name,
          isNew: true,
        };
      } catch (err) {
        // Two deployments of the same key at once: the unique (key, version) lets one win; look again.
        if (err instanceof ValidationError || attempt >= 5) throw err;
      }
    }
  }

  /** The message and signal start subscriptions and start timers of a new definition. */
  private startsOf(
    definition: DefinitionRecord,
    process: ExecutableProcess,
    now: number,
  ): { subscriptions: SubscriptionRecord[]; jobs: JobRecord[] } {
    const subscriptions: SubscriptionRecord[] = [];
    const jobs: JobRecord[] = [];
    for (const id of process.eventStartIds) {
      const element = process.elements[id]!;
      const d = element.eventDefinition;
      if (d?.type === 'message' || d?.type === 'signal') {
        subscriptions.push({
          id: this.newId(),
          kind: d.type,
          name: d.type === 'message' ? d.messageName : d.signalName,
          correlationKey: null,
          instanceId: null,
          executionId: null,
          definitionId: definition.id,
          processKey: process.key,
          elementId: id,
          createdAt: now,
        });
      } else if (d?.type === 'timer') {
        if (!d.timer.text) {
          throw new ValidationError(`Timer start event ${id} must give its timer as ISO 8601 text`, [
            {
              elementId: id,
              elementType: element.bpmnType,
              rule: 'timer-definitions',
              message: 'a timer start event needs a fixed date, duration or cycle (no expression)',
            },
          ]);
        }
        const payload: TimerPayload = {
          kind: d.timer.kind,
          text: d.timer.text,
          workingDays: d.timer.workingDays,
          anchor: now,
        };
        const due = timerDue(payload, 0, undefined, this.calendar);
        if (!due.ok || due.dueAt === undefined) continue;
        jobs.push({
          id: this.newId(),
          instanceId: null,
          executionId: null,
          definitionId: definition.id,
          elementId: id,
          kind: 'start-timer',
          taskType: null,
          state: 'pending',
          attempt: 1,
          retriesLeft: 2,
          publishSeq: 0,
          fireCount: 0,
          payload: { ...payload },
          lastError: null,
          dueAt: due.dueAt,
          publishedAt: null,
          createdAt: now,
          updatedAt: now,
        });
      }
    }
    return { subscriptions, jobs };
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

  /** Creates and runs a new instance in one transaction; returns its id. A lost commit outcome is resolved by looking the id up. */
  /** Returns the id, and the view of what was committed (null when an earlier, unacknowledged attempt had already committed it). */
  private async startNew(start: NewInstance): Promise<{ id: string; view: InstanceView | null }> {
    const instanceId = start.id ?? this.newId();
    for (let attempt = 1; ; attempt++) {
      const now = this.clock.now();
      const work = InstanceWork.forNewInstance({
        id: instanceId,
        definitionId: start.definition.id,
        processKey: start.process.key,
        businessKey: start.businessKey ?? null,
        initiator: start.initiator ?? null,
        parentInstanceId: start.parent?.instanceId ?? null,
        parentExecutionId: start.parent?.executionId ?? null,
        orgCode: start.org?.code ?? null,
        orgPath: start.org?.path ?? null,
        status: 'running',
        version: 0,
        endReason: null,
        startedAt: now,
        endedAt: null,
        updatedAt: now,
      });
      const runner = new Runner(
        start.process,
        work,
        now,
        start.initiator ?? null,
        this.newId,
        this.calendar,
        this.options.router !== undefined,
      );
      for (const [name, value] of Object.entries(start.variables)) work.setVariable(name, value);
      runner.event('INSTANCE_STARTED', null, null, {
        definitionVersion: start.definition.version,
        businessKey: start.businessKey ?? null,
        startEventId: start.startEventId,
        parentInstanceId: start.parent?.instanceId ?? null,
        variables: Object.keys(start.variables),
      });
      start.alongside?.(work, runner);
      try {
        runner.openProcessScope();
        runner.startAt(start.startEventId, null);
        runner.run();
      } catch (err) {
        if (err instanceof EngineError)
          throw new InvalidStateError(`Process ${start.process.key} cannot start: ${err.message}`);
        throw err;
      }
      const changes = work.toChangeSet(now);
      try {
        await this.store.commit(changes);
      } catch (err) {
        if (await this.instanceExists(instanceId)) return { id: instanceId, view: null };
        if (err instanceof ConcurrencyError && changes.guardedJobUpdates.length > 0) throw err;
        if (isRetryable(err) && attempt < this.maxAttempts) {
          await backoff(attempt);
          continue;
        }
        throw err;
      }
      await this.afterCommit(changes);
      return { id: instanceId, view: viewOf(changes, start.definition.version) };
    }
  }

  /**
   * Whether an instance exists, asking again while the store is briefly unavailable: after a start's commit
   * failed, the answer decides between "it took effect" and "run it again", so a failed read must not count as
   * "absent" (the next attempt would then meet its own instance as a duplicate key).
   */
  private async instanceExists(instanceId: string): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.store.getInstance(instanceId)) !== undefined;
      } catch (err) {
        if (!isRetryable(err) || attempt >= this.maxAttempts) throw err;
        await backoff(attempt);
      }
    }
  }

  /** Runs one command on an instance: load, apply, run, commit, publish; re-runs on conflicts. */
  private async command<T>(
    target: string | { readonly taskId: string },
    actor: string | null,
    body: CommandBody<T>,
    options: { skipIfEnded?: boolean } = {},
  ): Promise<T> {
    // the changes of an attempt whose COMMIT failed without an answer: it may have committed after all
    let unsure: { changes: ChangeSet; result: T } | undefined;
    // a command on a task finds its instance through the task (in the same round trip as the load)
    let instanceId = typeof target === 'string' ? target : undefined;
    for (let attempt = 1; ; attempt++) {
      let snapshot: InstanceSnapshot | undefined;
      let committedEarlier = false;
      try {
        snapshot =
          instanceId === undefined
            ? await this.store.loadTaskInstance((target as { taskId: string }).taskId)
            : await this.store.loadInstance(instanceId);
        // answer the command's own success rather than a conflict with itself ("task already completed")
        if (snapshot && unsure)
          committedEarlier = await this.committedEarlier(snapshot.instance, unsure.changes);
      } catch (err) {
        // a read that lost its connection wrote nothing: read again, within the command's attempts
        if (isRetryable(err) && attempt < this.maxAttempts) {
          await backoff(attempt);
          continue;
        }
        throw err;
      }
      if (!snapshot) {
        if (instanceId === undefined)
          throw new NotFoundError(`Task ${(target as { taskId: string }).taskId} does not exist`);
        throw new NotFoundError(`Process instance ${instanceId} does not exist`);
      }
      instanceId = snapshot.instance.id;
      if (unsure) {
        if (committedEarlier) {
          await this.afterCommit(unsure.changes);
          return unsure.result;
        }
        unsure = undefined;
      }
      if (snapshot.instance.status !== 'running') {
        if (options.skipIfEnded) return false as T;
        throw new InvalidStateError(
          `Expected instance ${instanceId} to be running, but it is ${snapshot.instance.status}`,
        );
      }
      const { process } = await this.processFor(snapshot.instance.definitionId);
      const now = this.clock.now();
      const work = InstanceWork.fromSnapshot(snapshot);
      const runner = new Runner(
        process,
        work,
        now,
        actor,
        this.newId,
        this.calendar,
        this.options.router !== undefined,
      );
      const result = await body(work, runner);
      runner.run();
      const changes = work.toChangeSet(now);
      if (!hasChanges(changes)) return result;
      try {
        await this.store.commit(changes);
      } catch (err) {
        if (isRetryable(err) && attempt < this.maxAttempts) {
          // a lost connection leaves the outcome unknown; a version conflict means nothing was written
          if ((err as { code?: string }).code === 'STORE_UNAVAILABLE') unsure = { changes, result };
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
      await this.afterCommit(changes);
      return result;
    }
  }

  /**
   * Whether `changes` were committed although their COMMIT reported an error: the instance reached their version
   * and the first history row at that version is theirs (same type, element, task, token and time). A commit
   * without history rows is never assumed to have happened.
   */
  private async committedEarlier(instance: InstanceRecord, changes: ChangeSet): Promise<boolean> {
    const first = changes.history[0];
    if (!first || instance.version < changes.instance.version) return false;
    const row = (await this.store.listHistory(instance.id)).find(
      (h) => h.seq === changes.instance.version && h.idx === 0,
    );
    return (
      !!row &&
      row.type === first.type &&
      row.elementId === first.elementId &&
      row.taskId === first.taskId &&
      row.executionId === first.executionId &&
      row.at === first.at
    );
  }

  /** After a commit: hand new jobs to the queue; new message subscriptions look for buffered messages. */
  private async afterCommit(changes: ChangeSet): Promise<void> {
    if (this.options.onInboxEvents) {
      try {
        const events = deriveInboxEvents(changes);
        if (events.length > 0) this.options.onInboxEvents(events);
      } catch (err) {
        this.logger?.warn({ err }, 'an inbox event listener failed; the inbox re-reads on its next query');
      }
    }
    await this.publisher.publishCommitted([
      ...changes.jobsInserted,
      ...changes.jobsUpdated,
      ...changes.guardedJobUpdates.map((g) => g.job),
    ]);
    for (const subscription of changes.subscriptionsInserted) {
      if (subscription.kind !== 'message') continue;
      try {
        await this.messages.offerBuffered(subscription);
      } catch (err) {
        this.logger?.warn({ err }, 'buffered message check failed; the periodic sweep will retry');
      }
    }
  }
}

/** Builds an engine from its ports. */
export function createEngine(options: EngineOptions): Engine {
  return new Engine(options);
}

// helpers //////

/** Applies `fn` to each item in its own command; an engine refusal becomes that item's result, not a failure of all. */
async function eachOnItsOwn<T>(
  items: readonly T[],
  fn: (item: T) => Promise<unknown>,
): Promise<{ item: T; ok: boolean; code?: string; message?: string }[]> {
  const results: { item: T; ok: boolean; code?: string; message?: string }[] = [];
  for (const item of items) {
    try {
      await fn(item);
      results.push({ item, ok: true });
    } catch (err) {
      if (!(err instanceof EngineError)) throw err;
      results.push({ item, ok: false, code: err.code, message: err.message });
    }
  }
  return results;
}

/** A comment (意见): trimmed, at most 2,000 characters; empty means none. */
function checkComment(comment: unknown): string | null {
  if (comment === undefined || comment === null) return null;
  if (typeof comment !== 'string') throw new InvalidVariablesError('comment must be text');
  const trimmed = comment.trim();
  if (trimmed.length > 2000)
    throw new InvalidVariablesError(`comment is ${trimmed.length} characters long, more than 2,000`);
  return trimmed.length > 0 ? trimmed : null;
}

/** The org of a start: a code of at most 32 characters and a path of at most 255 (the column sizes). */
function checkOrg(org: StartOptions['org']): void {
  if (org === undefined) return;
  if (
    typeof org !== 'object' ||
    org === null ||
    typeof org.code !== 'string' ||
    org.code.length === 0 ||
    org.code.length > 32 ||
    typeof org.path !== 'string' ||
    org.path.length === 0 ||
    org.path.length > 255
  ) {
    throw new InvalidVariablesError(
      'org must be { code, path }: a code of 1 to 32 characters and a path of 1 to 255 characters',
    );
  }
}

/** The view of a newly started instance, from what its start committed. */
function viewOf(changes: ChangeSet, definitionVersion: number): InstanceView {
  const i = changes.instance;
  return {
    id: i.id,
    processKey: i.processKey,
    definitionId: i.definitionId,
    definitionVersion,
    businessKey: i.businessKey,
    initiator: i.initiator,
    parentInstanceId: i.parentInstanceId,
    orgCode: i.orgCode,
    orgPath: i.orgPath,
    status: i.status,
    endReason: i.endReason,
    startedAt: i.startedAt,
    endedAt: i.endedAt,
    activeElementIds: [...new Set(changes.executionsInserted.map((e) => e.elementId))].sort(),
    completedElementIds: [
      ...new Set(changes.history.filter((h) => h.type === 'ELEMENT_COMPLETED').map((h) => h.elementId!)),
    ].sort(),
    variables: { ...changes.variablesSet },
    incidents: [...changes.incidentsInserted],
  };
}

function hasChanges(c: ChangeSet): boolean {
  return (
    c.executionsInserted.length +
      c.executionsUpdated.length +
      c.executionsDeleted.length +
      c.tasksInserted.length +
      c.tasksUpdated.length +
      c.jobsInserted.length +
      c.jobsUpdated.length +
      c.incidentsInserted.length +
      c.incidentsUpdated.length +
      c.subscriptionsInserted.length +
      c.subscriptionsDeleted.length +
      c.messagesInserted.length +
      c.messagesConsumed.length +
      c.guardedJobUpdates.length +
      c.history.length +
      Object.keys(c.variablesSet).length >
    0
  );
}

/** A UUID-shaped instance id that is the same for the same process key and request key (SHA-256 based). */
function idForRequest(processKey: string, requestKey: string): string {
  const hex = createHash('sha256').update(`${processKey}\u0000${requestKey}`, 'utf8').digest('hex');
  // version nibble 8 ("custom", RFC 9562) and the RFC variant bits, so it reads as a UUID and never as a random one
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The instance's initiator is also the variable `initiator` (as Camunda's `camunda:initiator`), so assignments
 * like `fiscal:assignee="=initiator"` work however the instance was started; a start variable of that name cannot
 * name someone else.
 */
function withInitiator(
  variables: Record<string, unknown>,
  initiator: string | undefined,
): Record<string, unknown> {
  if (initiator === undefined) return variables;
  return Object.assign(Object.create(null) as Record<string, unknown>, variables, { initiator });
}
