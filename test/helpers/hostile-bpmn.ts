/**
 * The hostile BPMN corpus (reliability.md §4.1, test plan item 17), in one place so the model-level tests
 * (test/engine/core/model/hostile-inputs.test.ts) and the HTTP upload fuzzing (test/server/fuzz) send the same
 * inputs: XXE, billion laughs, oversize, deep nesting, too many elements, invalid UTF-8, malformed XML, non-BPMN
 * roots, unknown elements, duplicate ids and `__proto__`/`constructor` ids.
 */

export const HOSTILE_NS =
  'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn"';
export const HOSTILE_OPEN = `<bpmn:definitions ${HOSTILE_NS} id="defs"><bpmn:process id="p" isExecutable="true">`;
export const HOSTILE_CLOSE = '</bpmn:process></bpmn:definitions>';

/** A small valid process (start → user task → end) the hostile cases are built from. */
export const HOSTILE_VALID =
  `<?xml version="1.0" encoding="UTF-8"?>\n${HOSTILE_OPEN}<bpmn:startEvent id="start" />` +
  '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />' +
  '<bpmn:userTask id="review" fiscal:assignee="=initiator" />' +
  '<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end" />' +
  `<bpmn:endEvent id="end" />${HOSTILE_CLOSE}`;

/** Builders for each hostile input (functions, so the large ones are only built when used). */
export const hostileBpmn = {
  xxe: (): string =>
    `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${HOSTILE_OPEN.replace(
      'id="p"',
      'id="p" name="&xxe;"',
    )}${HOSTILE_CLOSE}`,

  billionLaughs: (): string => {
    const entities = Array.from({ length: 10 }, (_, i) =>
      i === 0 ? '<!ENTITY lol0 "lol">' : `<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`,
    ).join('');
    return `<?xml version="1.0"?><!DOCTYPE lolz [${entities}]>${HOSTILE_OPEN.replace(
      'id="p"',
      'id="p" name="&lol9;"',
    )}${HOSTILE_CLOSE}`;
  },

  /** Any DOCTYPE at all, even an empty internal subset. */
  plainDoctype: (): string =>
    `<?xml version="1.0"?><!DOCTYPE bpmn:definitions>${HOSTILE_VALID.slice(HOSTILE_VALID.indexOf('<bpmn:definitions'))}`,

  duplicateIds: (): string =>
    HOSTILE_VALID.replace(
      '<bpmn:endEvent id="end" />',
      '<bpmn:endEvent id="end" /><bpmn:task id="review" />',
    ),

  /** `__proto__`, `constructor`, `hasOwnProperty`, `prototype` as ids: valid, compiled as plain ids. */
  prototypeIds: (): string =>
    HOSTILE_VALID.replaceAll('"review"', '"__proto__"')
      .replaceAll('"start"', '"constructor"')
      .replace('id="p"', 'id="hasOwnProperty"')
      .replace('id="f1"', 'id="prototype"'),

  /** `__proto__` element and attribute names in extension elements: valid, ignored. */
  prototypeExtensions: (): string =>
    HOSTILE_VALID.replace(
      '<bpmn:userTask id="review" fiscal:assignee="=initiator" />',
      '<bpmn:userTask id="review" x:__proto__="polluted" xmlns:x="urn:x"><bpmn:extensionElements>' +
        '<x:__proto__ polluted="yes"><x:constructor prototype="polluted" /></x:__proto__>' +
        '</bpmn:extensionElements></bpmn:userTask>',
    ),

  /** A file of `megabytes` MB (one huge attribute). */
  oversize: (megabytes = 20): string =>
    `${HOSTILE_OPEN}<bpmn:task id="t" name="${'x'.repeat(megabytes * 1024 * 1024)}" />${HOSTILE_CLOSE}`,

  deepNesting: (depth = 50_000): string =>
    `${HOSTILE_OPEN}${'<bpmn:subProcess>'.repeat(depth)}${'</bpmn:subProcess>'.repeat(depth)}${HOSTILE_CLOSE}`,

  manyElements: (count = 30_000): string =>
    `${HOSTILE_OPEN}${Array.from({ length: count }, (_, i) => `<bpmn:task id="t${i}"/>`).join('')}${HOSTILE_CLOSE}`,

  invalidUtf8: (): Buffer =>
    Buffer.concat([Buffer.from(HOSTILE_OPEN), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(HOSTILE_CLOSE)]),

  latin1: (): Buffer =>
    Buffer.from(`${HOSTILE_OPEN}<bpmn:task id="t" name="café" />${HOSTILE_CLOSE}`, 'latin1'),

  malformed: (): string => `${HOSTILE_OPEN}<bpmn:task id="t">${HOSTILE_CLOSE}`,

  nonBpmnRoot: (): string => '<?xml version="1.0"?><project><modelVersion>4.0.0</modelVersion></project>',

  notXml: (): string => '{"definitions": []}',

  unknownElementAndDeadGateway: (): string =>
    HOSTILE_VALID.replace(
      '<bpmn:endEvent id="end" />',
      '<bpmn:endEvent id="end" /><bpmn:superTask id="weird" />' +
        '<bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="dead" /><bpmn:exclusiveGateway id="dead" />',
    ),
} as const;

export type HostileCaseName = keyof typeof hostileBpmn;

/** Every hostile case with whether an upload of it must be refused (the prototype-id ones are valid models). */
export function hostileCorpus(): { name: HostileCaseName; input: string | Buffer; mustReject: boolean }[] {
  const valid: readonly HostileCaseName[] = ['prototypeIds', 'prototypeExtensions'];
  return (Object.keys(hostileBpmn) as HostileCaseName[]).map((name) => ({
    name,
    input: hostileBpmn[name](),
    mustReject: !valid.includes(name),
  }));
}
