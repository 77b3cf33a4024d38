/**
 * An engine command whose COMMIT goes through but whose answer is lost (drop-after-COMMIT through the fault proxy):
 * the engine's own retry must recognise its committed changes and answer the command's success — not a conflict
 * with itself ("task already completed") — with the step applied exactly once.
 */
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { createEngine, type Engine } from '../../engine/index.js';
import {
  connectDatabase,
  dropMysqlDatabase,
  ensureMysqlDatabase,
  migrateLatest,
  openInfrastructure,
  type Infrastructure,
} from '../../engine/adapters/index.js';
import { MYSQL_ROOT_URL, uniqueName } from '../helpers/engine-harness.js';
import { singleTask } from '../helpers/bpmn-builder.js';
import { FaultProxy } from './fault-proxy.js';

describe('chaos/ambiguous commit of an engine command [MariaDB, through the fault proxy]', function () {
  this.timeout(60_000);
  const name = uniqueName('fbpm_amb');
  const directUrl = `${MYSQL_ROOT_URL}/${name}`;
  let proxy: FaultProxy;
  let direct: Knex;
  let infrastructure: Infrastructure;
  let engine: Engine;

  before(async () => {
    await ensureMysqlDatabase(directUrl);
    direct = connectDatabase({ url: directUrl, poolMax: 2 });
    await migrateLatest(direct);
    proxy = await FaultProxy.startForMysql(MYSQL_ROOT_URL);
    infrastructure = await openInfrastructure({
      databaseUrl: proxy.urlThrough(directUrl),
      poolMax: 4,
      migrate: false,
    });
    engine = createEngine({ store: infrastructure.store, queue: infrastructure.queue });
    await engine.deploy(singleTask('ambiguous'));
  });
  after(async () => {
    proxy?.heal();
    await engine?.stop();
    await infrastructure?.close();
    await direct?.destroy();
    await proxy?.close();
    await dropMysqlDatabase(directUrl);
  });

  it('should answer success for a completion whose COMMIT answer was lost, and complete it once', async () => {
    const completed: string[] = [];
    for (let i = 0; i < 20; i++) {
      const instance = await engine.startInstance('ambiguous', { initiator: 'wang' });
      const [task] = await engine.listTasks({ instanceId: instance.id });
      proxy.dropAfterCommit(1);
      const done = await engine.completeTask(task!.id, { actor: 'wang' });
      assert.equal(done.id, task!.id);
      completed.push(instance.id);
    }
    proxy.heal();
    const rows = await direct('history_events')
      .whereIn('instance_id', completed)
      .where({ type: 'TASK_COMPLETED' })
      .count({ n: '*' })
      .first();
    assert.equal(Number(rows?.n), 20, 'each task completed exactly once');
    const statuses = await direct('process_instances').whereIn('id', completed).pluck('status');
    assert.deepEqual([...new Set(statuses)], ['completed']);
    assert.ok(proxy.stats.commitsDropped >= 20, `${proxy.describe()}`);
  });
});
