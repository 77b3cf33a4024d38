/**
 * Messages and signals meeting their catchers. A message goes to the oldest open subscription of its name and
 * correlation key, else starts an instance at a message start event, else waits (buffered) for its time-to-live
 * until a subscription opens, else is refused and kept as unmatched. A signal reaches every waiting subscription
 * and every signal start event. Each catch is one engine command on the catching instance; a message is
 * idempotent by its messageId (the `messages` row is written in the catching command).
 */
import type { CorrelateOptions, CorrelationResult, InstanceView, Logger } from '../api-types.js';
import type { CommandRunner, NewInstance } from '../command-types.js';
import {
  ConcurrencyError,
  EngineError,
  InvalidVariablesError,
  isRetryable,
  isUniqueViolation,
} from '../errors.js';
import type { ExecutableProcess } from '../model/types.js';
import type { Clock } from '../ports/clock.js';
import type { ProcessStore } from '../ports/store.js';
import { trigger } from '../runtime/events.js';
import type { InstanceWork } from '../runtime/instance-work.js';
import type { DefinitionRecord, MessageRecord, SubscriptionRecord } from '../runtime/records.js';
import type { Runner } from '../runtime/runner.js';
import { checkVariables } from '../runtime/variables.js';

/** What correlation uses of the engine: its ports and the commands it runs. */
export interface CorrelationContext {
  readonly store: ProcessStore;
  readonly clock: Clock;
  readonly newId: () => string;
  readonly logger: Logger | undefined;
  /** How long a message nobody waits for is kept for a subscription to come, unless the caller says. */
  readonly messageTtlMs: number;
  /** How many times a correlation that met a conflict or a brief store outage is tried in all. */
  readonly maxAttempts: number;
  /** One command on an instance (load, apply, run, commit, publish; re-run on conflicts). */
  readonly command: CommandRunner;
  startNew(start: NewInstance): Promise<{ id: string; view: InstanceView | null }>;
  processFor(definitionId: string): Promise<{ definition: DefinitionRecord; process: ExecutableProcess }>;
}

export class MessageCorrelation {
  constructor(private readonly ctx: CorrelationContext) {}

