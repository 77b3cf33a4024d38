/**
 * Scenario 3: the JavaScript peer. bpmn-engine 25 runs the same reference approval in memory (no durability):
 *   (a) plainly: start, signal each user-task wait, to the end — 1 instance at a time, and N concurrent;
 *   (b) as a bpmn-engine user must to survive restarts: at every wait `getState()` + `JSON.stringify`, stop,
 *       and run the next task on a fresh `Engine().recover(JSON.parse(state)).resume()`.
 * bpmn-engine does not evaluate FEEL, so the conditions are rewritten into its `${…}` expression syntax (with a
 * small expression resolver for comparisons, which its default resolver lacks); the topology is unchanged.
 * The parsed model is reused across instances (sourceContext), as our engine reuses its compiled model; the
 * README-style `new Engine({ source: xml })` per instance is measured too, for reference.
 * Also: heap per waiting bpmn-engine instance, and the size of its saved state.
 */
import { EventEmitter } from 'node:events';
import { cpus } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Engine } from 'bpmn-engine';
import { BENCH_AMOUNT_FEN, TASKS_PER_INSTANCE } from '../lib/approval-load.js';
import { cpuBetween, noiseWarning, sampleCpu, standardGroups, type CpuUsage } from '../lib/cpu.js';
import { metric } from '../lib/goals.js';
import { nowMs, ratio, sleep } from '../lib/stats.js';
import type { BenchContext, Metric, ScenarioResult } from '../lib/types.js';

type BpmnEngine = InstanceType<typeof Engine>;
type SourceContext = NonNullable<ConstructorParameters<typeof Engine>[0]>['sourceContext'];
/** What bpmn-engine hands to a 'wait' listener (an element API with signal()). */
interface WaitApi {
  readonly id: string;
  readonly type: string;
  signal(message?: unknown): void;
}

/** Rewrites the FEEL conditions (`amountFen >= 1000000`) into bpmn-engine expressions; throws on anything else. */
export function toBpmnEngineXml(xml: string): string {
  return xml.replace(
    /(<bpmn:conditionExpression[^>]*>)([^<]*)(<\/bpmn:conditionExpression>)/g,
    (_all, open: string, body: string, close: string) => {
      const feel = body
        .replace(/&gt;/g, '>')
        .replace(/&lt;/g, '<')
        .replace(/&amp;/g, '&')
        .trim()
        .replace(/^=\s*/, '');
      const match = /^([A-Za-z_]\w*)\s*(>=|<=|>|<|!=|=)\s*(-?\d+)$/.exec(feel);
      if (!match) throw new Error(`bpmn-engine-peer cannot translate the FEEL condition "${feel}"`);
      const op = match[2] === '=' ? '===' : match[2] === '!=' ? '!==' : match[2]!;
      const expression = `\${environment.variables.${match[1]} ${op} ${match[3]}}`;
      return `${open}${expression.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}${close}`;
    },
  );
}

/**
 * bpmn-engine's default resolver handles property paths and function calls only; this one adds
 * `${path <op> number}`. Property paths resolve as before.
 */
