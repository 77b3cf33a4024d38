/**
 * Outbox relay crash between `queue.add` and `published_at` (reliability.md §6.16, §2 "Transactional outbox").
 *
 * Jobs are committed with their state change and left unpublished (the producing engine's queue refuses every
 * publish, as when the process dies right after COMMIT). Each round, two relays run one relay pass
 * (`Engine.relayOutbox`) at the same time over the same rows; each reaches MariaDB through a proxy that swallows the
 * `UPDATE jobs SET published_at …`: every `queue.add` was acknowledged, nothing is marked published. The next
 * round's relays publish the same rows again (the same Bull job id: `job-<id>-<attempt>-<publishSeq>`), until a
 * last, clean relay pass marks them. A worker in this process consumes meanwhile, so the repeated adds meet jobs
 * waiting, delayed (timers), active and completed.
 *
 * In the last rounds the relays are processes (outbox-relay-process.ts) SIGKILLed by the proxy at the UPDATE. Each
 * process start costs over a second of CPU, so the earlier rounds crash in this process instead (while the relay
 * processes start in the background): the proxy cuts the relay's connection at the UPDATE and the relay (its own
 * pool and Bull connections) is thrown away, which leaves the database and Redis in the same state as the kill.
 * OUTBOX_RELAY_PROCESS_ROUNDS=26 makes every relay a process.
 *
 * Asserted: every relay crashed at the UPDATE (≥ 50 crashes); rows really were added more than once; the handler
 * ran once per job and its effect (a row keyed `<instance>:<job>:effect`, unique) is there once; Bull holds exactly
 * one job per engine job, under the id the first relay used; every instance completed; I1–I6 clean. Then, past
 * retention (the completed Bull jobs removed), adding the same ids again delivers them once more and the engine's
 * attempt guard absorbs it: the handler does not run again.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import Bull from 'bull';
import { createEngine, type Engine, type WorkQueue } from '../../engine/index.js';
import { BullWorkQueue, connectDatabase, KnexProcessStore } from '../../engine/adapters/index.js';
import { checkInvariants } from '../../server/check/index.js';
import {
  createTestEngine,
  MYSQL_ROOT_URL,
  REDIS_URL,
  type TestEngine,
  waitFor,
} from '../helpers/engine-harness.js';
import { mapLimit, serviceChain } from '../helpers/bpmn-builder.js';

const RELAY = fileURLToPath(new URL('./outbox-relay-process.ts', import.meta.url));
const ROUNDS = 26;
const RELAYS_PER_ROUND = 2;
/** Rounds whose relays are processes killed with SIGKILL (the others crash in this process, see above). */
const PROCESS_ROUNDS = Math.min(ROUNDS, Number(process.env.OUTBOX_RELAY_PROCESS_ROUNDS ?? 2));
const INSTANCES_PER_ROUND = 2;
/** The statement the proxy swallows: the relay marking its batch published (KnexProcessStore.markJobsPublished). */
const MARK_PUBLISHED = Buffer.from('update `jobs` set `published_at`');

/** start → timer at `=dueAt` → service task → end. */
const TIMED_SERVICE = `<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="d" targetNamespace="t">
<bpmn:process id="timedEffect" isExecutable="true"><bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait" />
<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDate>=dueAt</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
<bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="s1" /><bpmn:serviceTask id="s1" fiscal:taskType="outbox.effect" />
<bpmn:sequenceFlow id="f3" sourceRef="s1" targetRef="e" /><bpmn:endEvent id="e" /></bpmn:process></bpmn:definitions>`;

/**
 * A loopback TCP proxy to MariaDB for one relay process: forwards everything, except that when the client sends
 * the MARK_PUBLISHED statement, the statement is dropped, `onTrap` runs (the test SIGKILLs a relay process there)
 * and the connection is cut.
 */
