/**
 * Outbox marks (`jobs.published_at`) of the jobs commands publish are written together a moment later, as one
 * UPDATE (engine/core/outbox/published-marks.ts): not one durable transaction more per command. Each published job is
 * still marked, soon and before the engine stops, so the relay does not publish it again.
 */
import assert from 'node:assert/strict';
import {
  FLUSH_AFTER_MS,
  PublishedMarks,
  type PublishedMark,
} from '../../../../engine/core/outbox/published-marks.js';
import {
  createTestEngine,
  forEachBackend,
  type TestEngine,
  waitFor,
} from '../../../helpers/engine-harness.js';
import { serviceChain } from '../../../helpers/bpmn-builder.js';

describe('durability/published-marks (buffer)', function () {
  it('writes the marks of a moment as one write, the latest publish time standing for all', async function () {
    const writes: { ids: string[]; at: number }[] = [];
    const marks = new PublishedMarks(async (m, at) => {
      writes.push({ ids: m.map((x) => x.id), at });
    });
    const mark = (id: string): PublishedMark => ({ id, attempt: 1, publishSeq: 0 });
    marks.add([mark('a'), mark('b')], 1000);
    marks.add([mark('c')], 1005);
    assert.deepEqual(writes, [], 'nothing written at once');
    await new Promise((r) => setTimeout(r, FLUSH_AFTER_MS * 3));
    assert.deepEqual(writes, [{ ids: ['a', 'b', 'c'], at: 1005 }]);
    marks.add([mark('d')], 2000);
    await marks.flush();
    assert.deepEqual(writes[1], { ids: ['d'], at: 2000 }, 'flush writes what waits');
    await marks.flush();
    assert.equal(writes.length, 2, 'an empty flush writes nothing');
  });

  it('writes at once when many marks wait', async function () {
    let written = 0;
    const marks = new PublishedMarks(async (m) => {
      written += m.length;
    });
    marks.add(
      Array.from({ length: 600 }, (_, i) => ({ id: `j${i}`, attempt: 1, publishSeq: 0 })),
      1,
    );
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    assert.equal(written, 600);
  });
});

forEachBackend('durability/published-marks (engine)', (backend) => {
  let t: TestEngine;
  beforeEach(async function () {
    t = await createTestEngine(backend);
    await t.engine.deploy(serviceChain('marksChain', 1, 'test.none'));
  });
  afterEach(() => t?.close());

  it('marks the jobs of many commands with a few UPDATEs, soon, and all of them by stop', async function () {
    const markStatements: string[] = [];
    const onQuery = (q: { sql: string }) => {
      if (
        /^update `?jobs`? set `?published_at/i.test(q.sql.trim()) ||
        /^update "jobs" set "published_at"/i.test(q.sql.trim())
      )
        markStatements.push(q.sql);
    };
    t.infrastructure.knex.on('query', onQuery);
    const ids = await Promise.all(
      Array.from({ length: 20 }, async () => (await t.engine.startInstance('marksChain')).id),
    );
    const unmarked = async () =>
      Number(
        (
          await t.infrastructure
            .knex('jobs')
            .whereIn('instance_id', ids)
            .whereNull('published_at')
            .count({ n: '*' })
            .first()
        )?.n,
      );
    await waitFor(async () => (await unmarked()) === 0, 'every job marked', 5000);
    t.infrastructure.knex.off('query', onQuery);
    assert.ok(markStatements.length >= 1, 'marked');
    assert.ok(markStatements.length < 20, `${markStatements.length} UPDATEs for 20 commands`);

    // and what waits is written when the engine stops
    const late = await t.engine.startInstance('marksChain');
    await t.engine.stop();
    const [job] = await t.infrastructure.knex('jobs').where({ instance_id: late.id });
    assert.notEqual(job.published_at, null);
  });
});
