/** Small BPMN generators for tests that need many shapes of one pattern (inline XML, no diagram). */

const HEADER =
  '<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" ' +
  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="defs" targetNamespace="http://fiscal-bpm.org/test">';

/** start → fork → N user tasks b1…bN → join → end. */
export function parallelBranches(key: string, branches: number): string {
  const parts: string[] = [
    `<bpmn:process id="${key}" isExecutable="true">`,
    '<bpmn:startEvent id="start" />',
  ];
  parts.push(
    '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="fork" />',
    '<bpmn:parallelGateway id="fork" />',
  );
  for (let i = 1; i <= branches; i++) {
    parts.push(
      `<bpmn:sequenceFlow id="in${i}" sourceRef="fork" targetRef="b${i}" />`,
      `<bpmn:userTask id="b${i}" />`,
      `<bpmn:sequenceFlow id="out${i}" sourceRef="b${i}" targetRef="join" />`,
    );
  }
  parts.push(
    '<bpmn:parallelGateway id="join" />',
    '<bpmn:sequenceFlow id="f9" sourceRef="join" targetRef="end" />',
  );
  parts.push('<bpmn:endEvent id="end" />', '</bpmn:process>');
  return `${HEADER}${parts.join('\n')}</bpmn:definitions>`;
}

/** start → service tasks s1…sN (one task type) → end. */
export function serviceChain(key: string, steps: number, taskType: string): string {
  const parts: string[] = [
    `<bpmn:process id="${key}" isExecutable="true">`,
    '<bpmn:startEvent id="start" />',
  ];
  let previous = 'start';
  for (let i = 1; i <= steps; i++) {
    parts.push(
      `<bpmn:sequenceFlow id="f${i}" sourceRef="${previous}" targetRef="s${i}" />`,
      `<bpmn:serviceTask id="s${i}" fiscal:taskType="${taskType}" fiscal:retries="5" fiscal:retryBackoff="PT1S" />`,
    );
    previous = `s${i}`;
  }
  parts.push(
    `<bpmn:sequenceFlow id="fEnd" sourceRef="${previous}" targetRef="end" />`,
    '<bpmn:endEvent id="end" />',
    '</bpmn:process>',
  );
  return `${HEADER}${parts.join('\n')}</bpmn:definitions>`;
}

/** start → one user task → end, with an optional name to make the XML differ. */
export function singleTask(key: string, taskName = '审核'): string {
  return `${HEADER}<bpmn:process id="${key}" isExecutable="true"><bpmn:startEvent id="start" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" /><bpmn:userTask id="task" name="${taskName}" />
<bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end" /><bpmn:endEvent id="end" /></bpmn:process></bpmn:definitions>`;
}

/** Runs `fn` over `items` with at most `limit` at once; resolves with the settled results in order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        try {
          results[i] = { status: 'fulfilled', value: await fn(items[i]!) };
        } catch (reason) {
          results[i] = { status: 'rejected', reason };
        }
      }
    }),
  );
  return results;
}