  /**
   * Correlates a message: to the oldest subscription of that name and key, else to a message start event, else
   * it is buffered for its time-to-live, else refused (and recorded as unmatched). Idempotent by messageId.
   */
  async correlate(name: string, options: CorrelateOptions = {}): Promise<CorrelationResult> {
    const { store, clock, maxAttempts } = this.ctx;
    if (typeof name !== 'string' || name.length === 0 || name.length > 255) {
      throw new InvalidVariablesError('The message name must be a non-empty text of at most 255 characters');
    }
    const key =
      options.correlationKey === undefined || options.correlationKey === null
        ? null
        : String(options.correlationKey);
    const variables = checkVariables(options.variables, `message ${name}`);
    const messageId = options.messageId ?? this.ctx.newId();
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const known = await store.getMessage(messageId);
      if (known) return resultOf(known);
      const now = clock.now();
      const message: MessageRecord = {
        id: this.ctx.newId(),
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
        const delivered = await this.deliver(message);
        if (delivered) return delivered;
        const ttl = options.ttlMs ?? this.ctx.messageTtlMs;
        if (ttl > 0) {
          await store.insertMessage({
            ...message,
            state: 'buffered',
            correlatedAt: null,
            expiresAt: now + ttl,
          });
          return { messageId, outcome: 'buffered', instanceId: null };
        }
        await store.insertMessage({ ...message, state: 'unmatched', correlatedAt: null });
      } catch (err) {
        // a conflict, a brief outage, or another call with the same messageId that got there first: look again
        if (isRetryable(err) || isUniqueViolation(err)) continue;
        throw err;
      }
      throw new EngineError(
        'MESSAGE_NOT_CORRELATED',
        `Message ${name}${key === null ? '' : ` with correlation key ${key}`} matches no waiting instance and no message start event`,
      );
    }
    const known = await store.getMessage(messageId);
    if (known) return resultOf(known);
    throw new ConcurrencyError(
      `Message ${messageId} could not be correlated after ${maxAttempts} attempts; try again`,
    );
  }

  /** Broadcasts a signal to every waiting subscription and signal start event; returns how many caught it. */
  async broadcastSignal(
    name: string,
    options: { variables?: Record<string, unknown> } = {},
  ): Promise<number> {
    const { store } = this.ctx;
    const variables = checkVariables(options.variables, `signal ${name}`);
    let caught = 0;
    for (const subscription of await store.findSubscriptions({ kind: 'signal', name, level: 'instance' })) {
      const hit = await this.ctx.command(
        subscription.instanceId!,
        null,
        (work, runner) =>
          catchSubscription(work, runner, subscription.id, variables, 'SIGNAL_RECEIVED', { signal: name }),
        { skipIfEnded: true },
      );
      if (hit) caught++;
    }
    for (const subscription of await store.findSubscriptions({ kind: 'signal', name, level: 'definition' })) {
      const { definition, process } = await this.ctx.processFor(subscription.definitionId!);
      await this.ctx.startNew({ definition, process, startEventId: subscription.elementId, variables });
      caught++;
    }
    return caught;
  }

  /** Buffered messages: expire those past their time-to-live, correlate those whose subscription now exists. */
  async sweep(): Promise<{ expired: number; correlated: number }> {
    const { store, logger } = this.ctx;
    const now = this.ctx.clock.now();
    const expired = await store.expireMessages(now);
    for (const message of expired) {
      logger?.warn(
        { messageId: message.messageId, name: message.name },
        'buffered message expired without a subscription',
      );
    }
    let correlated = 0;
    for (const message of await store.findBufferedMessages(now, {}, 200)) {
      if (await this.deliverBuffered(message)) correlated++;
    }
    return { expired: expired.length, correlated };
  }

  /** After a commit that opened a message subscription: the oldest buffered message it matches, if any, is caught. */
  async offerBuffered(subscription: { name: string; correlationKey: string | null }): Promise<void> {
    const [buffered] = await this.ctx.store.findBufferedMessages(
      this.ctx.clock.now(),
      { name: subscription.name, correlationKey: subscription.correlationKey },
      1,
    );
    if (buffered) await this.deliverBuffered(buffered);
  }

  /** Tries a message on the waiting subscriptions, then on message start events. */
  private async deliver(message: MessageRecord): Promise<CorrelationResult | undefined> {
    const { store } = this.ctx;
    for (const subscription of await store.findSubscriptions({
      kind: 'message',
      name: message.name,
      correlationKey: message.correlationKey,
      level: 'instance',
      limit: 20,
    })) {
      const hit = await this.catchMessage(subscription, message, 'arriving');
      if (hit)
        return { messageId: message.messageId, outcome: 'correlated', instanceId: subscription.instanceId };
    }
    const [start] = await store.findSubscriptions({
      kind: 'message',
      name: message.name,
      level: 'definition',
      limit: 1,
    });
    if (start) {
      const { definition, process } = await this.ctx.processFor(start.definitionId!);
      const { id } = await this.ctx.startNew({
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
    for (const subscription of await this.ctx.store.findSubscriptions({
      kind: 'message',
      name: message.name,
      correlationKey: message.correlationKey,
      level: 'instance',
      limit: 5,
    })) {
      try {
        const hit = await this.catchMessage(subscription, message, 'buffered');
        if (hit) return true;
      } catch (err) {
        if (err instanceof ConcurrencyError) return false;
        throw err;
      }
    }
    return false;
  }

  /**
   * One command on the subscription's instance: the subscription (if still open) catches the message, and the
   * message is recorded with it (an arriving one inserted as correlated, a buffered one marked consumed).
   */
  private catchMessage(
    subscription: SubscriptionRecord,
    message: MessageRecord,
    from: 'arriving' | 'buffered',
  ): Promise<boolean> {
    return this.ctx.command(
      subscription.instanceId!,
      null,
      (work, runner) => {
        const caught = catchSubscription(
          work,
          runner,
          subscription.id,
          message.variables,
          'MESSAGE_CORRELATED',
          {
            messageId: message.messageId,
            message: message.name,
            ...(from === 'buffered' ? { buffered: true } : {}),
          },
        );
        if (!caught) return false;
        if (from === 'buffered') work.messagesConsumed.push({ id: message.id, at: runner.now });
        else work.messagesInserted.push({ ...message, instanceId: work.instance.id });
        return true;
      },
      { skipIfEnded: true },
    );
  }
}

/** Inside a command: the subscription (if still open) catches; variables are set and the token reacts. */
function catchSubscription(
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
    { ...data, variables: Object.keys(variables) },
  );
  const element = runner.element(subscription.elementId);
  const nonInterruptingStart = element.kind === 'startEvent' && element.interrupting === false;
  const nonInterruptingBoundary = element.kind === 'boundaryEvent' && element.cancelActivity === false;
  if (!nonInterruptingStart && !nonInterruptingBoundary) work.removeSubscription(subscription.id);
  return trigger(runner, subscription.executionId!, subscription.elementId);
}

/** What a message already recorded under a messageId came to (a repeated correlate call gets the same answer). */
function resultOf(message: MessageRecord): CorrelationResult {
  if (message.state === 'unmatched' || message.state === 'expired') {
    throw new EngineError('MESSAGE_NOT_CORRELATED', `Message ${message.messageId} was ${message.state}`);
  }
  return {
    messageId: message.messageId,
    outcome: message.state === 'buffered' ? 'buffered' : message.instanceId ? 'correlated' : 'started',
    instanceId: message.instanceId,
  };
}
