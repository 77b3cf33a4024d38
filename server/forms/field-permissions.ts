/**
 * A step's field permissions (`fiscal:hiddenFields`, `fiscal:readOnlyFields`, `fiscal:editableFields`) applied
 * to a form: which fields the step shows, which it lets the user write, and which of those it requires. The
 * engine enforces the same permissions on completion (engine/core/operations/task-guards.ts); this is the view
 * of them the form API and the submission check share.
 */
import type { FormDefinition, FormField } from '../../processes/forms/form-schema.js';

/** As `Engine.getTaskView` returns them; `editable: null` means every field not read-only or hidden. */
export interface FieldPermissions {
  readonly readOnly: readonly string[];
  readonly hidden: readonly string[];
  readonly editable: readonly string[] | null;
}

/** No restrictions (a form read without a task). */
export const OPEN_PERMISSIONS: FieldPermissions = { readOnly: [], hidden: [], editable: null };

export type FieldAccess = 'hidden' | 'readOnly' | 'editable';

export function fieldAccess(name: string, permissions: FieldPermissions): FieldAccess {
  if (permissions.hidden.includes(name)) return 'hidden';
  if (permissions.readOnly.includes(name)) return 'readOnly';
  if (permissions.editable !== null && !permissions.editable.includes(name)) return 'readOnly';
  return 'editable';
}

/** A field as one step shows it. */
export type StepField = FormField & { readonly readOnly: boolean };

/** The form as a step shows it: hidden fields removed, the others marked read-only or not. */
export function formForStep(
  form: FormDefinition,
  permissions: FieldPermissions,
): { key: string; title: string; fields: StepField[] } {
  const fields: StepField[] = [];
  for (const field of form.fields) {
    const access = fieldAccess(field.name, permissions);
    if (access !== 'hidden') fields.push({ ...field, readOnly: access === 'readOnly' });
  }
  return { key: form.key, title: form.title, fields };
}
