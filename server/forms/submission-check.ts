/**
 * Checks the variables submitted on completing a task against the task's form, so bad data is refused with the
 * field it concerns before the engine stores it:
 *
 * - types: `integer` and `amountFen` are safe integers (amounts are integer 分, never floats), `percent` a
 *   finite number, `date` an ISO-8601 date, `boolean` a boolean, text a string, `attachments` a list of ids,
 *   `table` a list of rows whose cells are checked by the columns;
 * - bounds: `maxLength`, `min`/`max` (an `amountFen` without `min` may not be negative; a `percent` without
 *   bounds lies in 0–100);
 * - references: a `code` value is a valid code of its `codeList` (or one of its `options`); `user` and `org`
 *   values exist in the directory;
 * - required: a required field the step may write must have a value, submitted now or already in the
 *   instance (a 退回 resubmission need not resend what is unchanged). Fields the step hides or shows read-only
 *   are not required there, and writing them is refused.
 *
 * Variables that are not fields of the form are allowed and not checked: processes compute variables of their
 * own (outcomes, routing flags), and the engine's field permissions still apply to them.
 */
import type { FormDefinition, FormField } from '../../processes/forms/form-schema.js';
import { isReferenceList } from '../../processes/reference/reference-lists.js';
import { fieldAccess, type FieldPermissions } from './field-permissions.js';

export interface SubmissionIssue {
  /** Request path of the value: `body.variables.amountFen`, `body.variables.lines.0.amountFen`. */
  readonly field: string;
  readonly message: string;
  readonly messageZh: string;
}

/** The look-ups the check needs (the reference codes and the org directory). */
export interface SubmissionLookups {
  /** The codes of `codes` not valid in the reference list (unknown or retired). */
  invalidCodes(list: string, codes: readonly string[]): Promise<string[]>;
  /** The user ids of `ids` not in the directory. */
  unknownUsers(ids: readonly string[]): Promise<string[]>;
  /** The org codes of `codes` not in the directory. */
  unknownOrgs(codes: readonly string[]): Promise<string[]>;
}

const MAX_TABLE_ROWS = 1000;
const MAX_ATTACHMENTS = 100;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** Every problem with the submission; empty when it is acceptable. */
export async function checkSubmission(
  form: FormDefinition,
  permissions: FieldPermissions,
  submitted: Readonly<Record<string, unknown>>,
  existing: Readonly<Record<string, unknown>>,
  lookups: SubmissionLookups,
): Promise<SubmissionIssue[]> {
  const issues: SubmissionIssue[] = [];
  const refs: Reference[] = [];
  for (const field of form.fields) {
    const path = `body.variables.${field.name}`;
    const access = fieldAccess(field.name, permissions);
    const given = Object.hasOwn(submitted, field.name);
    if (access !== 'editable') {
      if (given)
        issues.push({
          field: path,
          message: `${field.name} may not be changed at this step (${access === 'hidden' ? 'hidden' : 'read-only'})`,
          messageZh: `此步骤不能修改“${field.label}”`,
        });
      continue;
    }
    const value = given ? submitted[field.name] : existing[field.name];
    if (isEmpty(value)) {
      if (field.required) issues.push(missing(path, field));
      continue;
    }
    // a stored value was checked when it was submitted
    if (given) checkValue(field, value, path, issues, refs);
  }
  await checkReferences(refs, lookups, issues);
  return issues;
}

/** A value that must be looked up (a code, a user, an org). */
interface Reference {
  readonly kind: 'code' | 'user' | 'org';
  readonly list?: string;
  readonly value: string;
  readonly path: string;
  readonly field: FormField;
}

