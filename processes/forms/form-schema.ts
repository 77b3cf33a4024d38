/**
 * The form format of the fiscal processes: a small JSON schema of our own (not JSON Schema), one file per form
 * `processes/<process>/forms/<formKey>.form.json`, named by a user task's `fiscal:formKey`. A field has a type
 * the UI knows how to render and the server knows how to check; amounts are typed `amountFen`: entered in 元 in
 * the UI, stored and sent as integer 分. Code fields take their options from reference data (`codeList`).
 * Which fields a node may edit, only read, or not see is not part of the form: the node's `fiscal:fields`
 * permissions say it, so one form serves every step of a process.
 */
import { z } from 'zod';

export const FIELD_TYPES = [
  'text',
  'textarea',
  'integer',
  'amountFen',
  'percent',
  'date',
  'boolean',
  'code',
  'user',
  'org',
  'attachments',
  'table',
] as const;

export type FieldType = (typeof FIELD_TYPES)[number];

const fieldName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'a variable name: a letter, then letters, digits or _');

export interface FormField {
  readonly name: string;
  readonly label: string;
  readonly type: FieldType;
  readonly required?: boolean;
  readonly help?: string;
  readonly maxLength?: number;
  /** Bounds for integer / amountFen (in 分) / percent. */
  readonly min?: number;
  readonly max?: number;
  /** For `code`: the reference list (e.g. `fundType`, `paymentMethod`, `functionalClass`). */
  readonly codeList?: string;
  /** For `code`: a fixed list instead of a reference list. */
  readonly options?: readonly { readonly value: string; readonly label: string }[];
  /** For `table`: the columns of each row. */
  readonly columns?: readonly FormField[];
}

export interface FormDefinition {
  readonly key: string;
  readonly title: string;
  readonly fields: readonly FormField[];
}

const field: z.ZodType<FormField> = z.lazy(() =>
  z
    .object({
      name: fieldName,
      label: z.string().min(1).max(64),
      type: z.enum(FIELD_TYPES),
      required: z.boolean().optional(),
      help: z.string().max(500).optional(),
      maxLength: z.number().int().positive().max(100_000).optional(),
      min: z.number().int().optional(),
      max: z.number().int().optional(),
      codeList: z
        .string()
        .regex(/^[A-Za-z][A-Za-z0-9]*$/)
        .optional(),
      options: z.array(z.object({ value: z.string().min(1), label: z.string().min(1) })).optional(),
      columns: z.array(field).optional(),
    })
    .strict()
    .superRefine((f, ctx) => {
      if (f.type === 'code' && !f.codeList && !f.options?.length)
        ctx.addIssue({ code: 'custom', message: `code field ${f.name} needs codeList or options` });
      if (f.type === 'table' && !f.columns?.length)
        ctx.addIssue({ code: 'custom', message: `table field ${f.name} needs columns` });
    }),
);

/** Validates a form definition (used when forms are loaded, and by the tests of every process). */
export const formDefinitionSchema: z.ZodType<FormDefinition> = z
  .object({
    key: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'lowercase letters, digits and -'),
    title: z.string().min(1).max(64),
    fields: z.array(field).min(1),
  })
  .strict()
  .superRefine((form, ctx) => {
    const seen = new Set<string>();
    for (const f of form.fields) {
      if (seen.has(f.name)) ctx.addIssue({ code: 'custom', message: `field ${f.name} appears twice` });
      seen.add(f.name);
    }
  });
