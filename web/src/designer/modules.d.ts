/** Types for the modeler's untyped packages (plain JavaScript, used only through the calls made here). */
declare module 'bpmn-js-properties-panel' {
  export const BpmnPropertiesPanelModule: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  export const BpmnPropertiesProviderModule: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  export function useService<T = any>(name: string): T; // eslint-disable-line @typescript-eslint/no-explicit-any
}
declare module '@bpmn-io/properties-panel' {
  /* eslint-disable @typescript-eslint/no-explicit-any */
  export const TextFieldEntry: any;
  export const SelectEntry: any;
  export const CheckboxEntry: any;
  export const TextAreaEntry: any;
  export function isTextFieldEntryEdited(node: unknown): boolean;
  export function isSelectEntryEdited(node: unknown): boolean;
  export function isCheckboxEntryEdited(node: unknown): boolean;
  export function isTextAreaEntryEdited(node: unknown): boolean;
}
declare module '@bpmn-io/properties-panel/preact' {
  export function h(type: unknown, props: unknown, ...children: unknown[]): unknown;
}
declare module 'bpmn-js-i18n-zh/lib/bpmn-js' {
  const dictionary: Record<string, string>;
  export default dictionary;
}
declare module 'bpmn-js-i18n-zh/lib/properties-panel' {
  const dictionary: Record<string, string>;
  export default dictionary;
}