const comparison = /^\$\{\s*([\w.]+)\s*(>=|<=|>|<|===|!==)\s*(-?\d+(?:\.\d+)?)\s*\}$/;
const plainPath = /^\$\{\s*([\w.]+)\s*\}$/;
function lookup(context: unknown, path: string): unknown {
  let value: unknown = context;
  for (const part of path.split('.')) {
    if (value === null || value === undefined) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}
export const comparisonExpressions = {
  resolveExpression(template: string, context: unknown): unknown {
    const c = comparison.exec(template);
    if (c) {
      const left = lookup(context, c[1]!) as number;
      const right = Number(c[3]);
      switch (c[2]) {
        case '>=':
          return left >= right;
        case '<=':
          return left <= right;
        case '>':
          return left > right;
        case '<':
          return left < right;
        case '===':
          return left === right;
        default:
          return left !== right;
      }
    }
    const p = plainPath.exec(template);
    if (p) return lookup(context, p[1]!);
    return template;
  },
  isExpression: (text: string) => typeof text === 'string' && /^\$\{(.+?)\}$/.test(text),
  hasExpression: (text: string) => typeof text === 'string' && /\$\{(.+?)\}/.test(text),
};

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Runner {
  /** Runs one instance from start to end; resolves with the number of user tasks signalled. */
  one(): Promise<number>;
}

/** (a) plain: one engine per instance, signal each wait. */
function plainRunner(engineOptions: () => Record<string, unknown>): Runner {
  return {
    async one() {
      const listener = new EventEmitter();
      const waiting: WaitApi[] = [];
      listener.on('wait', (api: WaitApi) => waiting.push(api));
      const engine: BpmnEngine = new Engine({ ...engineOptions(), expressions: comparisonExpressions });
      const ended = engine.waitFor('end');
      await engine.execute({ listener, variables: { amountFen: BENCH_AMOUNT_FEN } });
      let signalled = 0;
      for (;;) {
        await yieldToLoop();
        const next = waiting.shift();
        if (!next) break;
        next.signal({ opinion: '同意' });
        signalled++;
      }
      await ended;
      return signalled;
    },
  };
}

/** (b) getState + JSON at every wait, stop, and recover/resume a fresh engine for the next task. */
function serializedRunner(sourceContext: SourceContext, stateBytes: number[]): Runner {
  return {
    async one() {
      let listener = new EventEmitter();
      let waiting: WaitApi[] = [];
      listener.on('wait', (api: WaitApi) => waiting.push(api));
      let engine: BpmnEngine = new Engine({ sourceContext, expressions: comparisonExpressions });
      let ended = engine.waitFor('end');
      await engine.execute({ listener, variables: { amountFen: BENCH_AMOUNT_FEN } });
      let signalled = 0;
      for (;;) {
        await yieldToLoop();
        if (waiting.length === 0) break;
        // at rest at a wait state: save, drop the engine, recover a fresh one for the next task
        const json = JSON.stringify(await engine.getState());
        stateBytes.push(json.length);
        await engine.stop();
        const nextId = waiting[0]!.id;
        listener = new EventEmitter();
        waiting = [];
        listener.on('wait', (api: WaitApi) => waiting.push(api));
        engine = new Engine({ expressions: comparisonExpressions }).recover(JSON.parse(json));
        ended = engine.waitFor('end');
        const execution = await engine.resume({ listener });
        const task = execution.getPostponed().find((a) => a.id === nextId) as unknown as WaitApi | undefined;
        if (!task) throw new Error(`recovered engine has no waiting ${nextId}`);
        waiting = waiting.filter((w) => w.id !== nextId);
        task.signal({ opinion: '同意' });
        signalled++;
      }
      await ended;
      return signalled;
    },
  };
}

interface PeerRun {
  readonly label: string;
  readonly concurrency: number;
  readonly measuredS: number;
  readonly instances: number;
  readonly instancesPerS: number;
  readonly errors: number;
  readonly errorSamples: string[];
  readonly cpu: CpuUsage;
}

async function drive(
  label: string,
  runner: Runner,
  concurrency: number,
  warmupS: number,
  measureS: number,
): Promise<PeerRun> {
  let measuring = false;
  let stopping = false;
  let instances = 0;
  let errors = 0;
  const errorSamples: string[] = [];
  const client = async () => {
    while (!stopping) {
      try {
        const signalled = await runner.one();
        if (signalled !== TASKS_PER_INSTANCE)
          throw new Error(`signalled ${signalled} tasks, expected ${TASKS_PER_INSTANCE}`);
        if (measuring) instances++;
      } catch (err) {
        if (measuring) errors++;
        if (errorSamples.length < 3) errorSamples.push(String((err as Error)?.message ?? err));
        if (errors > 100 || (!measuring && errorSamples.length >= 3)) throw err;
      }
    }
  };
  const clients = Array.from({ length: concurrency }, client);
  const failed = Promise.all(clients).then(() => undefined);
  try {
    await Promise.race([sleep(warmupS * 1000), failed]);
    instances = 0;
    const groups = standardGroups([process.pid]);
    const before = sampleCpu(groups);
    const t0 = nowMs();
    measuring = true;
    await Promise.race([sleep(measureS * 1000), failed]);
    measuring = false;
    const measuredS = (nowMs() - t0) / 1000;
    const cpu = cpuBetween(before, sampleCpu(groups), cpus().length);
    return {
      cpu,
      label,
      concurrency,
      measuredS,
      instances,
      instancesPerS: instances / measuredS,
      errors,
      errorSamples,
    };
  } finally {
    stopping = true;
    await Promise.allSettled(clients);
  }
}

/** A gc() for this process (the bench is not started with --expose-gc). */
function gcFunction(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Heap held per bpmn-engine instance waiting at its first user task. */
async function heapPerWaiting(sourceContext: SourceContext, count: number): Promise<number> {
  const gc = gcFunction();
  gc();
  const before = process.memoryUsage().heapUsed;
  const held: BpmnEngine[] = [];
  for (let i = 0; i < count; i++) {
    const engine: BpmnEngine = new Engine({ sourceContext, expressions: comparisonExpressions });
    await engine.execute({ variables: { amountFen: BENCH_AMOUNT_FEN } });
    held.push(engine);
  }
  await yieldToLoop();
  gc();
  const after = process.memoryUsage().heapUsed;
  for (const engine of held) await engine.stop();
  return (after - before) / count;
}

export async function run(context: BenchContext): Promise<ScenarioResult> {
  const started = performance.now();
  const { config } = context;
  const xml = toBpmnEngineXml(context.bpmnXml);

  // parse once, as our engine compiles once per definition
  const prototype: BpmnEngine = new Engine({ source: xml, expressions: comparisonExpressions });
  const [definition] = await prototype.getDefinitions();
  const sourceContext = (definition as unknown as { environment: { options: { source?: SourceContext } } })
    .environment.options.source;
  if (!sourceContext) throw new Error('could not take the parsed model (sourceContext) from bpmn-engine');

  const warm = Math.min(2, config.warmupS);
  const d = config.peerDurationS;
  const stateBytes: number[] = [];
  const runs: PeerRun[] = [];
  const variants: [string, Runner, number][] = [
    ['a1', plainRunner(() => ({ sourceContext })), 1],
    ['aN', plainRunner(() => ({ sourceContext })), config.peerConcurrency],
    ['aXml', plainRunner(() => ({ source: xml })), 1],
    ['b1', serializedRunner(sourceContext, stateBytes), 1],
  ];
  for (const [label, runner, concurrency] of variants) {
    context.log(`${label}: ${concurrency} at a time, ${warm} s warm-up, ${d} s measured`);
    const r = await drive(label, runner, concurrency, warm, d);
    context.log(
      `  ${r.instancesPerS.toFixed(1)} instances/s${r.errors ? `, ${r.errors} errors: ${r.errorSamples[0]}` : ''}`,
    );
    runs.push(r);
  }
  const heapWaiting = 500;
  context.log(`heap per waiting instance (${heapWaiting} held)`);
  const heapPerInstance = await heapPerWaiting(sourceContext, heapWaiting);

  const byLabel = (l: string) => runs.find((r) => r.label === l)!;
  const ours = metric(context.results, 'engine-throughput', 'p1.instancesPerS');
  const a1 = byLabel('a1');
  const aN = byLabel('aN');
  const aXml = byLabel('aXml');
  const b1 = byLabel('b1');
  const plainBest = Math.max(a1.instancesPerS, aN.instancesPerS);
  const errorNote = (r: PeerRun) => (r.errors ? `; ${r.errors} ERRORS: ${r.errorSamples[0]}` : '');
  const stateKb = stateBytes.length ? stateBytes.reduce((a, b) => a + b, 0) / stateBytes.length / 1024 : null;
  const metrics: Metric[] = [
    {
      key: 'plain1PerS',
      label: '(a) plain, 1 at a time: instances/s',
      value: a1.instancesPerS,
      digits: 1,
      note: `parsed model reused${errorNote(a1)}; issue-8 anchor 102 (simpler process)`,
    },
    {
      key: 'plainConcurrentPerS',
      label: `(a) plain, ${aN.concurrency} concurrent: instances/s`,
      value: aN.instancesPerS,
      digits: 1,
      note: `issue-8 anchor 77${errorNote(aN)}`,
    },
    {
      key: 'plainXmlPerS',
      label: '(a) plain, new Engine({ source: xml }) each: instances/s',
      value: aXml.instancesPerS,
      digits: 1,
      note: `XML parsed per instance (README style), for reference${errorNote(aXml)}`,
    },
    {
      key: 'serializedPerS',
      label: '(b) getState + JSON + recover/resume at each wait: instances/s',
      value: b1.instancesPerS,
      digits: 1,
      note: `1 at a time; state ${stateKb === null ? '–' : stateKb.toFixed(1)} KB per save; issue-8 anchor 42${errorNote(b1)}`,
    },
    {
      key: 'heapPerWaitingKb',
      label: 'bpmn-engine heap per waiting instance',
      value: heapPerInstance / 1024,
      unit: 'KB',
      digits: 0,
      note: `${heapWaiting} held at the first user task; ≈ ${((heapPerInstance * 10_000) / 2 ** 30).toFixed(2)} GiB per 10,000`,
    },
    {
      key: 'oursOverPlain1',
      label: 'ours ÷ (a) plain, 1 at a time',
      value: ratio(ours, a1.instancesPerS),
      unit: '×',
      digits: 2,
      note:
        ours === null
          ? 'engine-throughput did not run'
          : `ours: ${ours.toFixed(1)} instances/s, in-process run, durable`,
    },
    {
      key: 'oursOverPlainConcurrent',
      label: `ours ÷ (a) plain, ${aN.concurrency} concurrent`,
      value: ratio(ours, aN.instancesPerS),
      unit: '×',
      digits: 2,
    },
    {
      key: 'oursOverPlainBest',
      label: 'ours ÷ (a) plain, the better of the two',
      value: ratio(ours, plainBest),
      unit: '×',
      digits: 2,
      note: 'goal ≥ 2',
    },
    {
      key: 'oursOverSerialized',
      label: 'ours ÷ (b) with state serialisation',
      value: ratio(ours, b1.instancesPerS),
      unit: '×',
      digits: 2,
      note: 'goal ≥ 3',
    },
  ];
  return {
    name: 'bpmn-engine-peer',
    title: 'bpmn-engine 25 on the same BPMN, in memory',
    metrics,
    warnings: runs
      .map((r) => noiseWarning(`bpmn-engine ${r.label}`, r.cpu))
      .filter((w): w is string => w !== undefined),
    details: {
      runs,
      stateBytesMean: stateKb === null ? null : stateKb * 1024,
      heapPerWaitingBytes: heapPerInstance,
    },
    wallS: (performance.now() - started) / 1000,
  };
}
