/**
 * The engine API and its executor. Every command is: load the instance → run behaviors in memory → commit one
 * transaction (version-guarded) → hand new jobs to the queue. Conflicts, deadlocks and lost connections re-run
 * the whole command (bounded, with jitter). This is the only place that awaits.
 *
 * Jobs (the outbox) wake the engine up: service tasks, timers, call activities and their children, message and
 * signal throws. `handleJob` runs one, idempotently: a delivery for a job that is no longer pending at that
 * attempt does nothing.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  ConcurrencyError,
  EngineError,
  IncidentError,
  InvalidStateError,
  InvalidVariablesError,
  isRetryable,
  NotFoundError,
  ValidationError,
} from './errors.js';
import { evaluateExpression } from './expr/feel.js';
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
import { BpmnError } from './bpmn-error.js';
import { deriveInboxEvents } from './inbox-events.js';
import { loadModel } from './model/load-model.js';
import type { ExecutableProcess } from './model/types.js';
import { systemClock, type Clock } from './ports/clock.js';
import type { InstanceQuery, ProcessStore, TaskQuery } from './ports/store.js';
import type { QueueName, WorkQueue } from './ports/work-queue.js';
import { PublishedMarks } from './published-marks.js';
import { parseDurationMs } from './runtime/duration.js';
import { throwError, throwEscalation, trigger } from './runtime/events.js';
import { InstanceWork } from './runtime/instance-work.js';
import { isInnerInstance } from './runtime/multi-instance.js';
import type {
  ChangeSet,
  DefinitionRecord,
  IncidentRecord,
  InstanceRecord,
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

type CommandBody<T> = (work: InstanceWork, runner: Runner) => T | Promise<T>;

interface NewInstance {
  readonly definition: DefinitionRecord;
  readonly process: ExecutableProcess;
  readonly startEventId: string;
  readonly variables: Record<string, unknown>;
  readonly businessKey?: string | null;
  readonly initiator?: string | null;
  /** The org unit the instance belongs to (call activities pass the caller's). */
  readonly org?: { readonly code: string | null; readonly path: string | null } | null;
  readonly id?: string;
  readonly parent?: { instanceId: string; executionId: string };
  /** Extra changes committed with the start (the message that started it, the start timer that fired). */
  readonly alongside?: (work: InstanceWork, runner: Runner) => void;
}

export class Engine {
  private readonly store: ProcessStore;
  private readonly queue: WorkQueue;
  private readonly clock: Clock;
  private readonly handlers: Readonly<Record<string, ServiceHandler>>;
  private readonly newId: () => string;
  private readonly calendar: WorkingCalendar;
  private readonly messageTtlMs: number;
  private readonly maxAttempts: number;
  private readonly relay: { intervalMs: number; graceMs: number; horizonMs: number };
  private readonly publishTimeoutMs: number;
  private readonly logger: Logger | undefined;
  /** Outbox marks of published jobs, written together a moment after the commands that published them. */
  private readonly publishedMarks = new PublishedMarks(async (marks, at) => {
    try {
      await this.store.markJobsPublished(marks, at);
    } catch (err) {
      this.logger?.warn({ err }, 'could not mark jobs published; they may be published twice (harmless)');
    }
  });
  private readonly processes = new Map<
    string,
    Promise<{ definition: DefinitionRecord; process: ExecutableProcess }>
  >();
  private relayTimer: NodeJS.Timeout | undefined;
  private relayRunning: Promise<void> | undefined;
  /** The model last replayed against (replayInstance), compiled once for many instances. */
  private replayModel: { xml: string; processes: Readonly<Record<string, ExecutableProcess>> } | undefined;
  /**
   * Until when (performance.now()) commands leave their new jobs to the relay instead of publishing them: set when
   * the queue failed to take a job, so that while Redis is unreachable a request does not wait `publishTimeoutMs`
   * on every commit; cleared by the next successful publish (the relay's, once Redis answers again).
   */
  private publishPausedUntil = 0;

  constructor(private readonly options: EngineOptions) {
    this.store = options.store;
    this.queue = options.queue;
    this.clock = options.clock ?? systemClock;
    this.handlers = options.handlers ?? {};
    this.newId = options.newId ?? randomUUID;
    this.calendar = options.calendar ?? chinaCalendar();
    this.messageTtlMs = options.messageTtlMs ?? 3_600_000;
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
        await this.publishJobs(await this.store.listJobs({ definitionId: d.definitionId, state: 'pending' }));
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
  async correlateMessage(name: string, options: CorrelateOptions = {}): Promise<CorrelationResult> {
    if (typeof name !== 'string' || name.length === 0 || name.length > 255) {
      throw new InvalidVariablesError('The message name must be a non-empty text of at most 255 characters');
    }
    const key =
      options.correlationKey === undefined || options.correlationKey === null
        ? null
        : String(options.correlationKey);
    const variables = checkVariables(options.variables, `message ${name}`);
    const messageId = options.messageId ?? this.newId();
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const known = await this.store.getMessage(messageId);
      if (known) return this.resultOf(known);
      const now = this.clock.now();
      const message: MessageRecord = {
        id: this.newId(),
        messageId,
        name,
        correlationKey: key,
        variables,
        state: 'correlated',
        instanceId: null,
        expiresAt: null,
        createdAt: now,
        correlatedAt: now,
      };
      try {
        const delivered = await this.deliverMessage(message);
        if (delivered) return delivered;
        const ttl = options.ttlMs ?? this.messageTtlMs;
        if (ttl > 0) {
          await this.store.insertMessage({
            ...message,
            state: 'buffered',
            correlatedAt: null,
            expiresAt: now + ttl,
          });
          return { messageId, outcome: 'buffered', instanceId: null };
        }
        await this.store.insertMessage({ ...message, state: 'unmatched', correlatedAt: null });
      } catch (err) {
        if (isRetryable(err) || isDuplicate(err)) continue;
        throw err;
      }
      throw new EngineError(
        'MESSAGE_NOT_CORRELATED',
        `Message ${name}${key === null ? '' : ` with correlation key ${key}`} matches no waiting instance and no message start event`,
      );
    }
    const known = await this.store.getMessage(messageId);
    if (known) return this.resultOf(known);
    throw new ConcurrencyError(
      `Message ${messageId} could not be correlated after ${this.maxAttempts} attempts; try again`,
    );
  }