class MarkPublishedTrap {
  trapped = 0;
  private readonly sockets = new Set<Socket>();
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number, onTrap: () => void): Promise<MarkPublishedTrap> {
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const trap = new MarkPublishedTrap(server, (server.address() as { port: number }).port);
    server.on('connection', (client) => {
      const upstream = connect(targetPort, '127.0.0.1');
      trap.sockets.add(client).add(upstream);
      let tail = Buffer.alloc(0);
      let dead = false;
      client.on('data', (chunk: Buffer) => {
        if (dead) return;
        const window = Buffer.concat([tail, chunk]);
        if (window.includes(MARK_PUBLISHED)) {
          dead = true;
          trap.trapped++;
          onTrap();
          client.destroy();
          upstream.destroy();
          return;
        }
        tail = window.subarray(Math.max(0, window.length - MARK_PUBLISHED.length));
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        if (!dead) client.write(chunk);
      });
      const close = () => {
        client.destroy();
        upstream.destroy();
        trap.sockets.delete(client);
        trap.sockets.delete(upstream);
      };
      for (const socket of [client, upstream]) {
        socket.on('close', close);
        socket.on('error', close);
      }
    });
    return trap;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** One relay, behind its own trap, ready to run one pass; `run` resolves with how it ended. */
interface Relay {
  readonly trap: MarkPublishedTrap;
  /** Bull job ids whose add Redis acknowledged. */
  readonly published: string[];
  run(): Promise<string>;
  dispose(): Promise<void>;
}

function viaTrap(t: TestEngine, trap: MarkPublishedTrap): string {
  const database = new URL(t.databaseUrl);
  database.host = `127.0.0.1:${trap.port}`;
  return database.toString();
}

const MYSQL_PORT = Number(new URL(MYSQL_ROOT_URL).port || 3306);

/** A relay process (outbox-relay-process.ts), started and waiting; `run` ends in 'SIGKILL' when the trap fired. */
async function startProcessRelay(t: TestEngine): Promise<Relay> {
  const spawned: { child?: ChildProcess } = {};
  const trap = await MarkPublishedTrap.start(MYSQL_PORT, () => spawned.child?.kill('SIGKILL'));
  const child = spawn(process.execPath, ['--import', 'tsx', RELAY], {
    env: {
      ...process.env,
      DATABASE_URL: viaTrap(t, trap),
      REDIS_URL,
      QUEUE_PREFIX: t.queuePrefix,
      LOG_LEVEL: 'silent',
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  spawned.child = child;
  const published: string[] = [];
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    void exited.then((how) => reject(new Error(`relay exited before ready (${String(how)})`)));
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready') resolve();
        if (line.startsWith('published ')) published.push(line.slice('published '.length));
      }
    });
  });
  const running = child;
  return {
    trap,
    published,
    async run() {
      running.stdin!.write('go\n');
      return String(await exited);
    },
    async dispose() {
      if (running.exitCode === null && running.signalCode === null) running.kill('SIGKILL');
      await exited;
      await trap.close();
    },
  };
}

/**
 * A relay in this process with its own connection pool and Bull connections; `run` ends in 'cut' when the trap
 * fired (the UPDATE failed on the cut connection). It is disposed of afterwards, as the process would be.
 */
async function startInProcessRelay(t: TestEngine): Promise<Relay> {
  const trap = await MarkPublishedTrap.start(MYSQL_PORT, () => {});
  const store = new KnexProcessStore(connectDatabase({ url: viaTrap(t, trap), poolMax: 2 }));
  const inner = new BullWorkQueue({ redisUrl: REDIS_URL, prefix: t.queuePrefix! });
  const published: string[] = [];
  const engine = createEngine({
    store,
    queue: {
      async publish(message) {
        await inner.publish(message);
        published.push(message.jobId);
      },
      consume: (queue, handler, options) => inner.consume(queue, handler, options),
      isReady: () => inner.isReady(),
      close: () => inner.close(),
    },
    relay: { intervalMs: 3_600_000, graceMs: 0, horizonMs: 3_600_000 },
  });
  return {
    trap,
    published,
    async run() {
      await engine.relayOutbox();
      return trap.trapped > 0 ? 'cut' : 'completed';
    },
    async dispose() {
      await inner.close();
      await store.close();
      await trap.close();
    },
  };
}

/** A queue that refuses every publish: committed jobs stay in the outbox (published_at NULL). */
function refusingQueue(inner: WorkQueue): WorkQueue {
  return {
    publish: () => Promise.reject(new Error('the producer died right after COMMIT')),
    consume: (queue, handler, options) => inner.consume(queue, handler, options),
    isReady: () => inner.isReady(),
    close: () => Promise.resolve(),
  };
}

