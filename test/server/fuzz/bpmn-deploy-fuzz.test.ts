/**
 * BPMN upload fuzzing through HTTP (reliability.md §4.1, test plan item 17). Three sources of models:
 *  - generated "valid-ish" models: random graphs of start/end events, user and service tasks, exclusive and
 *    parallel gateways, timer catch events and sequence flows with FEEL conditions, with or without diagram
 *    interchange (sometimes broken on purpose: flows without conditions, missing defaults, bad timers);
 *  - mutations of the real models (processes/**\/*.bpmn and the MIWG reference suite): element deletions,
 *    attribute corruption, duplicate ids, `__proto__`/`constructor` ids, truncation, invalid UTF-8, huge
 *    attributes, deep nesting, flipped characters;
 *  - the hostile corpus shared with the model-level tests (test/helpers/hostile-bpmn.ts).
 * Each model goes to `POST /api/deployment/create` (as a designer) and `POST /api/deployment/validate`.
 * Asserted: only 2xx/4xx, every 4xx in the error shape (code + message, each 422 problem with its element id),
 * never a 5xx, no crash (no uncaught exception or unhandled rejection), validate agrees with deploy, starting an
 * instance of a deployed model never answers 5xx, all hostile inputs refused, nothing leaks onto
 * Object.prototype, heap growth bounded. Deploy p99 and memory figures are printed.
 *
 * Seeded: FUZZ_SEED (default below) is printed in every failure; FUZZ_RUNS scales the number of models
 * (default sized for ≤ 40 s on the 2-core machine).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import type { Response } from 'supertest';
import { checkInvariants } from '../../../server/check/index.js';
import { hostileCorpus } from '../../helpers/hostile-bpmn.js';
import { createTestServer, type TestServer, type UserAgent } from '../../helpers/server-harness.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261128);
/** Replays one counterexample: FUZZ_SEED plus the `path` fast-check printed (with --grep for its test). */
const REPLAY = process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {};
/** Models per source (generated, mutated) on SQLite; MariaDB gets a quarter. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 30);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MIWG_DIR = process.env.MIWG_DIR ?? '/work/shared/conformance/miwg';
/** Generous bounds (the plan asks RSS growth < 200 MB over 100 000 models). */
const MAX_HEAP_GROWTH_MB = 200;
const MAX_DEPLOY_P99_MS = 2000;

// measurement //////

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

function memoryMb(): { heapMb: number; rssMb: number } {
  collectGarbage();
  collectGarbage();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapMb: heapUsed / 2 ** 20, rssMb: rss / 2 ** 20 };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

// the real models //////

function bpmnFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return bpmnFiles(path);
    return name.endsWith('.bpmn') ? [path] : [];
  });
}

function realModels(): { name: string; xml: string }[] {
  const files = [...bpmnFiles(join(ROOT, 'processes'))];
  try {
    files.push(...bpmnFiles(MIWG_DIR));
  } catch {
    // the MIWG suite lives in shared/; without it the project's own models are still mutated
  }
  return files.map((path) => ({ name: path.replace(ROOT, ''), xml: readFileSync(path, 'utf8') }));
}

// generated models //////

type NodeKind = 'userTask' | 'serviceTask' | 'exclusiveGateway' | 'parallelGateway' | 'timer' | 'end';

const CONDITIONS = [
  'amountFen > 100000',
  'amountFen <= 5000',
  '= amountFen >= 0',
  'kind = "a"',
  'kind != "b" and amountFen < 10',
  'true',
  'false',
  'null',
  'amountFen',
  'missing > 1',
  '"x" + 1 > 0',
  'count(for x in 1..10 return x) > 3',
  'some x in [1, 2, 3] satisfies x > amountFen',
  'every x in [] satisfies false',
  'constructor',
  '__proto__ = null',
  'process.env',
  'date("2026-01-01") < today()',
  'amountFen in [1..100]',
  '(',
  '',
];