  /** Broadcasts a signal to every waiting subscription and signal start event; returns how many caught it. */
  async broadcastSignal(
    name: string,
    options: { variables?: Record<string, unknown> } = {},
  ): Promise<number> {
    const variables = checkVariables(options.variables, `signal ${name}`);
    let caught = 0;
    for (const subscription of await this.store.findSubscriptions({
      kind: 'signal',
      name,
      level: 'instance',
    })) {
      const hit = await this.command(
        subscription.instanceId!,
        null,
        (work, runner) =>
          this.catchSubscription(work, runner, subscription.id, variables, 'SIGNAL_RECEIVED', {
            signal: name,
          }),
        { skipIfEnded: true },
      );
      if (hit) caught++;
    }
    for (const subscription of await this.store.findSubscriptions({
      kind: 'signal',
      name,
      level: 'definition',
    })) {
      const { definition, process } = await this.processFor(subscription.definitionId!);
      await this.startNew({ definition, process, startEventId: subscription.elementId, variables });
      caught++;
    }
    return caught;
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
  ): Promise<'done' | 'failed' | 'retrying' | 'skipped' | 'early'> {
    let outcome: 'done' | 'failed' | 'retrying' | 'skipped' | 'early';
    if (hint.timerInstanceId !== undefined) {
      // a timer's queue message names its instance: the job row is read with the instance, not before it
      outcome = await this.fireTimer({ id: jobId, instanceId: hint.timerInstanceId, attempt }).catch(
        (err) => {
          if (err instanceof NotFoundError) return 'skipped' as const;
          throw err;
        },
      );
    } else {
      const job = await this.store.getJob(jobId);
      if (!job || job.state !== 'pending' || job.attempt !== attempt) return 'skipped';
      outcome = await this.runJob(job);
    }
    // a job whose owner is gone (instance ended, token moved on) must not stay pending for the reconciler
    if (outcome === 'skipped') await this.store.settleJob(jobId, attempt, 'canceled', this.clock.now());
    return outcome;
  }

  private async runJob(job: JobRecord): Promise<'done' | 'failed' | 'retrying' | 'skipped' | 'early'> {
    switch (job.kind) {
      case 'service':
        return this.runServiceJob(job);
      case 'timer':
        return this.fireTimer(job);
      case 'start-timer':
        return this.fireStartTimer(job);
      case 'route':
        return this.runRouteJob(job);
      case 'task-deadline':
        return this.runDeadlineJob(job);
      case 'call':
        return this.runCallJob(job);
      case 'child-event':
        return this.runChildEvent(job);
      case 'cancel-child':
        return this.runCancelChild(job);
      case 'message':
      case 'signal':
        return this.runThrowJob(job);
    }
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
  async relayOutbox(): Promise<number> {
    const now = this.clock.now();
    const jobs = await this.store.findUnpublishedJobs(now - this.relay.graceMs, 500);
    await this.publishJobs(jobs);
    return jobs.length;
  }

  /**
   * Publishes again, under a fresh queue id, pending jobs published and due more than the reconcile horizon ago
   * whose message the queue no longer holds (their wake-up was lost, e.g. Redis was wiped). Returns how many were
   * stale.
   */
  async reconcile(): Promise<number> {
    const cutoff = this.clock.now() - this.relay.horizonMs;
    const stale = await this.store.findStalePublishedJobs(cutoff, cutoff, 1000);
    const republish: JobRecord[] = [];
    for (const job of stale) {
      // a job the queue still holds is late because of a backlog, not lost: publishing it again adds work
      if (await this.queueHolds(job)) continue;
      const seq = await this.store.bumpPublishSeq(job.id, job.attempt);
      if (seq !== undefined) republish.push({ ...job, publishSeq: seq, publishedAt: null });
    }
    await this.publishJobs(republish);
    return stale.length;
  }

  /**
   * Publishes every pending job again under a fresh queue id (at start, for a queue that keeps nothing across
   * restarts): timers that fell due while nothing ran then fire at once. Each job is republished once per sweep.
   */
  async sweepPendingJobs(): Promise<number> {
    await this.relayOutbox();
    const startedAt = this.clock.now();
    const far = startedAt + 100 * 365 * 86_400_000;
    const seen = new Set<string>();
    for (;;) {
      const fresh = (await this.store.findStalePublishedJobs(startedAt + 1, far, 1000)).filter(
        (j) => !seen.has(j.id),
      );
      if (fresh.length === 0) return seen.size;
      const republish: JobRecord[] = [];
      for (const job of fresh) {
        seen.add(job.id);
        const seq = await this.store.bumpPublishSeq(job.id, job.attempt);
        if (seq !== undefined) republish.push({ ...job, publishSeq: seq, publishedAt: null });
      }
      await this.publishJobs(republish);
    }
  }

  /** Buffered messages: expire those past their time-to-live, correlate those whose subscription now exists. */
  async sweepMessages(): Promise<{ expired: number; correlated: number }> {
    const now = this.clock.now();
    const expired = await this.store.expireMessages(now);
    for (const message of expired) {
      this.logger?.warn(
        { messageId: message.messageId, name: message.name },
        'buffered message expired without a subscription',
      );
    }
    let correlated = 0;
    for (const message of await this.store.findBufferedMessages(now, {}, 200)) {
      if (await this.deliverBuffered(message)) correlated++;
    }
    return { expired: expired.length, correlated };
  }

  /** Starts consuming jobs and running the outbox relay, the reconciler and the message sweep in this process. */
  async startWorkers(options: WorkerOptions = {}): Promise<void> {
    const handle = async (message: { data: Readonly<Record<string, unknown>> }) => {
      const { jobId, attempt, timerInstanceId } = message.data;
      const outcome = await this.handleJob(String(jobId), Number(attempt), {
        timerInstanceId: typeof timerInstanceId === 'string' ? timerInstanceId : undefined,
      });
      if (outcome === 'early') await this.republishEarly(String(message.data.jobId));
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
    }, this.relay.intervalMs);
    this.relayTimer.unref();
  }

