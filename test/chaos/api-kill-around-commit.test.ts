/**
 * Reliability plan §6 scenario 2, API SIGKILL around COMMIT: an API process (`fiscal-bpm start`, a child of the
 * chaos runner) is SIGKILLed while it serves `POST /api/task/{id}/complete` with an Idempotency-Key,
 * (a) just before the COMMIT of the completion reaches MariaDB, and (b) just after MariaDB answered the COMMIT
 * but before the process could answer the client. No hook in the product: the fault proxy in front of MariaDB
 * sees the COMMIT of the transaction that names the task and kills the process from there.
 *
 * Then (a) the task is unchanged and a same-key retry against the other API process completes it; (b) the task is
 * completed exactly once and the same-key retry answers with the completed task without completing it again. In
 * both cases a
 * further same-key retry replays the retry's stored answer, and the invariant checker is clean at the end.
 * CHAOS_SEED replays a run; CHAOS_COMMIT_ROUNDS sets the rounds per case (default 4).
 */
import assert from 'node:assert/strict';
import { ChaosCluster, CHAOS_JWT_SECRET } from './runner/chaos-cluster.js';
import { ChaosApiClient, type ApiResponse } from './runner/api-client.js';
import { chaosSeed } from './runner/chaos-seed.js';
import {
  completionRows,
  deployStormProcess,
  startStormInstance,
  STORM_USER,
  taskState,
  waitForOpenTask,
} from './runner/storm-process.js';

const ROUNDS = Number(process.env.CHAOS_COMMIT_ROUNDS ?? 4);

describe('chaos/API SIGKILL around the COMMIT of a task completion [2 API processes, MariaDB + Redis through the fault proxy]', function () {
  const seed = chaosSeed();
  let cluster: ChaosCluster;
  let api: ChaosApiClient;
  /** Sends once, never retries: the request to the process that will be killed. */
  let once: ChaosApiClient;
  const respawns = new Map<string, Promise<void>>();
  const retryOutcomes: Record<string, number> = {};

  before(async function () {
    this.timeout(300_000);
    console.log(`      chaos seed ${seed} (CHAOS_SEED=${seed} replays it)`);
    cluster = await ChaosCluster.start({
      seed,
      apis: 2,
      workers: 0,
      // a pending Idempotency-Key of a killed process is taken over after 1.5 s
      env: { IDEMPOTENCY_PENDING_TIMEOUT_MS: '1500' },
    });
    api = new ChaosApiClient(() => cluster.apiUrls, { jwtSecret: CHAOS_JWT_SECRET });
    once = new ChaosApiClient(() => cluster.apiUrls, { jwtSecret: CHAOS_JWT_SECRET, retryForMs: 0 });
    await deployStormProcess(api);
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && cluster) {
      console.log(`      seed ${seed} (CHAOS_SEED=${seed}); faults:\n${cluster.faults.tail().join('\n')}`);
      console.log(cluster.tails());
    }
  });

  after(async function () {
    this.timeout(60_000);
    await cluster?.close();
  });

  for (const phase of ['before', 'answered'] as const) {
    const what =
      phase === 'before'
        ? '(a) before the COMMIT reaches MariaDB: the task is unchanged, and the same-key retry completes it'
        : '(b) after MariaDB answered the COMMIT: the task is completed exactly once, the same-key retry answers with it';
    it(`should survive ${ROUNDS} kills ${what}`, async function () {
      this.timeout(60_000 + ROUNDS * 30_000);
      for (let round = 0; round < ROUNDS; round++) {
        const victim = cluster.apis[round % 2]!;
        const survivor = cluster.apis[(round + 1) % 2]!;
        await respawns.get(victim.name);
        await respawns.get(survivor.name);

        // given an open task
        const instanceId = await startStormInstance(api, `commit-${phase}-${seed}-${round}`);
        const taskId = await waitForOpenTask(cluster.knex, instanceId, 'fill');
        const key = `kill-${phase}-${seed}-${round}`;
        const path = `/api/task/${taskId}/complete`;

        // when the API process serving its completion is SIGKILLed at the COMMIT of the transaction naming it
        let fired = false;
        cluster.mysqlProxy.onCommit((event) => {
          if (fired || event.phase !== phase || !event.statements.some((s) => s.includes(taskId)))
            return 'forward';
          fired = true;
          victim.killNow();
          cluster.faults.add(
            phase === 'before' ? 'kill-api-before-commit' : 'kill-api-after-commit',
            victim.name,
            `task=${taskId}`,
          );
          return 'hold';
        });
        const first = await once
          .as(STORM_USER, 'POST', path, { body: {}, idempotencyKey: key, baseUrl: victim.baseUrl })
          .then(
            (r) => r,
            (err: unknown) => err as Error,
          );
        cluster.mysqlProxy.onCommit(undefined);
        assert.ok(fired, `round ${round}: the COMMIT of task ${taskId} was never seen`);
        assert.ok(
          first instanceof Error,
          `round ${round}: the killed process answered ${JSON.stringify(first)}`,
        );
        await victim.exitedPromise();
        respawns.set(victim.name, victim.start());

        // then the database shows the transaction either not applied (a) or applied once (b)
        if (phase === 'before') {
          assert.equal(await taskState(cluster.knex, taskId), 'created', `round ${round}: task changed`);
          assert.equal(await completionRows(cluster.knex, taskId), 0, `round ${round}: completion recorded`);
        } else {
          assert.equal(await taskState(cluster.knex, taskId), 'completed', `round ${round}: COMMIT lost`);
          assert.equal(await completionRows(cluster.knex, taskId), 1, `round ${round}: completion rows`);
        }

        // and the client's same-key retry on the other API process
        const retry: ApiResponse<{ state?: string; code?: string }> = await api.as(STORM_USER, 'POST', path, {
          body: {},
          idempotencyKey: key,
          baseUrl: survivor.baseUrl,
        });
        const outcome = `${retry.status}${retry.body?.code ? ` ${retry.body.code}` : ''}`;
        retryOutcomes[`${phase}: ${outcome}`] = (retryOutcomes[`${phase}: ${outcome}`] ?? 0) + 1;
        // (a) the retry completes the task; (b) the first answer was never stored (the process died before it
        // could), so the retry runs the command again: the engine finds the completion it committed under the
        // same key and answers with the completed task, as the first attempt would have
        assert.equal(retry.status, 200, `round ${round}: retry answered ${JSON.stringify(retry.body)}`);
        assert.equal(retry.body.state, 'completed');
        assert.equal(await completionRows(cluster.knex, taskId), 1, `round ${round}: completed twice`);

        // and another retry with the key replays that answer
        const again = await api.as<{ state?: string; code?: string }>(STORM_USER, 'POST', path, {
          body: {},
          idempotencyKey: key,
        });
        assert.equal(again.status, retry.status, `round ${round}: the replay differs`);
        if (again.status === 200) assert.equal(again.replayed, true);
        assert.deepEqual(again.body, retry.body);
        assert.equal(await completionRows(cluster.knex, taskId), 1);
      }
      console.log(`      same-key retries after the kill: ${JSON.stringify(retryOutcomes)}`);
    });
  }

  it('should leave the invariants I1–I6 intact', async function () {
    this.timeout(120_000);
    await Promise.all(respawns.values());
    await cluster.settle(60_000);
    const { violations } = await cluster.check();
    assert.deepEqual(violations, [], `invariant violations (seed ${seed})`);
    console.log(`      faults: ${JSON.stringify(cluster.faults.counts())}; ${cluster.mysqlProxy.describe()}`);
  });
});
