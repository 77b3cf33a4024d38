/**
 * The "审批设置" properties group: every `fiscal:` attribute of the moddle descriptor the engine reads
 * (engine/core/model/fiscal.moddle.json), edited in the bpmn-js properties panel. Pattern from
 * bpmn-js-examples/properties-panel-extension: a provider registered with the panel adds groups whose entries
 * are Preact components (written with htm bound to the panel's own Preact, so no second copy is bundled).
 *
 * - user tasks: assignment (assignee, candidate users/roles, org scope, division type, routing policies),
 *   multi-instance approval preset and ratio (on a multi-instance user task), due time in (working) days and
 *   reminder, allowed operations, resubmit strategy after 退回, comment required, form key, field permissions;
 * - service tasks: handler (`fiscal:taskType`), retries, retry backoff;
 * - the process: starter roles and version tag;
 * - sequence flows out of a gateway or activity: the FEEL condition (the stock panel has no condition entry).
 *
 * Values the engine accepts are the options offered here; the server's rules still check everything.
 */
import htm from 'htm';
import { h } from '@bpmn-io/properties-panel/preact';
import {
  CheckboxEntry,
  SelectEntry,
  TextFieldEntry,
  isCheckboxEntryEdited,
  isSelectEntryEdited,
  isTextFieldEntryEdited,
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

/* eslint-disable @typescript-eslint/no-explicit-any -- bpmn-js elements and moddle objects are untyped */
type El = any;

const html = htm.bind(h as any) as (strings: TemplateStringsArray, ...values: unknown[]) => unknown;

/** Role codes (processes/org/roles.ts) with their labels, for the candidate and starter role checkboxes. */
export const ROLE_OPTIONS: readonly [string, string][] = [
  ['clerk', '经办人'],
  ['reviewer', '审核人'],
  ['chief', '处长/科长/股长'],
  ['deputy_director', '分管领导'],
  ['director', '局长/厅长'],
  ['process_admin', '流程管理员'],
];

export const ORG_SCOPE_OPTIONS: readonly [string, string][] = [
  ['', '（不限）'],
  ['initiatorUnit', '发起单位'],
  ['initiatorDepartment', '发起单位的主管部门'],
  ['financeBureau', '本级财政部门'],
  ['financeParent', '上级财政部门'],
  ['province', '省财政厅'],
  ['supervisor:1', '发起人的直接上级'],
  ['supervisor:2', '发起人的第二级上级'],
];

export const DIVISION_OPTIONS: readonly [string, string][] = [
  ['', '（不限）'],
  ['budget', '预算'],
  ['treasury', '国库'],
  ['payment_center', '国库支付中心'],
  ['business', '业务处室'],
  ['performance', '绩效管理'],
  ['non_tax', '非税收入管理'],
  ['asset', '资产管理'],
  ['review_center', '预算评审中心'],
  ['supervision', '监督检查'],
];

export const PRESET_OPTIONS: readonly [string, string][] = [
  ['', '（自定义完成条件）'],
  ['all', '会签（全部通过）'],
  ['any', '或签（一人通过）'],
  ['sequential', '依次审批'],
  ['ratio', '比例通过'],
];

/** fiscal:allowedOperations values (engine APPROVAL_OPERATIONS) and their labels. */
export const OPERATION_OPTIONS: readonly [string, string][] = [
  ['approve', '通过'],
  ['reject', '拒绝'],
  ['return', '退回'],
  ['withdraw', '撤回'],
  ['transfer', '转办'],
  ['delegate', '委派'],
  ['addSigners', '加签'],
  ['removeSigners', '减签'],
  ['cc', '抄送'],
  ['urge', '催办'],
];

const RESUBMIT_OPTIONS: readonly [string, string][] = [
  ['', '（默认：重新流转）'],
  ['restart', '从退回节点重新流转'],
  ['direct', '直接回到退回人'],
];
const INITIATOR_OPTIONS: readonly [string, string][] = [
  ['', '（默认）'],
  ['approve', '照常审批'],
  ['skip', '自动跳过'],
  ['supervisor', '转交其上级'],
];
const SAME_APPROVER_OPTIONS: readonly [string, string][] = [
  ['', '（默认）'],
  ['each', '每次都审批'],
  ['once', '只审批一次'],
];
const NO_APPROVER_OPTIONS: readonly [string, string][] = [
  ['', '（默认：产生异常）'],
  ['incident', '产生异常'],
  ['autoPass', '自动通过'],
  ['admin', '转流程管理员'],
];

// entry components //////

interface AttrProps {
  element: El;
  id: string;
  /** The moddle object holding the attribute (default: the element's business object). */
  target?: El;
  attr: string;
  label: string;
  description?: string;
}

const targetOf = (p: AttrProps) => p.target ?? getBusinessObject(p.element);

function useSetter(p: AttrProps) {
  const modeling = useService('modeling');
  return (value: unknown) =>
    modeling.updateModdleProperties(p.element, targetOf(p), {
      [`fiscal:${p.attr}`]: value === '' || value === null ? undefined : value,
    });
}

function TextAttr(p: AttrProps & { validate?: (v: string) => string | null }) {
  const translate = useService('translate');
  const debounce = useService('debounceInput');
  const set = useSetter(p);
  return html`<${TextFieldEntry}
    id=${p.id}
    element=${p.element}
    label=${translate(p.label)}
    description=${p.description ? translate(p.description) : undefined}
    getValue=${() => targetOf(p).get(`fiscal:${p.attr}`) ?? ''}
    setValue=${(v: string) => set(v?.trim() ?? '')}
    validate=${p.validate}
    debounce=${debounce}
  />`;
}

function IntegerAttr(p: AttrProps & { min: number; max: number }) {
  const translate = useService('translate');
  const debounce = useService('debounceInput');
  const set = useSetter(p);
  return html`<${TextFieldEntry}
    id=${p.id}
    element=${p.element}
    label=${translate(p.label)}
    getValue=${() => String(targetOf(p).get(`fiscal:${p.attr}`) ?? '')}
    setValue=${(v: string) => set(/^\d+$/.test(v?.trim() ?? '') ? Number(v.trim()) : '')}
    validate=${(v: string) =>
      !v || (/^\d+$/.test(v.trim()) && Number(v) >= p.min && Number(v) <= p.max)
        ? null
        : `${translate('Must be a whole number')} (${p.min}–${p.max})`}
    debounce=${debounce}
  />`;
}

/** A duration stored as ISO-8601 (`P3D`), edited as whole days when it is one. */
function DaysAttr(p: AttrProps) {
  const translate = useService('translate');
  const debounce = useService('debounceInput');
  const set = useSetter(p);
  return html`<${TextFieldEntry}
    id=${p.id}
    element=${p.element}
    label=${translate(p.label)}
    description=${translate('Days, or an ISO-8601 duration such as PT4H')}
    getValue=${() => {
      const v = targetOf(p).get(`fiscal:${p.attr}`) ?? '';
      const days = /^P(\d+)D$/.exec(v);
      return days ? days[1] : v;
    }}
    setValue=${(v: string) => {
      const text = v?.trim() ?? '';
      set(/^\d+$/.test(text) ? `P${Number(text)}D` : text);
    }}
    validate=${(v: string) =>
      !v ||
      /^\d+$/.test(v.trim()) ||
      /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/.test(v.trim())
        ? null
        : translate('Must be days or an ISO-8601 duration')}
    debounce=${debounce}
  />`;
}

function SelectAttr(p: AttrProps & { options: readonly [string, string][] }) {
  const translate = useService('translate');
  const set = useSetter(p);
  const getOptions = () => {
    const current = targetOf(p).get(`fiscal:${p.attr}`) ?? '';
    const options = p.options.map(([value, label]) => ({ value, label }));
    if (current && !p.options.some(([v]) => v === current)) options.push({ value: current, label: current });
    return options;
  };
  return html`<${SelectEntry}
    id=${p.id}
    element=${p.element}
    label=${translate(p.label)}
    getValue=${() => String(targetOf(p).get(`fiscal:${p.attr}`) ?? '')}
    setValue=${(v: string) => set(v)}
    getOptions=${getOptions}
  />`;
}

function BooleanAttr(p: AttrProps) {
  const translate = useService('translate');
  const set = useSetter(p);
  return html`<${CheckboxEntry}
    id=${p.id}
    element=${p.element}
    label=${translate(p.label)}
    getValue=${() => targetOf(p).get(`fiscal:${p.attr}`) === true}
    setValue=${(v: boolean) => set(v ? true : undefined)}
  />`;
}

/** One checkbox of a comma-separated list attribute; `allWhenAbsent`: no attribute means every value is on. */
function ListItemAttr(p: AttrProps & { value: string; all: readonly string[]; allWhenAbsent?: boolean }) {
  const set = useSetter(p);
  const current = (): string[] => {
    const raw = targetOf(p).get(`fiscal:${p.attr}`);
    if (raw === undefined || raw === null || raw === '') return p.allWhenAbsent ? [...p.all] : [];
    return String(raw)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  };
  return html`<${CheckboxEntry}
    id=${p.id}
    element=${p.element}
    label=${p.label}
    getValue=${() => current().includes(p.value)}
    setValue=${(on: boolean) => {
      const next = new Set(current());
      if (on) next.add(p.value);
      else next.delete(p.value);
      const ordered = p.all.filter((v) => next.has(v));
      const extra = [...next].filter((v) => !p.all.includes(v));
      const list = [...ordered, ...extra];
      set(p.allWhenAbsent && ordered.length === p.all.length && extra.length === 0 ? '' : list.join(','));
    }}
  />`;
}

function ConditionEntry(p: { element: El; id: string }) {
  const translate = useService('translate');
  const debounce = useService('debounceInput');
  const modeling = useService('modeling');
  const moddle = useService('moddle');
  const bo = getBusinessObject(p.element);
  return html`<${TextFieldEntry}
    id=${p.id}
    element=${p.element}
    label=${translate('Condition (FEEL)')}
    description=${translate('e.g. =amountFen >= 5000000')}
    getValue=${() => bo.conditionExpression?.body ?? ''}
    setValue=${(v: string) => {
      const text = v?.trim() ?? '';
      modeling.updateProperties(p.element, {
        conditionExpression: text ? moddle.create('bpmn:FormalExpression', { body: text }) : undefined,
      });
    }}
    debounce=${debounce}
  />`;
}

// groups //////

type Entry = { id: string; component: unknown; isEdited?: unknown; [k: string]: unknown };

function entry(
  element: El,
  component: unknown,
  isEdited: unknown,
  props: Omit<AttrProps, 'element' | 'id'> & Record<string, unknown>,
  idSuffix?: string,
): Entry {
  // the group renders `component` with the entry's own fields as props: keep `component` a stable function
  return {
    ...props,
    id: `fiscal-${props.attr}${idSuffix ? `-${idSuffix}` : ''}`,
    element,
    component,
    isEdited,
  };
}

function Heading(p: { text: string }) {
  const translate = useService('translate');
  return html`<div class="bio-properties-panel-entry fbpm-panel-heading">${translate(p.text)}</div>`;
}

function heading(id: string, text: string): Entry {
  return { id, component: Heading, text };
}

function userTaskEntries(element: El): Entry[] {
  const bo = getBusinessObject(element);
  const roles = ROLE_OPTIONS.map(([value, label]) =>
    entry(
      element,
      ListItemAttr,
      isCheckboxEntryEdited,
      {
        attr: 'candidateRoles',
        label: `${label}（${value}）`,
        value,
        all: ROLE_OPTIONS.map(([v]) => v),
      },
      value,
    ),
  );
  const entries: Entry[] = [
    entry(element, TextAttr, isTextFieldEntryEdited, {
      attr: 'assignee',
      label: 'Assignee',
      description: 'User id, or a FEEL expression such as =initiator',
    }),
    entry(element, TextAttr, isTextFieldEntryEdited, {
      attr: 'candidateUsers',
      label: 'Candidate users',
      description: 'Comma-separated user ids, or one FEEL expression',
    }),
    heading('fiscal-candidateRoles-heading', 'Candidate roles'),
    ...roles,
    entry(element, SelectAttr, isSelectEntryEdited, {
      attr: 'orgScope',
      label: 'Org scope',
      options: ORG_SCOPE_OPTIONS,
    }),
    entry(element, SelectAttr, isSelectEntryEdited, {
      attr: 'divisionType',
      label: 'Division type',
      options: DIVISION_OPTIONS,
    }),
    entry(element, SelectAttr, isSelectEntryEdited, {
      attr: 'ifInitiatorIsApprover',
      label: 'If the initiator is an approver',
      options: INITIATOR_OPTIONS,
    }),
    entry(element, SelectAttr, isSelectEntryEdited, {
      attr: 'ifSameApprover',
      label: 'If the approver repeats',
      options: SAME_APPROVER_OPTIONS,
    }),
    entry(element, SelectAttr, isSelectEntryEdited, {
      attr: 'ifNoApprover',
      label: 'If nobody is found',
      options: NO_APPROVER_OPTIONS,
    }),
  ];
  const loop = bo.loopCharacteristics;
  if (loop && is(loop, 'bpmn:MultiInstanceLoopCharacteristics')) {
    entries.push(
      entry(element, SelectAttr, isSelectEntryEdited, {
        attr: 'approvalPreset',
        label: 'Approval preset',
        options: PRESET_OPTIONS,
        target: loop,
      }),
      entry(element, TextAttr, isTextFieldEntryEdited, {
        attr: 'collection',
        label: 'Reviewers (collection)',
        description: 'FEEL list, one reviewer per item',
        target: loop,
      }),
      entry(element, TextAttr, isTextFieldEntryEdited, {
        attr: 'elementVariable',
        label: 'Element variable',
        target: loop,
      }),
    );
    if (loop.get('fiscal:approvalPreset') === 'ratio')
      entries.push(
        entry(element, IntegerAttr, isTextFieldEntryEdited, {
          attr: 'approvalRatio',
          label: 'Approval ratio (%)',
          target: loop,
          min: 1,
          max: 100,
        }),
      );
  }
  entries.push(
    entry(element, DaysAttr, isTextFieldEntryEdited, { attr: 'dueIn', label: 'Due in (days)' }),
    entry(element, BooleanAttr, isCheckboxEntryEdited, {
      attr: 'dueInWorkingDays',
      label: 'Count working days',
    }),
    entry(element, DaysAttr, isTextFieldEntryEdited, {
      attr: 'remindBefore',
      label: 'Remind before (days)',
    }),
    heading('fiscal-allowedOperations-heading', 'Allowed operations'),
    ...OPERATION_OPTIONS.map(([value, label]) =>
      entry(
        element,
        ListItemAttr,
        isCheckboxEntryEdited,
        {
          attr: 'allowedOperations',
          label,
          value,
          all: OPERATION_OPTIONS.map(([v]) => v),
          allWhenAbsent: true,
        },
        value,
      ),
    ),
    entry(element, SelectAttr, isSelectEntryEdited, {
      attr: 'resubmitStrategy',
      label: 'Resubmit after 退回',
      options: RESUBMIT_OPTIONS,
    }),
    entry(element, BooleanAttr, isCheckboxEntryEdited, {
      attr: 'commentRequired',
      label: 'Comment required',
    }),
    entry(element, TextAttr, isTextFieldEntryEdited, { attr: 'formKey', label: 'Form key' }),
    entry(element, TextAttr, isTextFieldEntryEdited, {
      attr: 'readOnlyFields',
      label: 'Read-only fields',
      description: 'Comma-separated field names',
    }),
    entry(element, TextAttr, isTextFieldEntryEdited, {
      attr: 'hiddenFields',
      label: 'Hidden fields',
      description: 'Comma-separated field names',
    }),
    entry(element, TextAttr, isTextFieldEntryEdited, {
      attr: 'editableFields',
      label: 'Editable fields',
      description: 'Comma-separated field names',
    }),
    entry(element, IntegerAttr, isTextFieldEntryEdited, {
      attr: 'priority',
      label: 'Priority',
      min: 0,
      max: 100,
    }),
  );
  return entries;
}

function serviceTaskEntries(element: El): Entry[] {
  return [
    entry(element, TextAttr, isTextFieldEntryEdited, { attr: 'taskType', label: 'Handler (task type)' }),
    entry(element, IntegerAttr, isTextFieldEntryEdited, {
      attr: 'retries',
      label: 'Retries',
      min: 0,
      max: 100,
    }),
    entry(element, TextAttr, isTextFieldEntryEdited, {
      attr: 'retryBackoff',
      label: 'Retry backoff',
      description: 'ISO-8601 duration, e.g. PT1M',
    }),
  ];
}

function processEntries(element: El, processBo: El): Entry[] {
  return [
    heading('fiscal-starterRoles-heading', 'Starter roles'),
    ...ROLE_OPTIONS.map(([value, label]) =>
      entry(
        element,
        ListItemAttr,
        isCheckboxEntryEdited,
        {
          attr: 'starterRoles',
          label: `${label}（${value}）`,
          value,
          all: ROLE_OPTIONS.map(([v]) => v),
          target: processBo,
        },
        value,
      ),
    ),
    entry(element, TextAttr, isTextFieldEntryEdited, {
      attr: 'versionTag',
      label: 'Version tag',
      target: processBo,
    }),
  ];
}

/** True for a flow that needs a condition: out of an exclusive/inclusive gateway or an activity, not the default. */
function isConditionalFlow(element: El): boolean {
  if (!is(element, 'bpmn:SequenceFlow')) return false;
  const source = getBusinessObject(element).sourceRef;
  return (
    !!source &&
    (is(source, 'bpmn:ExclusiveGateway') ||
      is(source, 'bpmn:InclusiveGateway') ||
      is(source, 'bpmn:Activity'))
  );
}

export default function FiscalPropertiesProvider(this: unknown, propertiesPanel: El, translate: El) {
  (this as { getGroups: unknown }).getGroups = (element: El) => (groups: El[]) => {
    const add = (id: string, label: string, entries: Entry[]) =>
      groups.splice(Math.min(1, groups.length), 0, {
        id,
        label: translate(label),
        entries,
        shouldOpen: true,
      });
    if (is(element, 'bpmn:UserTask')) add('fiscal-approval', 'Approval settings', userTaskEntries(element));
    else if (is(element, 'bpmn:ServiceTask'))
      add('fiscal-service', 'Service task settings', serviceTaskEntries(element));
    else if (is(element, 'bpmn:Process'))
      add('fiscal-process', 'Process settings', processEntries(element, getBusinessObject(element)));
    else if (is(element, 'bpmn:Participant') && getBusinessObject(element).processRef)
      add(
        'fiscal-process',
        'Process settings',
        processEntries(element, getBusinessObject(element).processRef),
      );
    else if (isConditionalFlow(element))
      add('fiscal-condition', 'Flow condition', [
        { id: 'fiscal-condition', element, isEdited: isTextFieldEntryEdited, component: ConditionEntry },
      ]);
    return groups;
  };
  propertiesPanel.registerProvider(500, this);
}
FiscalPropertiesProvider.$inject = ['propertiesPanel', 'translate'];

/** The diagram-js module registering the provider. */
export const fiscalPropertiesModule = {
  __init__: ['fiscalPropertiesProvider'],
  fiscalPropertiesProvider: ['type', FiscalPropertiesProvider],
};
