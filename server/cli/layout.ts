/**
 * `fiscal-bpm layout <file.bpmn>…`: gives BPMN files written without a diagram (no BPMNDI) a generated layout,
 * so that they open in the modeler and the instance viewer. Files that already have a diagram are left as they
 * are unless --force. The process semantics (and every fiscal: attribute) are kept; the result is validated.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { layoutProcess } from 'bpmn-auto-layout';
// @ts-expect-error -- bpmn-moddle 10 ships no types for its entry point (see engine/core/model/parse.ts)
import { BpmnModdle } from 'bpmn-moddle';
import { loadModel, formatProblem } from '../../engine/index.js';

export async function runLayout(
  files: readonly string[],
  options: { force?: boolean },
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  let failed = 0;
  for (const file of files) {
    const xml = await readFile(file, 'utf8');
    if (/<(\w+:)?BPMNDiagram\b/.test(xml) && !options.force) {
      out(`Kept (has a diagram): ${file}`);
      continue;
    }
    const laidOut = await layoutProcess(await withFlowReferences(xml));
    const result = await loadModel(laidOut);
    if (!result.ok) {
      failed++;
      for (const p of result.problems) err(formatProblem(file, p));
      continue;
    }
    await writeFile(file, laidOut.endsWith('\n') ? laidOut : `${laidOut}\n`);
    out(`Laid out: ${file}`);
  }
  return failed > 0 ? 1 : 0;
}

interface FlowNode {
  id: string;
  incoming?: FlowNode[];
  outgoing?: FlowNode[];
}
interface ModdleElement {
  $type: string;
  flowElements?: ModdleElement[];
  rootElements?: ModdleElement[];
  sourceRef?: FlowNode;
  targetRef?: FlowNode;
}

/**
 * The layout follows each node's `outgoing` references, which hand-written files often leave out (sourceRef and
 * targetRef on the flows are enough for BPMN): fill them in from the flows, everywhere, before laying out.
 */
async function withFlowReferences(xml: string): Promise<string> {
  const moddle = new BpmnModdle();
  const { rootElement } = (await moddle.fromXML(xml)) as unknown as { rootElement: ModdleElement };
  const visit = (container: ModdleElement) => {
    for (const element of container.flowElements ?? []) {
      if (element.$type === 'bpmn:SequenceFlow' && element.sourceRef && element.targetRef) {
        const flow = element as unknown as FlowNode;
        const source = element.sourceRef;
        const target = element.targetRef;
        if (!(source.outgoing ??= []).includes(flow)) source.outgoing.push(flow);
        if (!(target.incoming ??= []).includes(flow)) target.incoming.push(flow);
      }
      if (element.flowElements) visit(element);
    }
  };
  for (const root of rootElement.rootElements ?? []) visit(root);
  const { xml: out } = await moddle.toXML(rootElement as never, { format: true });
  return out;
}
