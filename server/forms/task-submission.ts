/**
 * The submission check on completing a task (POST /task/{id}/complete): when the task's step names a form
 * (`fiscal:formKey`), the submitted variables are checked against it with the step's field permissions
 * (submission-check.ts) → 400 `INVALID_REQUEST` with `details.issues[{field, message, messageZh}]`, each naming
 * the variable (`body.variables.amountFen`). A step without a form, or whose form is not shipped, is not
 * checked here (the registry tests require a form for every formKey in the shipped diagrams).
 */
import type { TaskRecord } from '../../engine/index.js';
import { formRegistry } from '../../processes/forms/form-registry.js';
import { referenceCodesFor } from '../../processes/reference/reference-codes.js';
import type { ReferenceListName } from '../../processes/reference/reference-lists.js';
import { ApiError } from '../http/api-error.js';
import type { AppServices } from '../services.js';
import { checkSubmission, type SubmissionLookups } from './submission-check.js';

export async function checkTaskSubmission(
  services: AppServices,
  task: TaskRecord,
  variables: Readonly<Record<string, unknown>> | undefined,
): Promise<void> {
  // a task that is not open is refused by the engine with its own reason
  if (!task.formKey || task.state !== 'created') return;
  const form = (await formRegistry()).get(task.formKey);
  if (!form) {
    services.logger.warn(
      { taskId: task.id, formKey: task.formKey },
      'task names a form that is not shipped; submission not checked',
    );
    return;
  }
  const view = await services.engine.getTaskView(task.id);
  const issues = await checkSubmission(
    form,
    view.fields,
    variables ?? {},
    view.variables,
    submissionLookups(services),
  );
  if (issues.length === 0) return;
  const first = issues[0]!;
  throw new ApiError(
    400,
    'INVALID_REQUEST',
    `表单“${form.title}”填写有误：${first.messageZh}${issues.length > 1 ? `（共 ${issues.length} 处）` : ''}`,
    `The form ${form.key} has ${issues.length} problem(s): ${first.field}: ${first.message}`,
    { formKey: form.key, issues },
  );
}

/** The reference codes (valid at the engine's clock) and the org directory. */
export function submissionLookups(services: AppServices): SubmissionLookups {
  const codes = referenceCodesFor(services.knex);
  return {
    invalidCodes: (list, values) => codes.invalidCodes(list as ReferenceListName, values, services.now()),
    unknownUsers: async (ids) => {
      const found = await Promise.all(ids.map((id) => services.orgs.getUser(id)));
      return ids.filter((_, i) => !found[i]);
    },
    unknownOrgs: async (orgCodes) => {
      const found = await Promise.all(orgCodes.map((code) => services.orgs.getOrg(code)));
      return orgCodes.filter((_, i) => !found[i]);
    },
  };
}
