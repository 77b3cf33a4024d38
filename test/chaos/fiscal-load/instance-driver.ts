/**
 * Drives one instance of a fiscal process to its end over the HTTP API, following its script: start it as the
 * starter, then loop — read the inboxes of the users expected to act (shared, cached), act on this instance's
 * tasks as those users (通过 / 退回, each with its own Idempotency-Key), and every so often read the instance as
 * its initiator: ended → done; waiting for the bank → the bank's user posts the message. When the expected users
 * have nothing for `stallMs`, every actor of the process is polled (a step the script did not foresee, a task
 * that took long to route).
 *
 * Failures: a call the client gave up on (the API away longer than its retry window) is logged and the loop goes
 * on, since the instance's state lives on the server; a 409 on a task that is no longer open is the expected race
 * (someone, or our own first try, completed it); any other unexpected answer, a step the script does not know or
 * an open incident abandons the instance (it is then not counted as completed).
 */
import { ApiUnavailable, sleep, type FiscalApiClient } from './api-client.js';
import type { InboxTask, Inboxes } from './inboxes.js';
import type { BankMessage, InstanceDetail, InstanceScript, TaskAction } from './process-script.js';

/** FISCAL_LOAD_TRACE=1 logs every step with its time since the start. */
const TRACE = process.env.FISCAL_LOAD_TRACE === '1';

export interface DriverTiming {
  /** How old an inbox may be when read. */
  readonly pollMs: number;
  /** How often the instance itself is read (ended? waiting for the bank?). */
  readonly checkMs: number;
  /** Poll every actor after this long without progress … */
  readonly stallMs: number;
  /** … this often. */
  readonly stallPollMs: number;
  /** The longest sleep between rounds while nothing happens. */
  readonly maxIdleSleepMs: number;
  /** How long a user stays polled after being named as a next actor. */
  readonly watchMs: number;
}

export interface DriverHooks {
  /** The instance was started (id known). */
  started(): void;
  /** A 409 on a task no longer open. */
  expectedRace(): void;
  /** True once the driver must give up (stop() drained too long). */
  abandoned(): boolean;
  log(line: string): void;
}

export type DriveOutcome = 'ended' | 'abandoned' | 'failed';

export async function driveInstance(
  api: FiscalApiClient,
  inboxes: Inboxes,
  script: InstanceScript,
  timing: DriverTiming,
  hooks: DriverHooks,
): Promise<DriveOutcome> {
  const where = `${script.kind} ${script.businessKey}`;
  const instanceId = await startInstance(api, script, hooks);
  if (!instanceId) return hooks.abandoned() ? 'abandoned' : 'failed';
  hooks.started();
  const startedAt = Date.now();

  /** Users polled for this instance: until when, and how old their inbox may be. */
  const watch = new Map<string, { until: number; maxAgeMs: number }>();
  const expect = (users: readonly string[], maxAgeMs = timing.pollMs) => {
    for (const u of users) {
      const known = watch.get(u);
      watch.set(u, {
        until: Date.now() + timing.watchMs,
        maxAgeMs: Math.min(maxAgeMs, known?.maxAgeMs ?? maxAgeMs),
      });
    }
  };
  expect(script.firstActors);
  const actedOn = new Set<string>();
  const commandKeys = new Map<string, string>();
  const sentMessages = new Set<string>();
  let lastProgress = Date.now();
  let lastCheck = 0;
  let lastStep = 'start';
  let lastSeen = '';

  for (;;) {
    if (hooks.abandoned()) {
      hooks.log(`fiscal load: ${where} given up after ${lastStep}; last seen ${lastSeen}`);
      return 'abandoned';
    }
    try {
      let acted = false;
      const now = Date.now();
      for (const [user, { until }] of watch) if (until < now) watch.delete(user);
      // nothing for a while: look at every actor's inbox too, slowly (a step the script did not foresee)
      if (now - lastProgress > timing.stallMs) expect(script.actors, timing.stallPollMs);

      for (const [user, { maxAgeMs }] of [...watch]) {
        const mine = (await inboxes.of(user, maxAgeMs)).filter(
          (t) => t.businessKey === script.businessKey && !actedOn.has(t.id),
        );
        for (const task of mine) {
          const action = script.onTask(task, user);
          if (!action) {
            hooks.log(
              `fiscal load: ${where}: no script step for ${task.taskDefinitionKey} (task ${task.id}, ${user})`,
            );
            return 'failed';
          }
          actedOn.add(task.id);
          inboxes.forgetTask(user, task.id);
          // a command the API never answered is tried again next round, with the same key
          const key = commandKeys.get(task.id) ?? api.newKey(action.op);
          commandKeys.set(task.id, key);
          await act(api, task, user, action, key, hooks).catch((err: unknown) => {
            if (err instanceof ApiUnavailable) actedOn.delete(task.id);
            throw err;
          });
          commandKeys.delete(task.id);
          lastStep = `${task.taskDefinitionKey} ${action.op} (${action.comment}) by ${user}`;
          if (TRACE)
            hooks.log(
              `fiscal load: ${where} +${Date.now() - startedAt} ms ${lastStep} (task open ${Date.now() - Date.parse(task.created)} ms)`,
            );
          watch.delete(user);
          expect(action.next);
          acted = true;
        }
      }
      if (acted) {
        lastProgress = Date.now();
        continue;
      }

      const checkEvery = watch.size === 0 ? timing.checkMs : timing.checkMs * 3;
      if (Date.now() - lastCheck >= checkEvery) {
        lastCheck = Date.now();
        const detail = (await api.get(script.starter, `/process-instance/${instanceId}`)) as InstanceDetail;
        lastSeen = `${detail.status} at ${detail.activeActivityIds.join(',')}`;
        if (detail.ended) {
          const note = script.describeEnd?.(detail);
          if (note) hooks.log(`fiscal load: ${note}`);
          return 'ended';
        }
        const incident = detail.incidents.find((i) => i.state !== 'resolved');
        if (incident) {
          hooks.log(
            `fiscal load: ${where}: incident at ${String(incident.activityId)}: ${String(incident.message)}`,
          );
          return 'failed';
        }
        const message = script.onInstance?.(detail);
        if (message && !sentMessages.has(message.messageId)) {
          await sendMessage(api, message, hooks);
          sentMessages.add(message.messageId);
          expect(message.next);
          lastProgress = Date.now();
          continue;
        }
      }
      // nothing to do: wait a little longer each round (the workers are busy), back to pollMs after progress
      const idleMs = Date.now() - lastProgress;
      await sleep(Math.min(timing.pollMs + idleMs / 4, timing.maxIdleSleepMs));
    } catch (err) {
      if (err instanceof ApiUnavailable) {
        hooks.log(`fiscal load: ${where}: ${err.message}; carrying on`);
        continue;
      }
      hooks.log(`fiscal load: ${where} abandoned: ${err instanceof Error ? err.message : String(err)}`);
      return 'failed';
    }
  }
}