  /** Stops the relay and the queue consumers, waiting for handlers in flight. */
  async stop(): Promise<void> {
    if (this.relayTimer) clearInterval(this.relayTimer);
    this.relayTimer = undefined;
    await this.relayRunning;
    await this.publishedMarks.flush();
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

  // job handlers //////

  private async runServiceJob(job: JobRecord): Promise<'done' | 'failed' | 'retrying' | 'skipped'> {
    const instance = await this.store.getInstance(job.instanceId!);
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
    // read before the handler's try: a database error here is not the handler's failure and must not use up its
    // retries; it propagates, the job stays pending and is delivered again
    const variables = await this.store.loadVariables(job.instanceId!);
    try {
      const result = await handler({
        jobId: job.id,
        attempt: job.attempt,
        instanceId: job.instanceId!,
        businessKey: instance.businessKey,
        initiator: instance.initiator,
        orgCode: instance.orgCode,
        orgPath: instance.orgPath,
        elementId: job.elementId,
        taskType: job.taskType!,
        variables: Object.freeze({ ...variables }),
      });
      output = checkVariables(result ?? {}, `the result of service task ${job.elementId}`);
    } catch (err) {
      if (err instanceof BpmnError || (err as { name?: string })?.name === 'BpmnError') {
        const bpmn = err as BpmnError;
        return this.jobStep(job, (work, runner, token) => {
          runner.event('JOB_COMPLETED', runner.element(job.elementId), token, {
            jobId: job.id,
            errorCode: bpmn.errorCode,
          });
          runner.resume(token, () => throwError(runner, token, bpmn.errorCode, bpmn.message));
        });
      }
      return this.failJob(job, err, true);
    }
    return this.jobStep(job, (work, runner, token) => {
      for (const [name, value] of Object.entries(output)) work.setVariable(name, value);
      runner.event('JOB_COMPLETED', runner.element(job.elementId), token, {
        jobId: job.id,
        attempt: job.attempt,
        variables: Object.keys(output),
      });
      runner.resume(token, () => runner.takeOutgoing(token));
    });
  }

  /**
   * Routes a task: the router resolves roles and org scope (outside the transaction), then one command applies
   * the node's policies (nobody found, initiator is the approver, same approver as the previous step) and opens
   * the task with its candidates, or passes it, or parks it on an incident naming the reason.
   */
  private async runRouteJob(job: JobRecord): Promise<'done' | 'failed' | 'retrying' | 'skipped'> {
    const router = this.options.router;
    const taskId = String((job.payload as { taskId?: string } | null)?.taskId ?? '');
    const task = await this.store.getTask(taskId);
    const instance = await this.store.getInstance(job.instanceId!);
    if (!router || !task || task.state !== 'routing' || !instance || instance.status !== 'running')
      return 'skipped';
    const { process } = await this.processFor(instance.definitionId);
    const assignment = process.elements[task.elementId]?.assignment ?? {};
    const at = this.clock.now();
    let users: string[];
    let orgCodes: readonly string[] = [];
    let substitutions: readonly { userId: string; agentId: string }[] = [];
    let decision: 'open' | 'pass' | 'incident' = 'open';
    let why = '';
    try {
      const found = await router.resolve({
        instanceId: instance.id,
        processKey: instance.processKey,
        elementId: task.elementId,
        initiator: instance.initiator,
        candidateRoles: assignment.candidateRoles ?? [],
        orgScope: task.orgScope ?? assignment.orgScope ?? 'initiatorUnit',
        ...(assignment.divisionType ? { divisionType: assignment.divisionType } : {}),
        at,
      });
      users = [...new Set(found.users)];
      orgCodes = found.orgCodes;
      substitutions = found.substitutions ?? [];
      if (instance.initiator && users.includes(instance.initiator)) {
        const policy = assignment.ifInitiatorIsApprover ?? 'approve';
        if (policy === 'skip') [decision, why] = ['pass', 'the initiator is the approver'];
        else if (policy === 'supervisor') {
          users = [...(await router.supervisorsOf(instance.initiator, at))];
          why = 'the initiator is the approver: passed to the supervisor';
        }
      }
      if (decision === 'open' && users.length === 1 && assignment.ifSameApprover === 'once') {
        const previous = (await this.store.listHistory(instance.id))
          .filter((h) => h.type === 'TASK_COMPLETED')
          .at(-1);
        if (previous?.actor === users[0])
          [decision, why] = ['pass', `${users[0]} approved the previous step`];
      }
      if (decision === 'open' && users.length === 0) {
        const policy = assignment.ifNoApprover ?? 'incident';
        if (policy === 'autoPass') [decision, why] = ['pass', 'nobody holds the role: passed automatically'];
        else if (policy === 'admin') users = [...(await router.processAdmins(instance.processKey, at))];
        if (decision === 'open' && users.length === 0) {
          [decision, why] = [
            'incident',
            `Nobody holds ${(assignment.candidateRoles ?? []).join('/')} in ${orgCodes.join(', ') || 'the scope'} for ${task.elementId}`,
          ];
        }
      }
    } catch (err) {
      return this.failJob(job, err, true);
    }
    return this.jobStep(job, (work, runner, token) => {
      const open = work.tasks.get(taskId);
      if (!open || open.state !== 'routing') return;
      const element = runner.element(open.elementId);
      if (decision === 'incident') {
        runner.park(token, new EngineError('NO_ASSIGNEE', why), job.id);
        // retrying the incident routes again
        const current = work.jobs.get(job.id)!;
        current.state = 'failed';
        return;
      }
      runner.event(
        'TASK_ROUTED',
        element,
        token,
        { users, orgCodes, substitutions, decision, reason: why || null },
        open.id,
      );
      if (decision === 'pass') {
        closeTask(work, open, runner.now, null);
        runner.event(
          'TASK_COMPLETED',
          element,
          token,
          { variables: [], comment: null, autoPassed: why },
          open.id,
        );
        runner.resume(token, () => runner.takeOutgoing(token));
        return;
      }
      open.state = 'created';
      open.candidateUsers = users;
      if (users.length === 1) open.assignee = users[0]!;
      work.touch(open.id);
      work.taskCandidatesReplaced.add(open.id);
    });
  }

  /** A task's reminder or due time came: a TASK_DUE_SOON / TASK_OVERDUE notice for its holders (the inbox shows it). */
  private async runDeadlineJob(job: JobRecord): Promise<'done' | 'skipped' | 'early'> {
    if (job.dueAt > this.clock.now()) return 'early';
    const { taskId, notice } = (job.payload ?? {}) as { taskId?: string; notice?: string };
    return this.jobStep(job, (work, runner, token) => {
      const task = taskId ? work.tasks.get(taskId) : undefined;
      if (!task || task.state === 'completed' || task.state === 'canceled') return;
      runner.event(
        notice === 'dueSoon' ? 'TASK_DUE_SOON' : 'TASK_OVERDUE',
        runner.element(task.elementId),
        token,
        {
          holders: task.assignee ? [task.assignee] : task.candidateUsers,
          dueAt: task.dueAt,
        },
        task.id,
      );
    });
  }

  /** A timer of a token or scope fires (never early); a cycle schedules its next firing on the same row. */
  private async fireTimer(job: JobRef): Promise<'done' | 'skipped' | 'early'> {
    return this.jobStep(
      job,
      (work, runner, _token, current) => {
        runner.event(
          'TIMER_FIRED',
          runner.element(current.elementId),
          work.executions.get(current.executionId!) ?? null,
          {
            jobId: current.id,
            dueAt: current.dueAt,
            firedAt: runner.now,
            fireCount: current.fireCount + 1,
          },
        );
        const { executionId, elementId } = current;
        this.scheduleNextFiring(runner, current);
        trigger(runner, executionId!, elementId);
      },
      { ownerMayBeScope: true, notBeforeDue: true },
    );
  }

  /** A timer start event fires: a new instance starts, and (for cycles) the next firing is scheduled, atomically. */
  private async fireStartTimer(job: JobRecord): Promise<'done' | 'skipped' | 'early'> {
    if (job.dueAt > this.clock.now()) return 'early';
    const { definition, process } = await this.processFor(job.definitionId!);
    try {
      await this.startNew({
        definition,
        process,
        startEventId: job.elementId,
        variables: {},
        alongside: (work, runner) => {
          const next = {
            ...job,
            fireCount: job.fireCount + 1,
            attempt: job.attempt + 1,
            updatedAt: runner.now,
            publishSeq: 0,
            publishedAt: null,
          };
          const due = timerDue(
            job.payload as unknown as TimerPayload,
            next.fireCount,
            job.dueAt,
            this.calendar,
          );
          if (due.ok && due.dueAt !== undefined) next.dueAt = due.dueAt;
          else next.state = 'done';
          work.guardedJobUpdates.push({ job: next, expectedAttempt: job.attempt });
          runner.event('TIMER_FIRED', runner.element(job.elementId), null, {
            jobId: job.id,
            dueAt: job.dueAt,
            firedAt: runner.now,
          });
        },
      });
    } catch (err) {
      if (err instanceof ConcurrencyError) return 'skipped';
      throw err;
    }
    return 'done';
  }

  /** Starts the child instance of a call activity (id chosen by the caller, so a repeat finds it), then marks the call done. */
  private async runCallJob(job: JobRecord): Promise<'done' | 'failed' | 'retrying' | 'skipped'> {
    const payload = job.payload as {
      childInstanceId: string;
      processKey: string;
      binding: string;
      version: number | null;
      versionTag: string | null;
      callerDefinitionId: string;
      variables: Record<string, unknown>;
    };
    const caller = await this.store.getInstance(job.instanceId!);
    if (!caller || caller.status !== 'running') return 'skipped';
    if (!(await this.store.getInstance(payload.childInstanceId))) {
      let definition: DefinitionRecord | undefined;
      try {
        definition = await this.resolveCalled(payload);
      } catch (err) {
        return this.failJob(job, err, true);
      }
      const { process } = await this.processFor(definition.id);
      if (!process.startEventId) {
        return this.failJob(
          job,
          new Error(`Called process ${payload.processKey} has no none start event`),
          false,
        );
      }
      await this.startNew({
        definition,
        process,
        startEventId: process.startEventId,
        variables: checkVariables(payload.variables, `the call of ${payload.processKey}`),
        businessKey: caller.businessKey,
        initiator: caller.initiator,
        org: { code: caller.orgCode, path: caller.orgPath },
        id: payload.childInstanceId,
        parent: { instanceId: caller.id, executionId: job.executionId! },
      });
    }
    const outcome = await this.jobStep(job, (_work, runner, token) => {
      runner.event('JOB_COMPLETED', runner.element(job.elementId), token, {
        jobId: job.id,
        childInstanceId: payload.childInstanceId,
      });
    });
    if (outcome === 'skipped') {
      // Skipped: either the caller went away while the child was being started (its token is gone, the call job
      // canceled, or the caller ended) — then the child must not run on its own — or another delivery of this
      // job (a stalled Bull job delivered again) finished the call first, and the child is the caller's.
      const [callerNow, callJob] = await Promise.all([
        this.store.getInstance(caller.id),
        this.store.getJob(job.id),
      ]);
      const callerWaits = callerNow?.status === 'running' && callJob?.state !== 'canceled';
      const child = await this.store.getInstance(payload.childInstanceId);
      if (!callerWaits && child?.status === 'running')
        await this.cancelInstance(child.id, { reason: 'the calling instance no longer waits for it' });
    }
    return outcome;
  }

  /** The caller reacts to its child: completed (outputs, then on), error (boundaries), escalation. */
  private async runChildEvent(job: JobRecord): Promise<'done' | 'skipped'> {
    const payload = job.payload as {
      outcome: 'completed' | 'error' | 'escalation';
      childInstanceId: string;
      variables?: Record<string, unknown>;
      errorCode?: string;
      errorMessage?: string | null;
      escalationCode?: string;
    };
    return this.jobStep(job, (work, runner, token) => {
      const element = runner.element(token.elementId);
      if (payload.outcome === 'completed') {
        // escalations the child raised in the same step as its end come first (BPMN order)
        for (const other of work.jobs.values()) {
          const p = other.payload as { outcome?: string; escalationCode?: string } | null;
          if (
            other.kind !== 'child-event' ||
            other.state !== 'pending' ||
            other.executionId !== token.id ||
            p?.outcome !== 'escalation'
          )
            continue;
          other.state = 'done';
          other.updatedAt = runner.now;
          work.touch(other.id);
          throwEscalation(runner, token, p.escalationCode ?? 'ESCALATION');
        }
        if (work.executions.get(token.id) !== token) return;
        const called = element.calledElement!;
        const childVariables = payload.variables ?? {};
        runner.event('JOB_COMPLETED', element, token, {
          childInstanceId: payload.childInstanceId,
          outcome: 'completed',
        });
        runner.resume(token, () => {
          const outputs: Record<string, unknown> = called.propagateAll ? { ...childVariables } : {};
          for (const mapping of called.outputs) {
            // output mappings read the child's variables
            const value = evaluateExpression(mapping.source.source, { ...childVariables });
            if (!value.ok) {
              throw new IncidentError(
                'EXPRESSION_FAILED',
                `Output ${mapping.target} of call activity ${element.id}: ${value.reason}`,
              );
            }
            outputs[mapping.target] = value.value;
          }
          for (const [name, value] of Object.entries(
            checkVariables(outputs, `the outputs of call activity ${element.id}`),
          )) {
            work.setVariable(name, value);
          }
          runner.takeOutgoing(token);
        });
      } else if (payload.outcome === 'error') {
        runner.resume(token, () =>
          throwError(runner, token, payload.errorCode ?? 'ERROR', payload.errorMessage ?? null),
        );
      } else {
        const waiting = token.state;
        runner.resume(token, () => {
          const ended = throwEscalation(runner, token, payload.escalationCode ?? 'ESCALATION');
          if (!ended && runner.work.executions.get(token.id) === token) token.state = waiting;
        });
      }
    });
  }

  private async runCancelChild(job: JobRecord): Promise<'done' | 'skipped' | 'failed' | 'retrying'> {
    const child = await this.store.getInstance(job.instanceId!);
    if (!child)
      return this.failJob(job, new Error(`Child instance ${job.instanceId} is not there (yet)`), true);
    if (child.status !== 'running') return 'skipped';
    {
      await this.command(child.id, null, (work, runner) => {
        for (const token of work.childrenOf(null)) runner.removeToken(token, 'canceled');
        runner.endInstance('canceled', 'the calling instance no longer waits for it');
        const own = work.jobs.get(job.id);
        if (own) {
          own.state = 'done';
          work.touch(own.id);
        }
      });
    }
    return 'done';
  }

  /** A message or signal throw: hand it to correlation / broadcast, then mark the job done. */
  private async runThrowJob(job: JobRecord): Promise<'done' | 'skipped' | 'failed' | 'retrying'> {
    const payload = job.payload as {
      name: string;
      correlationKey?: string | null;
      variables?: Record<string, unknown>;
    };
    try {
      if (job.kind === 'message') {
        await this.correlateMessage(payload.name, {
          correlationKey: payload.correlationKey ?? null,
          variables: payload.variables ?? {},
          messageId: `job-${job.id}`,
        });
      } else {
        await this.broadcastSignal(payload.name);
      }
    } catch (err) {
      return this.failJob(job, err, true);
    }
    return this.jobStep(job, () => undefined, { ownerMayBeGone: true });
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

  /**
   * One command on the instance of `job`: the job must still be pending at its attempt (else nothing happens);
   * it is marked done and `body` runs with the token that owns it. `notBeforeDue`: a job loaded before its due
   * time is left as it is ('early').
   */
  private async jobStep(
    job: JobRef,
    body: JobStepBody,
    options: JobStepOptions & { notBeforeDue: true },
  ): Promise<'done' | 'skipped' | 'early'>;
  private async jobStep(
    job: JobRef,
    body: JobStepBody,
    options?: JobStepOptions,
  ): Promise<'done' | 'skipped'>;
  private async jobStep(
    job: JobRef,
    body: JobStepBody,
    options: JobStepOptions & { notBeforeDue?: boolean } = {},
  ): Promise<'done' | 'skipped' | 'early'> {
    const result = await this.command(
      job.instanceId!,
      null,
      (work, runner) => {
        const current = work.jobs.get(job.id);
        if (!current || current.state !== 'pending' || current.attempt !== job.attempt)
          return 'skipped' as const;
        if (options.notBeforeDue && current.dueAt > runner.now) return 'early' as const;
        const token = current.executionId ? work.executions.get(current.executionId) : undefined;
        const ownerIsScope = options.ownerMayBeScope && current.executionId === work.instance.id;
        if (!token && !ownerIsScope && !options.ownerMayBeGone) {
          current.state = 'canceled';
          current.updatedAt = runner.now;
          work.touch(current.id);
          return 'skipped' as const;
        }
        current.state = 'done';
        current.updatedAt = runner.now;
        work.touch(current.id);
        body(work, runner, token!, current);
        return 'done' as const;
      },
      { skipIfEnded: true },
    );
    return (result as unknown) === false ? 'skipped' : result;
  }

  private scheduleNextFiring(runner: Runner, current: JobRecord): void {
    const payload = current.payload as unknown as TimerPayload | null;
    if (!payload || payload.kind !== 'cycle') return;
    const due = timerDue(payload, current.fireCount + 1, current.dueAt, this.calendar);
    if (!due.ok || due.dueAt === undefined) return;
    current.state = 'pending';
    current.fireCount += 1;
    current.attempt += 1;
    current.dueAt = due.dueAt;
    current.publishSeq = 0;
    current.publishedAt = null;
  }

  private async republishEarly(jobId: string): Promise<void> {
    const job = await this.store.getJob(jobId);
    if (job && job.state === 'pending') {
      const seq = await this.store.bumpPublishSeq(job.id, job.attempt);
      if (seq !== undefined) await this.publishJobs([{ ...job, publishSeq: seq, publishedAt: null }]);
    }
  }

  private async resolveCalled(payload: {
    processKey: string;
    binding: string;
    version: number | null;
    versionTag: string | null;
    callerDefinitionId: string;
  }): Promise<DefinitionRecord> {
    let definition: DefinitionRecord | undefined;
    if (payload.binding === 'version')
      definition = await this.store.findDefinition(payload.processKey, payload.version ?? undefined);
    else if (payload.binding === 'versionTag') {
      const all = await this.store.listDefinitions(payload.processKey);
      const tagged = all
        .filter((d) => d.versionTag === payload.versionTag)
        .sort((a, b) => b.version - a.version)[0];
      definition = tagged ? await this.store.getDefinition(tagged.id) : undefined;
    } else if (payload.binding === 'deployment') {
      const caller = await this.store.getDefinition(payload.callerDefinitionId);
      const all = await this.store.listDefinitions(payload.processKey);
      const same = all
        .filter((d) => d.checksum === caller?.checksum)
        .sort((a, b) => b.version - a.version)[0];
      definition = same ? await this.store.getDefinition(same.id) : undefined;
    } else definition = await this.store.findDefinition(payload.processKey);
    if (!definition) {
      throw new Error(
        `No deployed process ${payload.processKey} matches binding ${payload.binding}${payload.version ? ` version ${payload.version}` : ''}${payload.versionTag ? ` tag ${payload.versionTag}` : ''}`,
      );
    }
    return definition;
  }

  /** Tries a message on the waiting subscriptions, then on message start events. */
  private async deliverMessage(message: MessageRecord): Promise<CorrelationResult | undefined> {
    for (const subscription of await this.store.findSubscriptions({
      kind: 'message',
      name: message.name,
      correlationKey: message.correlationKey,
      level: 'instance',
      limit: 20,
    })) {
      const hit = await this.command(
        subscription.instanceId!,
        null,
        (work, runner) => {
          const caught = this.catchSubscription(
            work,
            runner,
            subscription.id,
            message.variables,
            'MESSAGE_CORRELATED',
            {
              messageId: message.messageId,
              message: message.name,
            },
          );
          if (caught) work.messagesInserted.push({ ...message, instanceId: work.instance.id });
          return caught;
        },
        { skipIfEnded: true },
      );
      if (hit)
        return { messageId: message.messageId, outcome: 'correlated', instanceId: subscription.instanceId };
    }
    const [start] = await this.store.findSubscriptions({
      kind: 'message',
      name: message.name,
      level: 'definition',
      limit: 1,
    });
    if (start) {
      const { definition, process } = await this.processFor(start.definitionId!);
      const { id } = await this.startNew({
        definition,
        process,
        startEventId: start.elementId,
        variables: message.variables,
        businessKey: message.correlationKey,
        alongside: (work) => work.messagesInserted.push({ ...message, instanceId: work.instance.id }),
      });
      return { messageId: message.messageId, outcome: 'started', instanceId: id };
    }
    return undefined;
  }

  /** A buffered message meets its subscription (after it opened, or on the periodic sweep). */
  private async deliverBuffered(message: MessageRecord): Promise<boolean> {
    for (const subscription of await this.store.findSubscriptions({
      kind: 'message',
      name: message.name,
      correlationKey: message.correlationKey,
      level: 'instance',
      limit: 5,
    })) {
      try {
        const hit = await this.command(
          subscription.instanceId!,
          null,
          (work, runner) => {
            const caught = this.catchSubscription(
              work,
              runner,
              subscription.id,
              message.variables,
              'MESSAGE_CORRELATED',
              {
                messageId: message.messageId,
                message: message.name,
                buffered: true,
              },
            );
            if (caught) work.messagesConsumed.push({ id: message.id, at: runner.now });
            return caught;
          },
          { skipIfEnded: true },
        );
        if (hit) return true;
      } catch (err) {
        if (err instanceof ConcurrencyError) return false;
        throw err;
      }
    }
    return false;
  }

  /** Inside a command: the subscription (if still open) catches; variables are set and the token reacts. */
  private catchSubscription(
    work: InstanceWork,
    runner: Runner,
    subscriptionId: string,
    variables: Record<string, unknown>,
    event: 'MESSAGE_CORRELATED' | 'SIGNAL_RECEIVED',
    data: Record<string, unknown>,
  ): boolean {
    const subscription = work.subscriptions.get(subscriptionId);
    if (!subscription) return false;
    for (const [name, value] of Object.entries(variables)) work.setVariable(name, value);
    runner.event(
      event,
      runner.element(subscription.elementId),
      work.executions.get(subscription.executionId!) ?? null,
      {
        ...data,
        variables: Object.keys(variables),
      },
    );
    const element = runner.element(subscription.elementId);
    const nonInterruptingStart = element.kind === 'startEvent' && element.interrupting === false;
    const nonInterruptingBoundary = element.kind === 'boundaryEvent' && element.cancelActivity === false;
    if (!nonInterruptingStart && !nonInterruptingBoundary) work.removeSubscription(subscription.id);
    return trigger(runner, subscription.executionId!, subscription.elementId);
  }

  private resultOf(message: MessageRecord): CorrelationResult {
    if (message.state === 'unmatched' || message.state === 'expired') {
      throw new EngineError('MESSAGE_NOT_CORRELATED', `Message ${message.messageId} was ${message.state}`);
    }
    return {
      messageId: message.messageId,
      outcome: message.state === 'buffered' ? 'buffered' : message.instanceId ? 'correlated' : 'started',
      instanceId: message.instanceId,
    };
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
      const snapshot =
        instanceId === undefined
          ? await this.store.loadTaskInstance((target as { taskId: string }).taskId)
          : await this.store.loadInstance(instanceId);
      if (!snapshot) {
        if (instanceId === undefined)
          throw new NotFoundError(`Task ${(target as { taskId: string }).taskId} does not exist`);
        throw new NotFoundError(`Process instance ${instanceId} does not exist`);
      }
      instanceId = snapshot.instance.id;
      if (unsure) {
        // answer the command's own success rather than a conflict with itself ("task already completed")
        if (await this.committedEarlier(snapshot.instance, unsure.changes)) {
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

  private async failJob(
    job: JobRecord,
    error: unknown,
    retryable: boolean,
  ): Promise<'failed' | 'retrying' | 'skipped'> {
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 4000);
    const result = await this.command(
      job.instanceId!,
      null,
      (work, runner) => {
        const current = work.jobs.get(job.id);
        if (!current || current.state !== 'pending' || current.attempt !== job.attempt)
          return 'skipped' as const;
        const token = current.executionId ? work.executions.get(current.executionId) : undefined;
        current.lastError = message;
        current.updatedAt = runner.now;
        work.touch(current.id);
        const element = token ? runner.element(current.elementId) : null;
        if (retryable && current.retriesLeft > 0) {
          const base = element?.retryBackoff ? parseDurationMs(element.retryBackoff) : undefined;
          const delay = (base ?? 1000) * 2 ** (current.attempt - 1);
          runner.event('JOB_FAILED', element, token ?? null, {
            jobId: current.id,
            kind: current.kind,
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
        runner.event('JOB_FAILED', element, token ?? null, {
          jobId: current.id,
          kind: current.kind,
          attempt: current.attempt,
          error: message,
        });
        if (token) {
          const code =
            error instanceof EngineError && error.code === 'NO_HANDLER' ? 'NO_HANDLER' : 'JOB_FAILED';
          runner.park(
            token,
            new EngineError(
              code,
              `${element!.bpmnType} ${element!.id} failed after ${current.attempt} attempt(s): ${message}`,
            ),
            current.id,
          );
        }
        return 'failed' as const;
      },
      { skipIfEnded: true },
    );
    return (result as unknown) === false ? 'skipped' : result;
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
    const jobs = [
      ...changes.jobsInserted,
      ...changes.jobsUpdated,
      ...changes.guardedJobUpdates.map((g) => g.job),
    ].filter((j) => j.state === 'pending' && j.publishedAt === null);
    // while the queue is failing, the relay publishes them (after its grace) once the queue takes jobs again
    if (jobs.length > 0 && performance.now() >= this.publishPausedUntil)
      await this.publishJobs(jobs, { markLater: true });
    for (const subscription of changes.subscriptionsInserted) {
      if (subscription.kind !== 'message') continue;
      try {
        const [buffered] = await this.store.findBufferedMessages(
          this.clock.now(),
          { name: subscription.name, correlationKey: subscription.correlationKey },
          1,
        );
        if (buffered) await this.deliverBuffered(buffered);
      } catch (err) {
        this.logger?.warn({ err }, 'buffered message check failed; the periodic sweep will retry');
      }
    }
  }

  /** Whether the queue still holds the job's current message (false when it cannot tell). */
  private async queueHolds(job: JobRecord): Promise<boolean> {
    if (!this.queue.holds) return false;
    try {
      return await withTimeout(this.queue.holds(queueOf(job), queueJobId(job)), this.publishTimeoutMs);
    } catch {
      return false;
    }
  }

  /**
   * Hands jobs to the queue and records it in the outbox; a queue that is down leaves them to the relay.
   * `markLater`: the record joins those of other commands a moment later (published-marks.ts), for the jobs of a
   * command; the relay's own publishing records at once.
   */
  private async publishJobs(
    jobs: readonly JobRecord[],
    options: { markLater?: boolean } = {},
  ): Promise<void> {
    if (jobs.length === 0) return;
    const published: JobRecord[] = [];
    const now = this.clock.now();
    for (const job of jobs) {
      try {
        await withTimeout(
          this.queue.publish({
            queue: queueOf(job),
            jobId: queueJobId(job),
            data: jobMessage(job),
            delayMs: Math.max(0, job.dueAt - now),
          }),
          this.publishTimeoutMs,
        );
        published.push(job);
        this.publishPausedUntil = 0;
      } catch (err) {
        this.publishPausedUntil = performance.now() + PUBLISH_PAUSE_MS;
        this.logger?.warn(
          { err, jobId: job.id },
          'queue did not accept a job; the outbox relay will publish it',
        );
        break;
      }
    }
    this.publishedMarks.add(published, now);
    if (!options.markLater) await this.publishedMarks.flush();
  }
}

/** Builds an engine from its ports. */
export function createEngine(options: EngineOptions): Engine {
  return new Engine(options);
}

// helpers //////

/** A job as a command needs to find it: the instance it is in, its id and the attempt a delivery is for. */
type JobRef = Pick<JobRecord, 'id' | 'instanceId' | 'attempt'>;

/** What a job does in its command, with the token that owns it and the job's row as loaded. */
type JobStepBody = (
  work: InstanceWork,
  runner: Runner,
  token: Parameters<Runner['resume']>[0],
  current: JobRecord,
) => void;

/** A job's owner may be the instance's scope rather than a token; or may be gone (the job still runs). */
interface JobStepOptions {
  readonly ownerMayBeScope?: boolean;
  readonly ownerMayBeGone?: boolean;
}

/** A job's message id in the queue: the same for the same publish, so the queue dedupes it. */
function queueJobId(job: Pick<JobRecord, 'id' | 'attempt' | 'publishSeq'>): string {
  return `job-${job.id}-${job.attempt}-${job.publishSeq}`;
}

/** The queue message of a job: its id and attempt, and for a token's timer the instance (see handleJob). */
function jobMessage(job: JobRecord): Record<string, unknown> {
  return job.kind === 'timer' && job.instanceId
    ? { jobId: job.id, attempt: job.attempt, timerInstanceId: job.instanceId }
    : { jobId: job.id, attempt: job.attempt };
}

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

function queueOf(job: JobRecord): QueueName {
  if (job.kind === 'service') return 'service';
  if (job.kind === 'task-deadline') return 'timer';
  if (job.kind === 'route') return 'route';
  if (job.kind === 'timer' || job.kind === 'start-timer') return 'timer';
  return 'continue';
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

function isDuplicate(err: unknown): boolean {
  const e = err as { code?: string; errno?: number } | null;
  return (
    e?.errno === 1062 ||
    e?.code === 'ER_DUP_ENTRY' ||
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}

function backoff(attempt: number): Promise<void> {
  const ms = Math.min(200, 2 ** attempt) * (0.5 + Math.random());
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A UUID-shaped instance id that is the same for the same process key and request key (SHA-256 based). */
function idForRequest(processKey: string, requestKey: string): string {
  const hex = createHash('sha256').update(`${processKey}\u0000${requestKey}`, 'utf8').digest('hex');
  // version nibble 8 ("custom", RFC 9562) and the RFC variant bits, so it reads as a UUID and never as a random one
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** How long commands leave new jobs to the relay after the queue failed to take one (unless a publish succeeds first). */
const PUBLISH_PAUSE_MS = 5000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
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
