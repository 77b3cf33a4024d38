/**
 * Rule `stored-lengths`: names and ids that the engine stores in fixed-length columns fit those columns, so an
 * over-long one is a deploy error naming its element instead of a database error (a 500 on MySQL/MariaDB, which
 * refuses strings longer than a VARCHAR; SQLite would silently keep them) at deploy or on the first instance.
 *
 * Limits (characters; migrations/20261127090000_create_engine_tables.ts): process key, element ids, process and
 * user task names, form keys, org scopes, version tags, service task types, literal candidate roles/users: 255;
 * a literal assignee and each literal candidate user: 64 (user ids).
 */
import { type BpmnElement, type Rule, type RuleContext, stringProp } from './rule.js';

/** VARCHAR(255) columns: process_key, element_id, name, form_key, org_scope, version_tag, task_type, value. */
export const MAX_STORED_TEXT = 255;
/** VARCHAR(64) columns holding user ids: assignee, and candidate users. */
export const MAX_USER_ID = 64;

export const storedLengths: Rule = {
  id: 'stored-lengths',
  description: 'Ids, names and literal attributes the engine stores must fit their database columns.',
  check(ctx) {
    for (const process of ctx.model.deployable) {
      checkLength(ctx, process, 'id', stringOrUndefined(process.id), MAX_STORED_TEXT);
      checkLength(ctx, process, 'name', stringProp(process, 'name'), MAX_STORED_TEXT);
      checkLength(ctx, process, 'fiscal:versionTag', stringProp(process, 'versionTag'), MAX_STORED_TEXT);
      for (const role of commaList(stringProp(process, 'starterRoles')))
        checkLength(ctx, process, 'a role in fiscal:starterRoles', role, MAX_STORED_TEXT);
    }
    for (const { element } of ctx.model.elements) {
      checkLength(ctx, element, 'id', stringOrUndefined(element.id), MAX_STORED_TEXT);
      if (element.$type === 'bpmn:ServiceTask')
        checkLength(ctx, element, 'fiscal:taskType', stringProp(element, 'taskType'), MAX_STORED_TEXT);
      if (element.$type !== 'bpmn:UserTask') continue;
      checkLength(ctx, element, 'name', stringProp(element, 'name'), MAX_STORED_TEXT);
      checkLength(ctx, element, 'fiscal:formKey', stringProp(element, 'formKey'), MAX_STORED_TEXT);
      checkLength(ctx, element, 'fiscal:orgScope', stringProp(element, 'orgScope'), MAX_STORED_TEXT);
      const assignee = literal(stringProp(element, 'assignee'));
      checkLength(ctx, element, 'fiscal:assignee', assignee?.trim(), MAX_USER_ID);
      for (const user of commaList(literal(stringProp(element, 'candidateUsers'))))
        checkLength(ctx, element, 'a user in fiscal:candidateUsers', user, MAX_USER_ID);
      for (const role of commaList(stringProp(element, 'candidateRoles')))
        checkLength(ctx, element, 'a role in fiscal:candidateRoles', role, MAX_STORED_TEXT);
    }
  },
};

// helpers //////

function checkLength(
  ctx: RuleContext,
  element: BpmnElement,
  what: string,
  value: string | undefined,
  max: number,
): void {
  if (value === undefined) return;
  const length = [...value].length;
  if (length > max)
    ctx.report(element, `${what} is ${length} characters long, more than the limit of ${max} characters`);
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The value unless it is a FEEL expression (`=…`), whose result is checked when it is evaluated. */
function literal(value: string | undefined): string | undefined {
  return value === undefined || value.trim().startsWith('=') ? undefined : value;
}

function commaList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}
