// bpmn-auto-layout ships no type declarations.
declare module 'bpmn-auto-layout' {
  /** Returns the BPMN XML with a generated BPMNDI diagram for the (first) process. */
  export function layoutProcess(xml: string): Promise<string>;
}
