/**
 * The modeler's `translate` service (bpmn-js-examples/i18n pattern): the community zh-CN dictionaries of bpmn-js
 * and the properties panel, plus ours for the gaps (our 审批设置 group, properties-panel strings the community file
 * lacks). In en-US the source strings are shown as they are.
 */
import bpmnJsZh from 'bpmn-js-i18n-zh/lib/bpmn-js';
import propertiesPanelZh from 'bpmn-js-i18n-zh/lib/properties-panel';

/** Our strings: the fiscal groups and entries, and properties-panel strings missing from the community file. */
export const OUR_ZH: Record<string, string> = {
  // fiscal groups
  'Approval settings': '审批设置',
  'Service task settings': '服务任务设置',
  'Process settings': '流程设置',
  'Flow condition': '流转条件',
  // assignment
  Assignee: '指定办理人',
  'User id, or a FEEL expression such as =initiator': '用户标识，或 FEEL 表达式，如 =initiator',
  'Candidate users': '候选用户',
  'Comma-separated user ids, or one FEEL expression': '以逗号分隔的用户标识，或一个 FEEL 表达式',
  'Candidate roles': '候选角色',
  'Org scope': '机构范围',
  'Division type': '处室类型',
  'If the initiator is an approver': '发起人即审批人时',
  'If the approver repeats': '审批人与上一步相同时',
  'If nobody is found': '找不到审批人时',
  // multi-instance
  'Approval preset': '多人审批方式',
  'Approval ratio (%)': '通过比例（%）',
  'Reviewers (collection)': '审批人集合',
  'FEEL list, one reviewer per item': 'FEEL 列表，每项一位审批人',
  'Element variable': '元素变量',
  // due
  'Due in (days)': '办理期限（天）',
  'Days, or an ISO-8601 duration such as PT4H': '天数，或 ISO-8601 时长，如 PT4H',
  'Count working days': '按工作日计算',
  'Remind before (days)': '提前提醒（天）',
  'Allowed operations': '允许的操作',
  'Resubmit after 退回': '退回后重新提交',
  'Comment required': '必须填写意见',
  'Form key': '表单标识',
  'Read-only fields': '只读字段',
  'Hidden fields': '隐藏字段',
  'Editable fields': '可编辑字段',
  'Comma-separated field names': '以逗号分隔的字段名',
  Priority: '优先级',
  // service task
  'Handler (task type)': '处理程序（任务类型）',
  Retries: '重试次数',
  'Retry backoff': '重试间隔',
  'ISO-8601 duration, e.g. PT1M': 'ISO-8601 时长，如 PT1M',
  // process
  'Starter roles': '可发起角色',
  'Version tag': '版本标签',
  'Condition (FEEL)': '条件表达式（FEEL）',
  'e.g. =amountFen >= 5000000': '例如 =amountFen >= 5000000',
  'Must be a whole number': '必须是整数',
  'Must be days or an ISO-8601 duration': '必须是天数或 ISO-8601 时长',
  // properties-panel gaps
  ID: '标识',
  Id: '标识',
  Process: '流程',
  'Process documentation': '流程文档',
  'Version tag ': '版本标签',
  Condition: '条件',
  'Condition expression': '条件表达式',
  'Multi-instance': '多实例',
  'Loop characteristics': '循环特性',
  Inputs: '输入',
  Outputs: '输出',
  'Extension properties': '扩展属性',
  'Execution listeners': '执行监听器',
  Collection: '集合',
  'Data object reference': '数据对象引用',
  Form: '表单',
  Message: '消息',
  'Message name': '消息名称',
  Signal: '信号',
  'Signal name': '信号名称',
  'Error code': '错误编码',
  'Error name': '错误名称',
  'Escalation code': '升级编码',
  'Escalation name': '升级名称',
  'Called element': '被调用元素',
  Implementation: '实现方式',
  Expression: '表达式',
  Script: '脚本',
  Format: '格式',
  'Inline script': '内联脚本',
  'Result variable': '结果变量',
  'Create new ...': '新建…',
  '<none>': '无',
  Delete: '删除',
  Create: '新建',
  'Open minimap': '打开小地图',
  'Close minimap': '关闭小地图',
  'Toggle section': '展开/收起',
  'Section contains data': '此部分已有内容',
  'Section contains an error': '此部分有错误',
};

const ZH: Record<string, string> = { ...bpmnJsZh, ...propertiesPanelZh, ...OUR_ZH };

/** Builds the translate function for a locale: dictionary lookup, then `{placeholder}` substitution. */
export function translator(locale: 'zh-CN' | 'en-US') {
  return (template: string, replacements: Record<string, string> = {}): string => {
    const text = locale === 'zh-CN' ? (ZH[template] ?? template) : template;
    return text.replace(/{([^}]+)}/g, (_, key: string) => replacements[key] ?? `{${key}}`);
  };
}

/** A diagram-js module overriding `translate`. */
export function translateModule(locale: 'zh-CN' | 'en-US') {
  return { translate: ['value', translator(locale)] };
}
