/**
 * Routes: the forms of the fiscal processes (processes/<process>/forms/<key>.form.json, see
 * processes/forms/form-registry.ts). `GET /form/{key}` returns the definition; with `?taskId=` it is the form as
 * that task's step shows it: hidden fields left out, the others marked `readOnly` or not, `required` kept only
 * where the step may write the field. The task's variables and raw permissions stay with GET /task/{id}/form;
 * the two together render a step. Any signed-in user may read the definitions (they hold no data).
 */
import { z } from 'zod';
import { ApiError, errors } from '../http/api-error.js';
import { defineRoute, type RouteSpec } from '../http/route.js';
import { formRegistry } from '../../processes/forms/form-registry.js';
import { FIELD_TYPES, type FormField } from '../../processes/forms/form-schema.js';
import { formForStep, OPEN_PERMISSIONS } from '../forms/field-permissions.js';
import { visibleTask } from './task-access.js';
import { TaskIdParams } from './tasks.js';

const TAGS = ['Form'];

const fieldShape = {
  name: z.string(),
  label: z.string(),
  type: z.enum(FIELD_TYPES),
  required: z.boolean().optional(),
  help: z.string().optional(),
  maxLength: z.number().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  codeList: z.string().optional().describe('Reference list of the options: GET /reference/{codeList}'),
  options: z.array(z.object({ value: z.string(), label: z.string() })).optional(),
};

/** A column of a table field (the OpenAPI document is not recursive; deeper columns pass through). */
const ColumnSchema = z.looseObject(fieldShape).describe('FormColumn');

const FieldSchema = z
  .object({
    ...fieldShape,
    columns: z.array(ColumnSchema).optional(),
    readOnly: z.boolean().optional().describe('With taskId: the step shows the field but may not change it'),
  })
  .describe('FormField');

/** The registry's fields as the response schema types them (the same shape; readonly arrays read as plain ones). */
const fieldsJson = (fields: readonly (FormField & { readOnly?: boolean })[]) =>
  fields as unknown as z.input<typeof FieldSchema>[];

const FormSchema = z
  .object({
    key: z.string(),
    title: z.string(),
    taskId: z.string().optional(),
    activityId: z.string().optional().describe('With taskId: the step (BPMN element id)'),
    fields: z.array(FieldSchema),
  })
  .describe('Form');

const FormSummarySchema = z
  .object({ key: z.string(), title: z.string(), fieldCount: z.number().int() })
  .describe('FormSummary');

const listForms = defineRoute({
  method: 'get',
  path: '/form',
  summary: 'The keys of the forms (fiscal:formKey values)',
  tags: TAGS,
  access: 'user',
  response: z.array(FormSummarySchema),
  handler: async () =>
    (await formRegistry()).all().map(({ definition }) => ({
      key: definition.key,
      title: definition.title,
      fieldCount: definition.fields.length,
    })),
});

const getForm = defineRoute({
  method: 'get',
  path: '/form/{key}',
  summary: 'A form definition; with taskId, as that task’s step shows it',
  tags: TAGS,
  access: 'user',
  params: z.object({ key: z.string().trim().min(1).max(64) }),
  query: z.object({
    taskId: TaskIdParams.shape.id.optional().describe('Apply this task’s field permissions'),
  }),
  response: FormSchema,
  handler: async ({ params, query, services, principal }) => {
    const form = (await formRegistry()).get(params.key);
    if (!form) throw errors.notFound('表单', params.key);
    if (!query.taskId) return { key: form.key, title: form.title, fields: fieldsJson(form.fields) };
    const task = await visibleTask(services, principal, query.taskId);
    if (task.formKey !== form.key)
      throw new ApiError(
        400,
        'INVALID_REQUEST',
        `任务 ${task.id} 使用的表单是 ${task.formKey ?? '（无）'}，不是 ${form.key}`,
        `Task ${task.id} uses the form ${task.formKey ?? '(none)'}, not ${form.key}`,
        { field: 'query.taskId' },
      );
    const view = await services.engine.getTaskView(task.id);
    const step = formForStep(form, view.fields ?? OPEN_PERMISSIONS);
    return {
      ...step,
      taskId: task.id,
      activityId: task.elementId,
      fields: fieldsJson(step.fields.map((f) => (f.readOnly && f.required ? { ...f, required: false } : f))),
    };
  },
});

export const formRoutes: RouteSpec[] = [listForms, getForm];