const TIMERS = [
  'PT1H',
  'P1D',
  'PT0S',
  'PT1H',
  'P1D',
  '= duration("PT5M")',
  'R3/PT1H',
  'soon',
  '2026-13-45',
  '=',
];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const generatedModel = fc.record({
  inner: fc.array(
    fc.constantFrom<NodeKind>(
      'userTask',
      'userTask',
      'serviceTask',
      'exclusiveGateway',
      'exclusiveGateway',
      'parallelGateway',
      'timer',
      'end',
    ),
    { minLength: 0, maxLength: 10 },
  ),
  extraFlows: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 6 }),
  conditions: fc.array(fc.oneof(fc.constantFrom(...CONDITIONS), fc.string({ maxLength: 20 })), {
    minLength: 1,
    maxLength: 8,
  }),
  timers: fc.array(fc.constantFrom(...TIMERS), { minLength: 1, maxLength: 3 }),
  withDefaults: fc.boolean(),
  dropConditionAt: fc.option(fc.nat(), { freq: 4 }),
  diagram: fc.constantFrom('none', 'complete', 'complete', 'dangling'),
  assignee: fc.constantFrom('=initiator', 'henan.admin', '=missingVariable', '= "x" + 1', ''),
  names: fc.boolean(),
  /** Long process keys and names, 4-byte characters: what the database columns must take or refuse cleanly. */
  keyPadding: fc.constantFrom(0, 0, 0, 0, 0, 40, 250, 1000),
  processName: fc.constantFrom(
    '',
    '',
    '',
    '',
    ' name="预算 😀 &amp; &lt;x&gt;"',
    ` name="${'x'.repeat(300)}"`,
    ` name="${'长'.repeat(3000)}"`,
  ),
});

