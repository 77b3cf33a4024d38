import type { ExecutableElement } from '../../model/types.js';
import type { ExecutionRecord, JobRecord } from '../records.js';
import type { Runner } from '../runner.js';

/**
 * Message and signal throws (end events, intermediate throw events, send tasks) become jobs written with the
 * step: after commit a worker hands the message to correlation, or broadcasts the signal. Nothing is sent
 * unless the step commits.
 */
export function publishThrow(runner: Runner, token: ExecutionRecord, element: ExecutableElement): void {
  const definition = element.eventDefinition;
  if (definition?.type === 'message' || (element.kind === 'sendTask' && element.messageName)) {
    const name = definition?.type === 'message' ? definition.messageName : element.messageName!;
    const key =
      definition?.type === 'message' && definition.correlationKey
        ? runner.evaluate(
            definition.correlationKey.source,
            `Correlation key of ${element.bpmnType} ${element.id}`,
            token,
          )
        : null;
    const variables: Record<string, unknown> = {};
    for (const mapping of element.messagePayload ?? []) {
      variables[mapping.target] = runner.evaluate(
        mapping.source.source,
        `Payload ${mapping.target} of ${element.bpmnType} ${element.id}`,
        token,
      );
    }
    unowned(
      runner.createJob(token.id, element.id, {
        kind: 'message',
        retriesLeft: 9,
        payload: { name, correlationKey: key === null ? null : String(key), variables },
      }),
    );
  } else if (definition?.type === 'signal') {
    unowned(
      runner.createJob(token.id, element.id, {
        kind: 'signal',
        retriesLeft: 9,
        payload: { name: definition.signalName },
      }),
    );
  }
}

/** A throw outlives the token that threw it: the job must not be closed when the token moves on or the instance ends. */
function unowned(job: JobRecord): void {
  job.executionId = null;
}