/** Starts the instance; retries an unavailable API with the same Idempotency-Key. Answers its id. */
async function startInstance(
  api: FiscalApiClient,
  script: InstanceScript,
  hooks: DriverHooks,
): Promise<string | undefined> {
  const path = `/process-definition/key/${script.processKey}/start`;
  const body = { businessKey: script.businessKey, variables: script.startVariables };
  const key = api.newKey('start');
  for (;;) {
    if (hooks.abandoned()) return undefined;
    try {
      const answer = await api.command(script.starter, path, body, key);
      if (answer.status === 200) return (answer.body as { id: string }).id;
      throw api.unexpected(script.starter, 'POST', path, answer);
    } catch (err) {
      if (err instanceof ApiUnavailable) {
        hooks.log(`fiscal load: start of ${script.businessKey}: ${err.message}; carrying on`);
        continue;
      }
      hooks.log(`fiscal load: start of ${script.businessKey} failed: ${(err as Error).message}`);
      return undefined;
    }
  }
}

/** 通过 or 退回 one task as `user`; a 409 on a task no longer open is the expected race. */
async function act(
  api: FiscalApiClient,
  task: InboxTask,
  user: string,
  action: TaskAction,
  key: string,
  hooks: DriverHooks,
): Promise<void> {
  const path = action.op === 'complete' ? `/task/${task.id}/complete` : `/task/${task.id}/return`;
  const body =
    action.op === 'complete'
      ? { variables: action.variables, comment: action.comment }
      : { target: action.target, comment: action.comment };
  const answer = await api.command(user, path, body, key);
  if (answer.status === 200) return;
  if (answer.status === 409) {
    const now = await api.read(user, `/task/${task.id}`);
    if (now.status === 200 && (now.body as { state?: unknown }).state !== 'created') {
      hooks.expectedRace();
      return;
    }
  }
  throw api.unexpected(user, 'POST', path, answer);
}

async function sendMessage(api: FiscalApiClient, message: BankMessage, hooks: DriverHooks): Promise<void> {
  const body = {
    messageName: message.messageName,
    correlationKey: message.correlationKey,
    messageId: message.messageId,
    variables: message.variables,
  };
  const answer = await api.command(message.sender, '/message', body, api.newKey('message'));
  if (answer.status !== 200) throw api.unexpected(message.sender, 'POST', '/message', answer);
  const outcome = (answer.body as { outcome?: unknown }).outcome;
  if (outcome !== 'correlated')
    hooks.log(
      `fiscal load: message ${message.messageName} ${message.messageId} was ${String(outcome)}, not correlated`,
    );
}