function checkValue(
  field: FormField,
  value: unknown,
  path: string,
  issues: SubmissionIssue[],
  refs: Reference[],
): void {
  const fail = (message: string, messageZh: string) =>
    issues.push({ field: path, message, messageZh: `“${field.label}”${messageZh}` });
  switch (field.type) {
    case 'text':
    case 'textarea':
      if (typeof value !== 'string') return void fail('expected text', '应为文本');
      if (field.maxLength !== undefined && [...value].length > field.maxLength)
        fail(`at most ${field.maxLength} characters`, `不能超过 ${field.maxLength} 个字`);
      return;
    case 'integer':
    case 'amountFen': {
      if (typeof value !== 'number' || !Number.isSafeInteger(value))
        return void fail(
          field.type === 'amountFen'
            ? 'expected an integer amount in fen (分), not a fraction or text'
            : 'expected an integer',
          field.type === 'amountFen' ? '应为以分为单位的整数金额' : '应为整数',
        );
      const min = field.min ?? (field.type === 'amountFen' ? 0 : undefined);
      checkBounds(value, min, field.max, fail);
      return;
    }
    case 'percent':
      if (typeof value !== 'number' || !Number.isFinite(value))
        return void fail('expected a number', '应为数字');
      checkBounds(value, field.min ?? 0, field.max ?? 100, fail);
      return;
    case 'date':
      if (typeof value !== 'string' || !ISO_DATE.test(value) || Number.isNaN(Date.parse(value)))
        fail('expected an ISO-8601 date (YYYY-MM-DD)', '应为日期（YYYY-MM-DD）');
      return;
    case 'boolean':
      if (typeof value !== 'boolean') fail('expected true or false', '应为是或否');
      return;
    case 'code':
      if (typeof value !== 'string') return void fail('expected a code', '应为代码');
      if (field.options?.length) {
        if (!field.options.some((o) => o.value === value))
          fail(
            `${value} is not one of ${field.options.map((o) => o.value).join(', ')}`,
            `的取值 ${value} 不在可选项中`,
          );
      } else if (field.codeList) {
        refs.push({ kind: 'code', list: field.codeList, value, path, field });
      }
      return;
    case 'user':
    case 'org':
      if (typeof value !== 'string' || value.length > 64)
        return void fail(
          field.type === 'user' ? 'expected a user id' : 'expected an org code',
          field.type === 'user' ? '应为用户' : '应为机构代码',
        );
      refs.push({ kind: field.type, value, path, field });
      return;
    case 'attachments':
      if (
        !Array.isArray(value) ||
        value.length > MAX_ATTACHMENTS ||
        !value.every((id) => typeof id === 'string' && id.length > 0 && id.length <= 64)
      )
        fail(`expected a list of at most ${MAX_ATTACHMENTS} attachment ids`, '应为附件列表');
      return;
    case 'table':
      if (!Array.isArray(value) || value.length > MAX_TABLE_ROWS)
        return void fail(`expected a list of at most ${MAX_TABLE_ROWS} rows`, '应为表格行列表');
      value.forEach((row, i) => {
        const rowPath = `${path}.${i}`;
        if (typeof row !== 'object' || row === null || Array.isArray(row))
          return void issues.push({
            field: rowPath,
            message: 'expected a row object',
            messageZh: `“${field.label}”第 ${i + 1} 行格式有误`,
          });
        for (const column of field.columns ?? []) {
          const cell = (row as Record<string, unknown>)[column.name];
          const cellPath = `${rowPath}.${column.name}`;
          if (isEmpty(cell)) {
            if (column.required) issues.push(missing(cellPath, column));
          } else checkValue(column, cell, cellPath, issues, refs);
        }
      });
      return;
  }
}

function checkBounds(
  value: number,
  min: number | undefined,
  max: number | undefined,
  fail: (message: string, messageZh: string) => void,
): void {
  if (min !== undefined && value < min) fail(`must be at least ${min}`, `不能小于 ${min}`);
  if (max !== undefined && value > max) fail(`must be at most ${max}`, `不能大于 ${max}`);
}

async function checkReferences(
  refs: readonly Reference[],
  lookups: SubmissionLookups,
  issues: SubmissionIssue[],
): Promise<void> {
  const bad = new Set<string>();
  const key = (kind: string, list: string | undefined, value: string) =>
    `${kind}\u0000${list ?? ''}\u0000${value}`;
  const lists = [...new Set(refs.filter((r) => r.kind === 'code').map((r) => r.list!))];
  for (const list of lists) {
    const values = [...new Set(refs.filter((r) => r.list === list).map((r) => r.value))];
    const invalid = isReferenceList(list) ? await lookups.invalidCodes(list, values) : values;
    for (const v of invalid) bad.add(key('code', list, v));
  }
  for (const kind of ['user', 'org'] as const) {
    const values = [...new Set(refs.filter((r) => r.kind === kind).map((r) => r.value))];
    if (!values.length) continue;
    const unknown = kind === 'user' ? await lookups.unknownUsers(values) : await lookups.unknownOrgs(values);
    for (const v of unknown) bad.add(key(kind, undefined, v));
  }
  for (const r of refs) {
    if (!bad.has(key(r.kind, r.list, r.value))) continue;
    issues.push(
      r.kind === 'code'
        ? {
            field: r.path,
            message: `${r.value} is not a valid code of the reference list ${r.list}`,
            messageZh: `“${r.field.label}”的代码 ${r.value} 不存在或已停用`,
          }
        : {
            field: r.path,
            message: `${r.value} is not a known ${r.kind === 'user' ? 'user' : 'org'}`,
            messageZh: `“${r.field.label}”的${r.kind === 'user' ? '用户' : '机构'} ${r.value} 不存在`,
          },
    );
  }
}

function isEmpty(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    (typeof value === 'string' && value.trim() === '') ||
    (Array.isArray(value) && value.length === 0)
  );
}

function missing(path: string, field: FormField): SubmissionIssue {
  return { field: path, message: `${field.name} is required`, messageZh: `请填写“${field.label}”` };
}