describe('chaos/outbox relay killed between queue.add and published_at [MariaDB + Bull, relay processes]', function () {
  let t: TestEngine;
  let producer: Engine;
  let consumer: Engine;
  const relays: Relay[] = [];

  before(async function () {
    this.timeout(30_000);
    t = await createTestEngine('mysql');
    const knex = t.infrastructure.knex;
    await knex.schema.createTable('outbox_handler_runs', (table) => {
      table.increments('id');
      table.string('job_id', 64).notNullable().index();
    });
    await knex.schema.createTable('outbox_effects', (table) => {
      table.string('effect_key', 191).primary();
      table.bigInteger('at').notNullable();
    });
    await t.engine.deploy(serviceChain('directEffect', 1, 'outbox.effect'));
    await t.engine.deploy(TIMED_SERVICE);
    producer = createEngine({
      store: t.infrastructure.store,
      queue: refusingQueue(t.infrastructure.queue),
    });
    // a worker whose own relay never runs during the test (the relay processes are the only ones)
    consumer = createEngine({
      store: t.infrastructure.store,
      queue: t.infrastructure.queue,
      relay: { intervalMs: 3_600_000, graceMs: 0, horizonMs: 3_600_000 },
      handlers: {
        'outbox.effect': async (job) => {
          await knex('outbox_handler_runs').insert({ job_id: job.jobId });
          await knex('outbox_effects')
            .insert({ effect_key: `${job.instanceId}:${job.jobId}:effect`, at: Date.now() })
            .onConflict('effect_key')
            .ignore();
          return {};
        },
      },
    });
    await consumer.startWorkers({ serviceConcurrency: 4 });
  });

  after(async function () {
    this.timeout(20_000);
    await Promise.all(relays.map((r) => r.dispose()));
    await consumer?.stop();
    await t?.close();
  });

  it(`should apply each outbox row's effect once and keep one Bull job per job id when ${ROUNDS * RELAYS_PER_ROUND} relays crash before marking published`, async function () {
    this.timeout(120_000);
    const knex = t.infrastructure.knex;
    const seed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
    let state = seed;
    const random = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32) as number;
    const context = () => `seed ${seed} (CHAOS_SEED=${seed} to replay the instance mix)`;

    const instanceIds: string[] = [];
    // the relay processes start now, in the background, so their start-up overlaps the rounds
    const processRelays = Array.from({ length: PROCESS_ROUNDS * RELAYS_PER_ROUND }, () => {
      const relay = startProcessRelay(t);
      void relay.then((r) => relays.push(r)).catch(() => undefined);
      return relay;
    });
    let kills = 0;
    let cuts = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // given new outbox rows: committed jobs nobody published (service jobs, and timers due 0.2–2 s from now)
      const created = await mapLimit(Array.from({ length: INSTANCES_PER_ROUND }), 3, () =>
        random() < 0.5
          ? producer.startInstance('directEffect')
          : producer.startInstance('timedEffect', {
              variables: { dueAt: new Date(Date.now() + 200 + Math.floor(random() * 1800)).toISOString() },
            }),
      );
      for (const r of created) {
        assert.equal(r.status, 'fulfilled', context());
        if (r.status === 'fulfilled') instanceIds.push(r.value.id);
      }

      // when two relays publish every unpublished row at once and both crash at their UPDATE
      const processRound = round - (ROUNDS - PROCESS_ROUNDS);
      const asProcess = processRound >= 0;
      const pair = asProcess
        ? await Promise.all(
            processRelays.slice(processRound * RELAYS_PER_ROUND, (processRound + 1) * RELAYS_PER_ROUND),
          )
        : await Promise.all(Array.from({ length: RELAYS_PER_ROUND }, () => startInProcessRelay(t)));
      if (!asProcess) relays.push(...pair);
      const how = await Promise.all(pair.map((r) => r.run()));
      for (const [i, relay] of pair.entries()) {
        assert.equal(
          how[i],
          asProcess ? 'SIGKILL' : 'cut',
          `round ${round}: a relay did not crash at its UPDATE; ${context()}`,
        );
        assert.equal(relay.trap.trapped, 1, `round ${round}: the UPDATE was not trapped; ${context()}`);
        assert.ok(relay.published.length > 0, `round ${round}: a relay published nothing before its UPDATE`);
        await relay.dispose();
        if (asProcess) kills++;
        else cuts++;
      }
    }

    // and a last relay pass that is not killed
    const unpublished = async () =>
      Number(
        (await knex('jobs').where({ state: 'pending' }).whereNull('published_at').count({ n: '*' }).first())
          ?.n,
      );
    assert.ok((await unpublished()) > 0, 'the killed relays marked something published');
    await consumer.relayOutbox();
    // (the worker commits and publishes jobs of its own meanwhile, each unpublished for a moment)
    await waitFor(async () => (await unpublished()) === 0, 'every outbox row to be published', 5000);

    // then every instance completes
    await waitFor(
      async () =>
        Number(
          (
            await knex('process_instances')
              .whereIn('id', instanceIds)
              .where({ status: 'completed' })
              .count({ n: '*' })
              .first()
          )?.n,
        ) === instanceIds.length,
      'every instance to complete',
      20_000,
      100,
    );

    // the killed relays really did publish rows again
    const adds = new Map<string, number>();
    for (const relay of relays) for (const id of relay.published) adds.set(id, (adds.get(id) ?? 0) + 1);
    const republished = [...adds.values()].filter((n) => n > 1).length;
    const totalAdds = [...adds.values()].reduce((a, b) => a + b, 0);
    assert.ok(republished > 0, 'no row was published twice');

    // the handler ran once per service job, its effect is there once
    const serviceJobs: Array<{ id: string; instance_id: string }> = await knex('jobs')
      .whereIn('instance_id', instanceIds)
      .where({ kind: 'service' })
      .select('id', 'instance_id');
    assert.equal(serviceJobs.length, instanceIds.length);
    const runs: Array<{ job_id: string; n: unknown }> = await knex('outbox_handler_runs')
      .select('job_id')
      .count({ n: '*' })
      .groupBy('job_id');
    assert.equal(runs.length, serviceJobs.length, 'jobs whose handler ran');
    const twice = runs.filter((r) => Number(r.n) !== 1);
    assert.deepEqual(twice, [], `handlers that ran more than once; ${context()}`);
    const effects: Array<{ effect_key: string }> = await knex('outbox_effects').select('effect_key');
    assert.deepEqual(
      effects.map((e) => e.effect_key).sort(),
      serviceJobs.map((j) => `${j.instance_id}:${j.id}:effect`).sort(),
    );

    // Bull holds exactly one job per engine job, under its first id
    const engineJobs: Array<{ id: string; kind: string }> = await knex('jobs').select('id', 'kind');
    const bullIds = await bullJobIds(t.queuePrefix!);
    const perEngineJob = new Map<string, string[]>();
    for (const id of bullIds) {
      const engineJobId = /^job-(.+)-\d+-\d+$/.exec(id)?.[1] ?? id;
      perEngineJob.set(engineJobId, [...(perEngineJob.get(engineJobId) ?? []), id]);
    }
    for (const job of engineJobs)
      assert.deepEqual(perEngineJob.get(job.id), [`job-${job.id}-1-0`], `Bull jobs of ${job.kind} ${job.id}`);
    assert.equal(bullIds.length, engineJobs.length, 'Bull jobs that belong to no engine job');

    const results = await checkInvariants(knex);
    assert.deepEqual(
      results.filter((r) => !r.ok),
      [],
    );
    console.log(
      `      outbox relay: ${kills} relay processes SIGKILLed and ${cuts} relays cut at the UPDATE, ${totalAdds} adds of ${adds.size} Bull jobs (${republished} added more than once); ` +
        `${serviceJobs.length} service jobs, handler runs ${runs.length}, effects ${effects.length}; ${context()}`,
    );

    // and past retention: the completed Bull jobs are gone, a stale relay batch adds the same ids again
    const service = new Bull('service', { prefix: t.queuePrefix, redis: REDIS_URL });
    try {
      await service.clean(0, 'completed');
      const before = (await service.getJobCounts()).completed;
      assert.equal(before, 0);
      for (const job of serviceJobs)
        await t.infrastructure.queue.publish({
          queue: 'service',
          jobId: `job-${job.id}-1-0`,
          data: { jobId: job.id, attempt: 1 },
        });
      await waitFor(
        async () => (await service.getJobCounts()).completed === serviceJobs.length,
        'the repeated deliveries to be handled',
        15_000,
        100,
      );
    } finally {
      await service.close();
    }
    const runsAfter = Number((await knex('outbox_handler_runs').count({ n: '*' }).first())?.n);
    assert.equal(runsAfter, serviceJobs.length, 'a delivery past retention ran the handler again');
    assert.equal(Number((await knex('outbox_effects').count({ n: '*' }).first())?.n), serviceJobs.length);
  });
});

/** Ids of the jobs Bull holds under `prefix` (the job hashes; not their locks, logs or the queue's own keys). */
async function bullJobIds(prefix: string): Promise<string[]> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(REDIS_URL);
  try {
    const ids: string[] = [];
    for (const queue of ['service', 'timer', 'continue', 'route']) {
      const keys = await redis.keys(`${prefix}:${queue}:job-*`);
      for (const key of keys) {
        const id = key.slice(`${prefix}:${queue}:`.length);
        if (!id.includes(':')) ids.push(id);
      }
    }
    return ids;
  } finally {
    redis.disconnect();
  }
}
