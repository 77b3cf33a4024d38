/** Instance data shared by the instance page and the print view: everything one call each, in parallel. */
import { api } from '@/api/client';
import type { DiagramState, FormDefinition, InstanceDetail, TimelineEntry } from '@/api/types';
import { hasRole } from '@/session';
import { inferForm, loadForm } from './form';

const FISCAL_NS = 'http://fiscal-bpm.org/schema/1.0/bpmn';

export interface InstanceBundle {
  detail: InstanceDetail;
  timeline: TimelineEntry[];
  state: DiagramState | null;
  xml: string;
  form: FormDefinition;
  /** Variables the viewer may see: a variable some step hides (`fiscal:hiddenFields`) only for admins. */
  visibleVariables: Record<string, unknown>;
  elementNames: Record<string, string>;
}

export async function loadInstance(id: string): Promise<InstanceBundle> {
  const detail = await api.get<InstanceDetail>(`/process-instance/${id}`);
  const [timeline, state, xmlRes] = await Promise.all([
    api.get<TimelineEntry[]>(`/history/process-instance/${id}/timeline`).catch(() => []),
    api.get<DiagramState>(`/process-instance/${id}/diagram-state`).catch(() => null),
    api
      .get<{ bpmn20Xml: string }>(`/process-definition/${detail.processDefinitionId}/xml`)
      .catch(() => ({ bpmn20Xml: '' })),
  ]);
  const xml = xmlRes.bpmn20Xml;
  const hidden = new Set<string>();
  const elementNames: Record<string, string> = {};
  let formKey: string | null = null;
  if (xml) {
    const doc = new DOMParser().parseFromString(xml, 'application/xml');
    for (const el of Array.from(doc.getElementsByTagNameNS('*', '*'))) {
      const elId = el.getAttribute('id');
      const name = el.getAttribute('name');
      if (elId && name) elementNames[elId] = name;
      if (el.localName !== 'userTask') continue;
      (el.getAttributeNS(FISCAL_NS, 'hiddenFields') ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .forEach((f) => hidden.add(f));
      formKey ??= el.getAttributeNS(FISCAL_NS, 'formKey');
    }
  }
  const admin = hasRole('admin', 'process_admin');
  const visibleVariables = Object.fromEntries(
    Object.entries(detail.variables).filter(([k]) => admin || !hidden.has(k)),
  );
  const form = (await loadForm(formKey)) ?? inferForm(visibleVariables);
  return { detail, timeline, state, xml, form, visibleVariables, elementNames };
}
