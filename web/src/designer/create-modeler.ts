/**
 * Builds the designer's bpmn-js Modeler: the `fiscal` moddle descriptor the engine uses (the same JSON file, not a
 * copy), the properties panel with our 审批设置 provider, and the zh-CN translation. Only the designer page imports
 * this file, so the modeler lands in the designer's lazy chunk and never in the inbox.
 */
import Modeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/assets/properties-panel.css';
import fiscal from '../../../engine/core/model/fiscal.moddle.json';
import { fiscalPropertiesModule } from './fiscal-properties-provider';
import { translateModule } from './translate';

export function createModeler(canvas: HTMLElement, panel: HTMLElement, locale: 'zh-CN' | 'en-US'): Modeler {
  return new Modeler({
    container: canvas,
    keyboard: { bindTo: document },
    propertiesPanel: { parent: panel },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      fiscalPropertiesModule,
      translateModule(locale),
    ],
    moddleExtensions: { fiscal },
  });
}

/** A new diagram: one process with a start event, in the fiscal namespace. */
export function newDiagramXml(key: string, name: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="Definitions_${key}" targetNamespace="http://fiscal-bpm.org/processes">
  <bpmn:process id="${key}" name="${name}" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" name="发起" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="${key}">
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
        <dc:Bounds x="180" y="160" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>`;
}
