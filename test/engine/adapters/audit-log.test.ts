/**
 * The tamper-evident audit log on both backends: one audit row per history row, written in the commit's
 * transaction; the verifier finds edited, deleted, swapped and slipped-in rows and history rows without audit.
 */
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { createEngine, type Engine } from '../../../engine/index.js';
import { KnexProcessStore } from '../../../engine/adapters/index.js';
import {
  appendSystemAudit,
  auditFieldsFromRow,
  GENESIS_HASH,
  hashAuditRow,
  instanceChainId,
  type AuditContext,
} from '../../../engine/adapters/knex/audit-log.js';
import { verifyAuditLog } from '../../../engine/adapters/knex/audit-verify.js';
import { singleTask } from '../../helpers/bpmn-builder.js';
import {
  createTestEngine,
  forEachBackend,
  TestClock,
  type TestEngine,
} from '../../helpers/engine-harness.js';

const TIMER_THEN_TASK = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" targetNamespace="http://fiscal-bpm.org/test">
  <bpmn:process id="auditTimer" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="review" />
    <bpmn:userTask id="review" />
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

type Row = Record<string, unknown>;

forEachBackend('adapters/audit-log', (backend) => {
  let t: TestEngine;
  let knex: Knex;
  const clock = new TestClock();
  const instanceIds: string[] = [];

  /** The rows of one chain in seq order. */
  const chainRows = (chainId: string): Promise<Row[]> =>
    knex('audit_log').where({ chain_id: chainId }).orderBy('seq');

  /** Runs `tamper` on a chain, returns what the verifier says, and puts the chain back as it was. */
  async function tampered(chainId: string, tamper: (rows: Row[]) => Promise<void>) {
    const saved = await chainRows(chainId);
    try {
      await tamper(saved);
      return { saved, result: await verifyAuditLog(knex, { chainId }), all: await verifyAuditLog(knex) };
    } finally {
      await knex('audit_log').where({ chain_id: chainId }).delete();
      for (const row of saved) await knex('audit_log').insert(row);
    }
  }

  /** An engine on the same database whose store audits with the given options. */
  function engineWith(options: ConstructorParameters<typeof KnexProcessStore>[1]): Engine {
    return createEngine({
      store: new KnexProcessStore(knex, options),
      queue: t.infrastructure.queue,
      clock,
    });
  }

  before(async function () {
    t = await createTestEngine(backend, { clock });
    knex = t.infrastructure.knex;
    await t.engine.deploy(singleTask('auditSingle'), { deployedBy: 'henan.admin' });
    await t.engine.deploy(TIMER_THEN_TASK);
    // given a few instances moved by start, complete and timer commands
    for (let i = 0; i < 3; i++) {
      const instance = await t.engine.startInstance('auditSingle', { initiator: 'zhongmou.school1.clerk' });
      instanceIds.push(instance.id);
      const [task] = await t.openTasks(instance.id);
      await t.engine.completeTask(task!.id, { actor: 'zhongmou.treasury.reviewer' });
    }
    for (let i = 0; i < 2; i++) {
      const instance = await t.engine.startInstance('auditTimer');
      instanceIds.push(instance.id);
    }
    clock.advance(61 * 60_000);
    assert.equal(await t.engine.fireDueTimers(), 2);
    await t.complete(instanceIds[3]!, 'review');
  });
  after(() => t?.close());

  it('should give every history row exactly one audit row, in per-instance chains that verify', async function () {
    // then every history row has one audit row and no audit row is left over
    const history = await knex('history_events').select('instance_id', 'seq', 'idx', 'type', 'actor');
    const audited = await knex('audit_log').whereNotNull('history_seq');
    assert.ok(history.length > 20, `expected a real history, got ${history.length} rows`);
    assert.equal(audited.length, history.length);
    const key = (i: unknown, s: unknown, x: unknown) => `${String(i)}/${Number(s)}/${Number(x)}`;
    const auditKeys = new Set(audited.map((a: Row) => key(a.instance_id, a.history_seq, a.history_idx)));
    assert.equal(auditKeys.size, audited.length);
    for (const h of history)
      assert.ok(
        auditKeys.has(key(h.instance_id, h.seq, h.idx)),
        `history ${key(h.instance_id, h.seq, h.idx)}`,
      );

    // and each instance has its own chain numbered 1..n, linked from the genesis hash
    for (const id of instanceIds) {
      const rows = await chainRows(instanceChainId(id));
      assert.deepEqual(
        rows.map((r) => Number(r.seq)),
        rows.map((_, i) => i + 1),
      );
      assert.equal(rows[0]!.prev_hash, GENESIS_HASH);
      for (let i = 1; i < rows.length; i++) assert.equal(rows[i]!.prev_hash, rows[i - 1]!.row_hash);
    }
    // and the actor comes from the history row when no request context is given
    const completed = audited.find(
      (a: Row) => a.action === 'TASK_COMPLETED' && a.instance_id === instanceIds[0],
    );
    assert.equal(completed?.actor, 'zhongmou.treasury.reviewer');
    assert.equal(completed?.request_id, null);
    assert.equal(completed?.target_type, 'task');

    // and the deployments sit on the system chain
    const system = await chainRows('system');
    assert.deepEqual(
      system.map((r) => [r.action, r.target_type, r.actor]),
      [
        ['deploy', 'definition', 'henan.admin'],
        ['deploy', 'definition', null],
      ],
    );

    const result = await verifyAuditLog(knex);
    assert.equal(result.problem, null);
    assert.equal(result.chains, instanceIds.length + 1);
    assert.equal(result.rows, audited.length + system.length);
  });

  it('should find an edited field at its row', async function () {
    const chainId = instanceChainId(instanceIds[0]!);
    const { saved, result, all } = await tampered(chainId, async () => {
      await knex('audit_log').where({ chain_id: chainId, seq: 3 }).update({ actor: 'mallory' });
    });
    assert.deepEqual(
      { kind: result.problem?.kind, seq: result.problem?.seq, id: result.problem?.id },
      { kind: 'edited', seq: 3, id: Number(saved[2]!.id) },
    );
    assert.equal(all.problem?.chainId, chainId);
  });

  it('should find an edited row whose hash was recomputed, by the next row that still links to the old hash', async function () {
    const chainId = instanceChainId(instanceIds[1]!);
    const { saved, result } = await tampered(chainId, async (rows) => {
      const fields = { ...auditFieldsFromRow(rows[1]!), actor: 'mallory' };
      await knex('audit_log')
        .where({ id: rows[1]!.id })
        .update({ actor: 'mallory', row_hash: hashAuditRow(fields) });
    });
    assert.deepEqual(
      { kind: result.problem?.kind, seq: result.problem?.seq, id: result.problem?.id },
      { kind: 'edited', seq: 2, id: Number(saved[1]!.id) },
    );
  });

  it('should find a deleted row by the gap it leaves, and a deleted last row by its history row', async function () {
    const chainId = instanceChainId(instanceIds[2]!);
    const gap = await tampered(chainId, async () => {
      await knex('audit_log').where({ chain_id: chainId, seq: 2 }).delete();
    });
    assert.deepEqual(
      { kind: gap.result.problem?.kind, seq: gap.result.problem?.seq, chain: gap.result.problem?.chainId },
      { kind: 'deleted', seq: 2, chain: chainId },
    );

    const tail = await tampered(chainId, async (rows) => {
      await knex('audit_log')
        .where({ id: rows[rows.length - 1]!.id })
        .delete();
    });
    assert.equal(tail.result.problem?.kind, 'missing');
    assert.equal(tail.result.problem?.chainId, chainId);
    const last = tail.saved[tail.saved.length - 1]!;
    const historyRow = await knex('history_events')
      .where({ instance_id: instanceIds[2], seq: last.history_seq, idx: last.history_idx })
      .first();
    assert.equal(tail.result.problem?.historyId, Number(historyRow.id));
  });

  it('should find two rows whose contents were swapped', async function () {
    const chainId = instanceChainId(instanceIds[3]!);
    const { saved, result } = await tampered(chainId, async (rows) => {
      const [a, b] = [rows[1]!, rows[2]!];
      const contentOf = (r: Row) => {
        const { id: _id, ...content } = r;
        return content;
      };
      await knex('audit_log')
        .where({ id: a.id })
        .update({ ...contentOf(b), seq: -1, history_seq: null });
      await knex('audit_log').where({ id: b.id }).update(contentOf(a));
      await knex('audit_log').where({ id: a.id }).update(contentOf(b));
    });
    // seq 2 now sits in the row with the higher id (the old seq 3)
    assert.deepEqual(
      { kind: result.problem?.kind, seq: result.problem?.seq, id: result.problem?.id },
      { kind: 'swapped', seq: 2, id: Number(saved[2]!.id) },
    );
  });

  it('should find a forged row slipped into the middle of a chain with a correct hash', async function () {
    const chainId = instanceChainId(instanceIds[4]!);
    let forgedId = 0;
    const { result } = await tampered(chainId, async (rows) => {
      // make room at seq 3 (highest first, so UNIQUE(chain_id, seq) never trips), then insert a well-formed row
      for (const row of [...rows].reverse().filter((r) => Number(r.seq) >= 3))
        await knex('audit_log')
          .where({ id: row.id })
          .update({ seq: Number(row.seq) + 1 });
      const fields = {
        ...auditFieldsFromRow(rows[2]!),
        prev_hash: String(rows[1]!.row_hash),
        seq: 3,
        action: 'TASK_COMPLETED',
        actor: 'mallory',
        history_seq: null,
        history_idx: null,
      };
      await knex('audit_log').insert({ ...fields, at: new Date(fields.at), row_hash: hashAuditRow(fields) });
      forgedId = Number((await knex('audit_log').where({ chain_id: chainId, seq: 3 }).first()).id);
    });
    assert.deepEqual(
      { kind: result.problem?.kind, seq: result.problem?.seq, id: result.problem?.id },
      { kind: 'inserted', seq: 3, id: forgedId },
    );
  });

  it('should verify clean again after the tampering tests put the rows back', async function () {
    assert.equal((await verifyAuditLog(knex)).problem, null);
  });

  it('should record the request context (request, user, org, roles) when the store has one', async function () {
    // given a store whose audit context is a request
    let ctx: AuditContext | undefined = {
      requestId: 'req-0001',
      userId: 'zhongmou.treasury.reviewer',
      orgCode: '410122-CZ',
      roles: ['reviewer', 'clerk'],
    };
    const engine = engineWith({ auditContext: () => ctx });

    // when it starts an instance inside the request and outside it
    const inside = await engine.startInstance('auditSingle');
    ctx = undefined;
    const outside = await engine.startInstance('auditSingle', { initiator: 'zhongmou.school1.clerk' });

    // then
    const insideRows = await chainRows(instanceChainId(inside.id));
    assert.ok(insideRows.length > 1);
    for (const r of insideRows)
      assert.deepEqual(
        [r.request_id, r.actor, r.org_code, r.roles],
        ['req-0001', 'zhongmou.treasury.reviewer', '410122-CZ', 'reviewer,clerk'],
      );
    const outsideStart = (await chainRows(instanceChainId(outside.id))).find(
      (r) => r.action === 'INSTANCE_STARTED',
    );
    assert.deepEqual([outsideStart?.request_id, outsideStart?.org_code], [null, null]);
    assert.equal((await verifyAuditLog(knex)).problem, null);
  });

  it('should chain with SM3 when configured, verify, and give hashes that differ from SHA-256', async function () {
    // given
    const engine = engineWith({ auditHash: 'sm3' });

    // when
    const instance = await engine.startInstance('auditSingle');
    const [task] = await t.openTasks(instance.id);
    await engine.completeTask(task!.id, { actor: 'zhongmou.treasury.reviewer' });

    // then
    const rows = await chainRows(instanceChainId(instance.id));
    assert.ok(rows.length > 2);
    assert.deepEqual([...new Set(rows.map((r) => r.hash_alg))], ['sm3']);
    const fields = auditFieldsFromRow(rows[0]!);
    assert.equal(hashAuditRow(fields), rows[0]!.row_hash);
    assert.notEqual(hashAuditRow({ ...fields, hash_alg: 'sha256' }), rows[0]!.row_hash);
    const result = await verifyAuditLog(knex, { chainId: instanceChainId(instance.id) });
    assert.equal(result.problem, null);
    assert.equal(result.algorithms.sm3, rows.length);
    // and an edit is found in SM3 chains too
    const { result: broken } = await tampered(instanceChainId(instance.id), async () => {
      await knex('audit_log')
        .where({ chain_id: instanceChainId(instance.id), seq: 2 })
        .update({ action: 'X' });
    });
    assert.deepEqual([broken.problem?.kind, broken.problem?.seq], ['edited', 2]);
  });

  it('should leave no audit row behind a command that rolled back', async function () {
    // given an instance and a change set that claims an old version
    const instance = await t.engine.startInstance('auditSingle');
    const chainId = instanceChainId(instance.id);
    const before = await chainRows(chainId);
    const snapshot = (await t.infrastructure.store.loadInstance(instance.id))!;
    const stale = {
      instance: { ...snapshot.instance, version: snapshot.instance.version + 1, status: 'canceled' as const },
      expectedVersion: snapshot.instance.version - 1,
      executionsInserted: [],
      executionsUpdated: [],
      executionsDeleted: [],
      variablesSet: {},
      tasksInserted: [],
      tasksUpdated: [],
      taskCandidatesReplaced: [],
      jobsInserted: [],
      jobsUpdated: [],
      incidentsInserted: [],
      incidentsUpdated: [],
      subscriptionsInserted: [],
      subscriptionsDeleted: [],
      messagesInserted: [],
      messagesConsumed: [],
      guardedJobUpdates: [],
      carbonCopiesInserted: [],
      openTaskDelta: 0,
      history: [
        {
          type: 'INSTANCE_CANCELED' as const,
          elementId: null,
          elementType: null,
          executionId: null,
          taskId: null,
          actor: 'x',
          at: clock.now(),
          data: null,
        },
      ],
    };

    // when / then
    await assert.rejects(t.infrastructure.store.commit(stale), { code: 'CONCURRENT_MODIFICATION' });
    assert.deepEqual(
      (await chainRows(chainId)).map((r) => r.id),
      before.map((r) => r.id),
    );

    // and a system change whose transaction fails takes its audit row and head with it
    const systemBefore = await chainRows('system');
    await assert.rejects(
      knex.transaction(async (trx) => {
        await appendSystemAudit(trx, { action: 'user.update', targetType: 'user', targetId: 'gongyi.clerk' });
        throw new Error('the user change failed');
      }),
      /the user change failed/,
    );
    assert.equal((await chainRows('system')).length, systemBefore.length);
    assert.equal((await verifyAuditLog(knex)).problem, null);
  });

  it('should append system changes under the chain head lock, and find a cut tail by the head row', async function () {
    // when two user changes are audited at once
    const results = await Promise.all(
      ['gongyi.clerk', 'gongyi.reviewer'].map((userId) =>
        appendSystemAudit(knex, {
          action: 'user.update',
          targetType: 'user',
          targetId: userId,
          actor: 'henan.admin',
          before: { disabled: false },
          after: { disabled: true },
          context: { requestId: `req-${userId}`, userId: 'henan.admin', roles: ['admin'] },
        }),
      ),
    );

    // then they take consecutive seqs and the head follows
    const seqs = results.map((r) => r.seq).sort((a, b) => a - b);
    assert.equal(seqs[1]! - seqs[0]!, 1);
    const head = await knex('audit_chain_heads').where({ chain_id: 'system' }).first();
    assert.equal(Number(head.seq), seqs[1]);
    assert.equal((await verifyAuditLog(knex, { chainId: 'system' })).problem, null);
    await assert.rejects(
      appendSystemAudit(knex, { action: 'x', targetType: 'user', targetId: 'u', chainId: 'instance:abc' }),
      /system audit chain/,
    );

    // and deleting the newest system row shows against the head row
    const { result } = await tampered('system', async (rows) => {
      await knex('audit_log')
        .where({ id: rows[rows.length - 1]!.id })
        .delete();
    });
    assert.deepEqual([result.problem?.kind, result.problem?.seq], ['deleted', seqs[1]]);
  });
});
