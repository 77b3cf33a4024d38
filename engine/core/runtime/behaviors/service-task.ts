import type { Behavior } from './behavior.js';

/**
 * Service task: writes a job row (the outbox) and waits. After commit the job goes to the `service`
 * queue; a worker runs the handler registered for `fiscal:taskType` and reports back with a command.
 */
export const serviceTask: Behavior = {
  activate(runner, token) {
    const element = runner.element(token.elementId);
    runner.wait(token);
    runner.createJob(token.id, element.id, {
      kind: 'service',
      taskType: element.taskType ?? null,
      retriesLeft: Math.max(0, (element.retries ?? 3) - 1),
    });
    runner.event('JOB_CREATED', element, token, { taskType: element.taskType ?? null });
  },
};
