/**
 * The form registry: every `processes/<process>/forms/<formKey>.form.json`, loaded once and checked as a whole.
 * Loading fails loudly, naming the file, when a form is not JSON, does not match `formDefinitionSchema`, has a
 * key that differs from its file name, reuses another file's key, or names a `codeList` that is not a reference
 * list: a broken form is a deployment error, found at start and in the tests, not when a user submits it.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formDefinitionSchema, type FormDefinition, type FormField } from './form-schema.js';
import { isReferenceList, REFERENCE_LISTS } from '../reference/reference-lists.js';

/** Where the process folders are (this file sits in processes/forms/). */
export const PROCESSES_DIR = fileURLToPath(new URL('../', import.meta.url));

const FORM_SUFFIX = '.form.json';

export interface RegisteredForm {
  readonly definition: FormDefinition;
  /** The file, relative to the processes folder (`transfer-payment/forms/….form.json`). */
  readonly file: string;
}

export class FormRegistry {
  private readonly byKey: ReadonlyMap<string, RegisteredForm>;

  constructor(forms: readonly RegisteredForm[]) {
    this.byKey = new Map(forms.map((f) => [f.definition.key, f]));
  }

  get(key: string): FormDefinition | undefined {
    return this.byKey.get(key)?.definition;
  }

  /** Every form, by key. */
  all(): RegisteredForm[] {
    return [...this.byKey.values()].sort((a, b) => a.definition.key.localeCompare(b.definition.key));
  }

  keys(): string[] {
    return this.all().map((f) => f.definition.key);
  }
}

/** A form file that cannot be used; the message names the file and what is wrong. */
export class FormFileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`Form ${file}: ${problem}`);
    this.name = 'FormFileError';
  }
}

/** Loads and checks every form file under `dir` (default: the processes folder). */
export async function loadFormRegistry(dir: string = PROCESSES_DIR): Promise<FormRegistry> {
  const forms: RegisteredForm[] = [];
  const seen = new Map<string, string>();
  for (const path of await findFormFiles(dir)) {
    const file = relative(dir, path);
    const definition = parseForm(file, await readFile(path, 'utf8'));
    const expectedKey = basename(path).slice(0, -FORM_SUFFIX.length);
    if (definition.key !== expectedKey)
      throw new FormFileError(file, `key "${definition.key}" differs from the file name "${expectedKey}"`);
    const other = seen.get(definition.key);
    if (other) throw new FormFileError(file, `key "${definition.key}" is already used by ${other}`);
    seen.set(definition.key, file);
    forms.push({ definition, file });
  }
  return new FormRegistry(forms);
}

/** Parses and checks one form file's text. */
export function parseForm(file: string, text: string): FormDefinition {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new FormFileError(file, `not valid JSON (${(err as Error).message})`);
  }
  const result = formDefinitionSchema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues
      .map((i) => `${i.path.length ? i.path.join('.') : '(form)'}: ${i.message}`)
      .join('; ');
    throw new FormFileError(file, `does not match the form format: ${issues}`);
  }
  checkCodeLists(file, result.data.fields, 'fields');
  return result.data;
}

function checkCodeLists(file: string, fields: readonly FormField[], at: string): void {
  fields.forEach((f, i) => {
    if (f.codeList !== undefined && !isReferenceList(f.codeList))
      throw new FormFileError(
        file,
        `${at}.${i}.codeList: "${f.codeList}" is not a reference list (one of ${REFERENCE_LISTS.join(', ')})`,
      );
    if (f.columns) checkCodeLists(file, f.columns, `${at}.${i}.columns`);
  });
}

/** Every `forms/<key>.form.json` in any folder under dir, sorted. */
async function findFormFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') files.push(...(await findFormFiles(path)));
    } else if (entry.name.endsWith(FORM_SUFFIX) && basename(dir) === 'forms') files.push(path);
  }
  return files.sort();
}

let shared: Promise<FormRegistry> | undefined;

/** The registry of the shipped forms, loaded on first use and kept (forms change only with a deployment). */
export function formRegistry(): Promise<FormRegistry> {
  if (!shared) {
    shared = loadFormRegistry();
    // a failed load is reported to every caller, and retried on the next call
    shared.catch(() => {
      shared = undefined;
    });
  }
  return shared;
}
