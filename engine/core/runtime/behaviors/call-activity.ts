import { IncidentError } from '../../errors.js';
import type { Behavior } from './behavior.js';

/**
 * Call activity: evaluates the input mappings now, then writes a `call` job that starts the child instance
 * (with a known id) after commit, and waits. The child reports back with a `child-event` job: completed (output
 * mappings, then on), error (to the boundaries here) or escalation.
 */
export const callActivity: Behavior = {
  activate(runner, token) {
    const element = runner.element(token.elementId);
    const called = element.calledElement!;
    const context = runner.context(token);
    const inputs: Record<string, unknown> = called.propagateAll ? { ...context } : {};
    for (const name of Object.keys(inputs))
      if (name.startsWith('$') || name.startsWith('nrOf')) delete inputs[name];
    for (const mapping of called.inputs) {
      inputs[mapping.target] = runner.evaluate(
        mapping.source.source,
        `Input ${mapping.target} of call activity ${element.id}`,
        token,
      );
    }
    if (!called.processKey)
      throw new IncidentError('EXPRESSION_FAILED', `Call activity ${element.id} names no process`);
    const childInstanceId = runner.newId();
    token.variables = { ...(token.variables ?? {}), $childInstanceId: childInstanceId };
    runner.createJob(token.id, element.id, {
      kind: 'call',
      retriesLeft: 2,
      payload: {
        childInstanceId,
        processKey: called.processKey,
        binding: called.binding,
        version: called.version ?? null,
        versionTag: called.versionTag ?? null,
        callerDefinitionId: runner.work.instance.definitionId,
        variables: inputs,
      },
    });
    runner.event('CHILD_INSTANCE_CREATED', element, token, {
      childInstanceId,
      processKey: called.processKey,
    });
    runner.wait(token);
  },
};
