import type { Behavior } from './behavior.js';

/**
 * Service task: writes a job row (the outbox) and waits. After commit the job goes to the `service`
 * queue; a worker runs the handler registered for `fiscal:taskType` and reports back with a command.
 */
export const serviceTask: Behavior = {
  activate(runner, token) {
    const element = runner.element(token.elementId);
    const jobId = runner.newId();
    runner.wait(token);
    runner.work.addJob({
      id: jobId,
      instanceId: runner.work.instance.id,
      executionId: token.id,
      elementId: element.id,
      kind: 'service',
      taskType: element.taskType ?? null,
      state: 'pending',
      attempt: 1,
      retriesLeft: Math.max(0, (element.retries ?? 3) - 1),
      publishSeq: 0,
      lastError: null,
      dueAt: runner.now,
      publishedAt: null,
      createdAt: runner.now,
      updatedAt: runner.now,
    });
    runner.event('JOB_CREATED', element, token, { jobId, taskType: element.taskType ?? null });
  },
};
