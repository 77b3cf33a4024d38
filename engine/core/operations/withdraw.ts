/**
 * 撤回: the approver who just completed a task takes it back, only while nothing has happened since (the
 * instance is still at the version that completion committed). The tokens that completion produced end (their
 * new tasks, untouched by definition, are canceled) and the task is created again for the approver. A completion
 * that joined other branches cannot be withdrawn (their tokens were consumed).
 */
import { InvalidStateError } from '../errors.js';
import type { InstanceWork } from '../runtime/instance-work.js';
import type { StoredHistoryRecord, TaskRecord } from '../runtime/records.js';
import type { Runner } from '../runtime/runner.js';

export function withdraw(
  work: InstanceWork,
  runner: Runner,
  task: TaskRecord,
  actor: string,
  completionRows: readonly StoredHistoryRecord[],
): void {
  if (task.state !== 'completed' || task.completedBy !== actor) {
    throw new InvalidStateError(
      `Only ${task.completedBy ?? 'the approver'} can withdraw task ${task.id}, and only after completing it`,
      { reason: 'NOT_YOURS' },
    );
  }
  const completion = completionRows.find((h) => h.type === 'TASK_COMPLETED' && h.taskId === task.id);
  if (!completion || completion.seq !== work.instance.version) {
    throw new InvalidStateError(
      `Task ${task.id} can no longer be withdrawn: the next step has already acted`,
      { reason: 'NEXT_STEP_ACTED' },
    );
  }
  const sameStep = completionRows.filter((h) => h.seq === completion.seq);
  const moved =
    sameStep.some(
      (h) =>
        h.type === 'ELEMENT_COMPLETED' &&
        h.executionId === task.executionId &&
        h.elementId === task.elementId,
    ) && sameStep.some((h) => h.type === 'ELEMENT_ACTIVATED');
  if (!moved) {
    throw new InvalidStateError(
      `Task ${task.id} did not move the process on (other signers or votes were pending, or it was one vote of a countersign), so there is nothing to withdraw`,
      {
        reason: 'STEP_NOT_DONE',
      },
    );
  }
  const joined = sameStep.some(
    (h) =>
      h.type === 'ELEMENT_COMPLETED' &&
      h.elementId &&
      ['parallelGateway', 'inclusiveGateway'].includes(runner.process.elements[h.elementId]?.kind ?? '') &&
      runner.process.elements[h.elementId]!.incoming.length > 1,
  );
  if (joined) {
    throw new InvalidStateError(`Task ${task.id} cannot be withdrawn: completing it joined other branches`, {
      reason: 'JOINED',
    });
  }
  const activated = new Set(sameStep.filter((h) => h.type === 'ELEMENT_ACTIVATED').map((h) => h.executionId));
  const produced = [...work.executions.values()].filter((e) => activated.has(e.id));
  const parentId = produced.find((e) => e.id === task.executionId)?.parentId ?? produced[0]?.parentId ?? null;
  for (const token of produced) if (work.executions.has(token.id)) runner.removeToken(token, 'canceled');
  const fresh = runner.newToken(parentId, task.elementId);
  fresh.variables = { $assignee: actor };
  runner.event('TASK_WITHDRAWN', runner.element(task.elementId), fresh, { taskId: task.id }, task.id);
  runner.arrive(fresh, task.elementId, null);
}
