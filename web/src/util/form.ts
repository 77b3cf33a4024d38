/**
 * Where a form comes from: GET /api/form/{key} when the step names a form; otherwise a form inferred from the
 * variables (names ending in Fen are amounts, numbers integers, booleans switches, the rest text), so a process
 * without a form file still shows its data.
 */
import { api } from '@/api/client';
import type { FormDefinition, FormField } from '@/api/types';

const LABELS: Record<string, string> = {
  title: '标题',
  payee: '收款人',
  amountFen: '金额',
  purpose: '用途',
  remark: '备注',
  internalNote: '内部备注',
};
const SKIP = new Set(['initiator', 'approvalResult']);

export function inferForm(variables: Record<string, unknown>): FormDefinition {
  const fields: FormField[] = [];
  for (const [name, value] of Object.entries(variables)) {
    if (SKIP.has(name) || (typeof value === 'object' && value !== null)) continue;
    const type: FormField['type'] = name.endsWith('Fen')
      ? 'amountFen'
      : typeof value === 'number'
        ? 'integer'
        : typeof value === 'boolean'
          ? 'boolean'
          : typeof value === 'string' && value.length > 60
            ? 'textarea'
            : 'text';
    fields.push({ name, label: LABELS[name] ?? name, type });
  }
  return { key: '', title: '', fields };
}

/** The form `key`, or null when there is none or it cannot be read. */
export async function loadForm(
  key: string | null | undefined,
  taskId?: string,
): Promise<FormDefinition | null> {
  if (!key) return null;
  try {
    return await api.get<FormDefinition>(`/form/${encodeURIComponent(key)}`, taskId ? { taskId } : undefined);
  } catch {
    return null;
  }
}

/** A generic start form for processes without a form file. */
export const GENERIC_START_FORM: FormDefinition = {
  key: '',
  title: '',
  fields: [
    { name: 'title', label: '标题', type: 'text', required: true, maxLength: 100 },
    { name: 'payee', label: '收款人', type: 'text', maxLength: 100 },
    { name: 'amountFen', label: '金额', type: 'amountFen', required: true, min: 1 },
    { name: 'purpose', label: '用途', type: 'textarea', maxLength: 500 },
  ],
};