/** Builds the XML of a generated model under process key `key`. */
function buildModel(key: string, spec: GeneratedSpec): string {
  const kinds: NodeKind[] = [...spec.inner];
  const ids = ['start', ...kinds.map((k, i) => `${k}_${i}`), 'end'];
  const kindOf = (i: number): NodeKind | 'start' =>
    i === 0 ? 'start' : i === ids.length - 1 ? 'end' : kinds[i - 1]!;
  const flows: { id: string; from: number; to: number }[] = [];
  // the backbone: each node is reached from the last node before it that is not an end event
  for (let i = 1, previous = 0; i < ids.length; i++) {
    flows.push({ id: `f${flows.length}`, from: previous, to: i });
    if (kindOf(i) !== 'end') previous = i;
  }
  for (const [a, b] of spec.extraFlows) {
    const from = a % ids.length;
    const to = 1 + (b % (ids.length - 1));
    if (kindOf(from) === 'end' || from === to) continue;
    flows.push({ id: `f${flows.length}`, from, to });
  }

  let conditionIndex = 0;
  let timerIndex = 0;
  const nodeXml: string[] = [];
  const flowXml: string[] = [];
  const defaults = new Map<number, string>();
  for (let i = 0; i < ids.length; i++) {
    const outs = flows.filter((f) => f.from === i);
    if (kindOf(i) === 'exclusiveGateway' && outs.length > 1 && spec.withDefaults)
      defaults.set(i, outs[0]!.id);
  }
  for (const flow of flows) {
    const outs = flows.filter((f) => f.from === flow.from);
    const diverging = kindOf(flow.from) === 'exclusiveGateway' && outs.length > 1;
    const isDefault = defaults.get(flow.from) === flow.id;
    const dropped =
      spec.dropConditionAt !== null && spec.dropConditionAt % flows.length === flows.indexOf(flow);
    const condition =
      diverging && !isDefault && !dropped
        ? spec.conditions[conditionIndex++ % spec.conditions.length]!
        : undefined;
    const open = `<bpmn:sequenceFlow id="${flow.id}" sourceRef="${ids[flow.from]}" targetRef="${ids[flow.to]}"`;
    flowXml.push(
      condition === undefined
        ? `${open} />`
        : `${open}><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${escapeXml(condition)}</bpmn:conditionExpression></bpmn:sequenceFlow>`,
    );
  }
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    const name = spec.names ? ` name="${escapeXml(`节点 ${i} & <${id}>`)}"` : '';
    const def = defaults.has(i) ? ` default="${defaults.get(i)}"` : '';
    switch (kindOf(i)) {
      case 'start':
        nodeXml.push(`<bpmn:startEvent id="${id}"${name} />`);
        break;
      case 'end':
        nodeXml.push(`<bpmn:endEvent id="${id}"${name} />`);
        break;
      case 'userTask':
        nodeXml.push(
          `<bpmn:userTask id="${id}"${name}${spec.assignee ? ` fiscal:assignee="${escapeXml(spec.assignee)}"` : ''} />`,
        );
        break;
      case 'serviceTask':
        nodeXml.push(`<bpmn:serviceTask id="${id}"${name} fiscal:taskType="fuzz.noop" fiscal:retries="1" />`);
        break;
      case 'exclusiveGateway':
        nodeXml.push(`<bpmn:exclusiveGateway id="${id}"${name}${def} />`);
        break;
      case 'parallelGateway':
        nodeXml.push(`<bpmn:parallelGateway id="${id}"${name} />`);
        break;
      case 'timer':
        nodeXml.push(
          `<bpmn:intermediateCatchEvent id="${id}"${name}><bpmn:timerEventDefinition id="${id}_def">` +
            `<bpmn:timeDuration>${escapeXml(spec.timers[timerIndex++ % spec.timers.length]!)}</bpmn:timeDuration>` +
            '</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>',
        );
        break;
    }
  }
  const diagram =
    spec.diagram === 'none'
      ? ''
      : `<bpmndi:BPMNDiagram id="diagram"><bpmndi:BPMNPlane id="plane" bpmnElement="${key}">${ids
          .map(
            (id, i) =>
              `<bpmndi:BPMNShape id="${id}_di" bpmnElement="${spec.diagram === 'dangling' && i === 1 ? 'nowhere' : id}">` +
              `<dc:Bounds x="${i * 120}" y="80" width="100" height="80" /></bpmndi:BPMNShape>`,
          )
          .join('')}${flows
          .map(
            (f) =>
              `<bpmndi:BPMNEdge id="${f.id}_di" bpmnElement="${f.id}"><di:waypoint x="${f.from * 120 + 100}" y="120" />` +
              `<di:waypoint x="${f.to * 120}" y="120" /></bpmndi:BPMNEdge>`,
          )
          .join('')}</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" ' +
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" ' +
    'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
    'xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="defs" targetNamespace="http://fiscal-bpm.org/fuzz">' +
    `<bpmn:process id="${key}"${spec.processName} isExecutable="true">${nodeXml.join('')}${flowXml.join('')}</bpmn:process>${diagram}` +
    '</bpmn:definitions>'
  );
}

type GeneratedSpec = typeof generatedModel extends fc.Arbitrary<infer T> ? T : never;

// mutations of real models //////

const PROTO_IDS = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf'];
const JUNK_VALUES = [
  '',
  ' ',
  '__proto__',
  '=',
  '=(',
  '= 1 +',
  '-1',
  '1e999',
  'NaN',
  '&amp;&lt;',
  '&#0;',
  '\u0000',
  '中文',
];

const mutation = fc.oneof(
  fc.record({ op: fc.constant('deleteElement' as const), at: fc.nat() }),
  fc.record({
    op: fc.constant('corruptAttribute' as const),
    at: fc.nat(),
    value: fc.oneof(fc.constantFrom(...JUNK_VALUES), fc.string({ maxLength: 30 })),
  }),
  fc.record({ op: fc.constant('duplicateId' as const), at: fc.nat(), from: fc.nat() }),
  fc.record({ op: fc.constant('protoId' as const), at: fc.nat(), id: fc.constantFrom(...PROTO_IDS) }),
  fc.record({ op: fc.constant('truncate' as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({
    op: fc.constant('invalidUtf8' as const),
    fraction: fc.double({ min: 0, max: 1, noNaN: true }),
    bytes: fc.array(fc.constantFrom(0x80, 0xbf, 0xc0, 0xc3, 0xe4, 0xf8, 0xfe, 0xff, 0xed), {
      minLength: 1,
      maxLength: 4,
    }),
  }),
  fc.record({
    op: fc.constant('hugeAttribute' as const),
    at: fc.nat(),
    size: fc.constantFrom(10_000, 300_000, 1_000_000, 2_200_000),
  }),
  fc.record({ op: fc.constant('deepNesting' as const), depth: fc.constantFrom(3, 150, 199, 201, 5000) }),
  fc.record({
    op: fc.constant('flipChar' as const),
    fraction: fc.double({ min: 0, max: 1, noNaN: true }),
    char: fc.constantFrom('<', '>', '"', '&', '/', '=', ' ', 'x'),
  }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function nth<T>(items: readonly T[], at: number): T | undefined {
  return items.length === 0 ? undefined : items[at % items.length];
}

/** Applies one mutation; the result stays a string until invalid bytes are inserted. */
function mutate(input: string | Buffer, m: Mutation): string | Buffer {
  if (m.op === 'invalidUtf8') {
    const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input, 'utf8');
    const at = Math.floor(m.fraction * bytes.length);
    return Buffer.concat([bytes.subarray(0, at), Buffer.from(m.bytes), bytes.subarray(at)]);
  }
  const xml = Buffer.isBuffer(input) ? input.toString('latin1') : input;
  switch (m.op) {
    case 'deleteElement': {
      const tags = [...xml.matchAll(/<[A-Za-z][\w:.-]*\b[^<>]*\/>/g)];
      const tag = nth(tags, m.at);
      return tag ? xml.slice(0, tag.index) + xml.slice(tag.index! + tag[0].length) : xml;
    }
    case 'corruptAttribute': {
      const attributes = [...xml.matchAll(/ ([\w:.-]+)="([^"]*)"/g)];
      const attribute = nth(attributes, m.at);
      if (!attribute) return xml;
      const replaced = ` ${attribute[1]}="${escapeXml(m.value)}"`;
      return xml.slice(0, attribute.index) + replaced + xml.slice(attribute.index! + attribute[0].length);
    }
    case 'duplicateId': {
      const ids = [...xml.matchAll(/ id="([^"]*)"/g)];
      const target = nth(ids, m.at);
      const source = nth(ids, m.from);
      if (!target || !source) return xml;
      return `${xml.slice(0, target.index)} id="${source[1]}"${xml.slice(target.index! + target[0].length)}`;
    }
    case 'protoId': {
      const ids = [...xml.matchAll(/ id="([^"]*)"/g)];
      const target = nth(ids, m.at)?.[1];
      if (!target) return xml;
      // the id and every reference to it
      return xml.replaceAll(`"${target}"`, `"${m.id}"`).replaceAll(`>${target}<`, `>${m.id}<`);
    }
    case 'truncate':
      return xml.slice(0, Math.floor(m.fraction * xml.length));
    case 'hugeAttribute': {
      const tags = [...xml.matchAll(/<bpmn:[A-Za-z]+ /g)];
      const tag = nth(tags, m.at);
      if (!tag) return xml;
      const at = tag.index! + tag[0].length;
      return `${xml.slice(0, at)}fiscal:fuzz="${'长'.repeat(Math.floor(m.size / 3))}" ${xml.slice(at)}`;
    }
    case 'deepNesting': {
      const at = xml.search(/<bpmn:process [^>]*>/);
      if (at === -1) return xml;
      const end = xml.indexOf('>', at) + 1;
      const open = Array.from({ length: m.depth }, (_, i) => `<bpmn:subProcess id="deep${i}">`).join('');
      return xml.slice(0, end) + open + '</bpmn:subProcess>'.repeat(m.depth) + xml.slice(end);
    }
    case 'flipChar': {
      const at = Math.floor(m.fraction * xml.length);
      return xml.slice(0, at) + m.char + xml.slice(at + 1);
    }
  }
}

// the checks //////

interface Figures {
  deployMs: number[];
  statuses: Map<number, number>;
  deployed: number;
  started: number;
  startStatuses: Map<number, number>;
}

function count(map: Map<number, number>, status: number): void {
  map.set(status, (map.get(status) ?? 0) + 1);
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function describeInput(input: string | Buffer): string {
  const text = Buffer.isBuffer(input) ? input.toString('latin1') : input;
  return `${text.length} chars: ${text.slice(0, 160).replace(/\s+/g, ' ')}…`;
}

/** Asserts the status class and the error shape of one answer. */
function assertAnswer(res: Response, what: string): void {
  const context = `[seed ${SEED}] ${what} → ${res.status} ${res.text.slice(0, 400)}`;
  assert.ok(res.status >= 200 && res.status < 500, context);
  assert.ok(
    res.status !== 401 && res.status !== 429,
    `the designer was turned away, nothing was fuzzed: ${context}`,
  );
  assert.doesNotMatch(res.text, /\n\s+at .+:\d+:\d+/, `stack trace in ${context}`);
  if (res.status >= 400) {
    assert.equal(typeof res.body.code, 'string', `no code: ${context}`);
    assert.ok(res.body.code.length > 0, `empty code: ${context}`);
    assert.equal(typeof res.body.message, 'string', `no message: ${context}`);
  }
  if (res.status === 422) {
    const problems = res.body.details?.problems;
    assert.ok(Array.isArray(problems) && problems.length > 0, `422 without problems: ${context}`);
    for (const p of problems) {
      assert.equal(typeof p.elementId, 'string', `problem without elementId: ${context}`);
      assert.ok(p.elementId.length > 0, `empty elementId: ${context}`);
      assert.equal(typeof p.rule, 'string', `problem without rule: ${context}`);
      assert.equal(typeof p.message, 'string', `problem without message: ${context}`);
    }
  }
}

/**
 * Sends one model through validate and deploy (and starts an instance of whatever deployed); returns the
 * deploy status.
 */
async function exercise(
  designer: UserAgent,
  input: string | Buffer,
  figures: Figures,
  label: string,
): Promise<number> {
  const what = `${clip(label, 600)} (${describeInput(input)})`;
  const xmlText = Buffer.isBuffer(input) ? input.toString('utf8') : input;

  const validation = await designer
    .post('/api/deployment/validate')
    .set('Content-Type', 'application/json')
    .send(JSON.stringify({ xml: xmlText }));
  assertAnswer(validation, `validate ${what}`);

  const started = performance.now();
  const deploy = await designer
    .post('/api/deployment/create')
    .set('Content-Type', 'application/xml')
    .send(Buffer.isBuffer(input) ? input : Buffer.from(input, 'utf8'));
  figures.deployMs.push(performance.now() - started);
  count(figures.statuses, deploy.status);
  assertAnswer(deploy, `deploy ${what}`);

  // validate and deploy run the same checks: they agree whenever both read the same text
  if (validation.status === 200 && !Buffer.isBuffer(input)) {
    assert.equal(
      validation.body.valid,
      deploy.status === 200,
      `[seed ${SEED}] validate says valid=${validation.body.valid} but deploy answered ${deploy.status}: ${what}`,
    );
    if (!validation.body.valid) {
      for (const p of validation.body.problems)
        assert.ok(p.elementId.length > 0, `validate problem id: ${what}`);
    }
  }

  if (deploy.status === 200) {
    figures.deployed++;
    for (const definition of deploy.body.deployedProcessDefinitions as { key: string }[]) {
      const start = await designer
        .post(`/api/process-definition/key/${encodeURIComponent(definition.key)}/start`)
        .set('Content-Type', 'application/json')
        .send({ variables: { amountFen: 12_345, kind: 'a' } });
      count(figures.startStatuses, start.status);
      assertAnswer(start, `start ${definition.key} of ${what}`);
      if (start.status === 200) figures.started++;
    }
  }
  return deploy.status;
}

function report(backend: string, figures: Figures, memory: { heapMb: number; rssMb: number }[]): void {
  const sorted = [...figures.deployMs].sort((a, b) => a - b);
  const [before, after] = memory;
  console.log(
    `      [${backend}] seed ${SEED}: ${sorted.length} deploys ` +
      `(statuses ${JSON.stringify(Object.fromEntries(figures.statuses))}), ${figures.deployed} deployed, ` +
      `${figures.started} instances started (start statuses ${JSON.stringify(Object.fromEntries(figures.startStatuses))}); ` +
      `deploy p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, ` +
      `max ${(sorted.at(-1) ?? 0).toFixed(1)} ms; heap ${before!.heapMb.toFixed(0)} → ${after!.heapMb.toFixed(0)} MB, ` +
      `RSS ${before!.rssMb.toFixed(0)} → ${after!.rssMb.toFixed(0)} MB`,
  );
}

// the suite //////

for (const backend of ['sqlite', 'mysql'] as const) {
  const runs = backend === 'sqlite' ? RUNS : Math.max(10, Math.floor(RUNS / 4));

  describe(`server: BPMN upload fuzzing through HTTP [${backend}] (seed ${SEED})`, function () {
    this.timeout(Math.max(120_000, runs * 2 * 1000));
    let t: TestServer;
    let designer: UserAgent;
    const figures: Figures = {
      deployMs: [],
      statuses: new Map(),
      deployed: 0,
      started: 0,
      startStatuses: new Map(),
    };
    const crashes: unknown[] = [];
    const onCrash = (err: unknown) => crashes.push(err);
    const memory: { heapMb: number; rssMb: number }[] = [];
    const models = realModels();

    before(async () => {
      process.on('unhandledRejection', onCrash);
      process.on('uncaughtException', onCrash);
      // a long FUZZ_RUNS run outlasts the default 15-minute token: every answer must come from the deploy code
      t = await createTestServer(backend, { env: { AUTH_TOKEN_TTL_S: '86400' } });
      designer = await t.as('henan.admin');
      memory.push(memoryMb());
    });

    after(async () => {
      process.off('unhandledRejection', onCrash);
      process.off('uncaughtException', onCrash);
      await t?.close();
    });

    afterEach(() => {
      assert.deepEqual(Object.keys(Object.prototype), [], 'Object.prototype was polluted');
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.deepEqual(crashes, [], `[seed ${SEED}] uncaught errors during the run`);
    });

    it('should find real models to mutate', () => {
      assert.ok(models.length >= 18, `only ${models.length} real models`);
    });

    it('should refuse every hostile input with 4xx and a code, and accept the two valid ones', async () => {
      for (const { name, input, mustReject } of hostileCorpus()) {
        const status = await exercise(designer, input, figures, `hostile ${name}`);
        if (mustReject)
          assert.ok(status >= 400 && status < 500, `hostile ${name} was not refused: ${status}`);
        else assert.equal(status, 200, `valid hostile-looking ${name} was refused`);
      }
    });

    it('should answer generated models with 2xx/4xx only, and start the deployable ones', async () => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(generatedModel, async (spec) => {
          const key = `fz_${backend}_${n++}${'k'.repeat(spec.keyPadding)}`;
          await exercise(
            designer,
            buildModel(key, spec),
            figures,
            `generated ${key} ${JSON.stringify(spec)}`,
          );
        }),
        { numRuns: runs, seed: SEED, endOnFailure: true, ...REPLAY },
      );
      // the generator is worth something only if a fair share of its models deploy
      assert.ok(
        figures.deployed >= runs / 10,
        `only ${figures.deployed} of ${runs} generated models deployed`,
      );
    });

    it('should answer mutated real models with 2xx/4xx only', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.nat({ max: models.length - 1 }),
          fc.array(mutation, { minLength: 1, maxLength: 3 }),
          async (which, mutations) => {
            const model = models[which]!;
            let input: string | Buffer = model.xml;
            for (const m of mutations) input = mutate(input, m);
            await exercise(designer, input, figures, `${model.name} mutated by ${JSON.stringify(mutations)}`);
          },
        ),
        { numRuns: runs, seed: SEED + 1, endOnFailure: true, ...REPLAY },
      );
    });

    it('should keep memory and deploy time bounded, and the invariants after the run', async () => {
      // let the workers settle what the started instances queued (service tasks, timers, routing)
      await new Promise((r) => setTimeout(r, 200));
      memory.push(memoryMb());
      report(backend, figures, memory);
      const growth = memory[1]!.heapMb - memory[0]!.heapMb;
      assert.ok(growth < MAX_HEAP_GROWTH_MB, `[seed ${SEED}] heap grew by ${growth.toFixed(0)} MB`);
      const sorted = [...figures.deployMs].sort((a, b) => a - b);
      assert.ok(
        percentile(sorted, 99) < MAX_DEPLOY_P99_MS,
        `[seed ${SEED}] deploy p99 ${percentile(sorted, 99).toFixed(0)} ms`,
      );
      const results = await checkInvariants(t.services.knex, { horizonMs: 60_000 });
      const broken = results.filter((r) => !r.ok && (r.invariant === 'I2' || r.invariant === 'I5'));
      assert.deepEqual(
        broken.map((r) => [r.invariant, r.violations.slice(0, 3)]),
        [],
        `[seed ${SEED}] invariants broken after fuzzing`,
      );
    });
  });
}
