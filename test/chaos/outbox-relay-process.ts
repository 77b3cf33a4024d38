/**
 * A relay process for the outbox crash test (test/chaos/outbox-relay-crash.test.ts, reliability.md §6.16): connects
 * to the database and Bull given in the environment, prints `ready`, and on a line on stdin runs one pass of the
 * engine's outbox relay (`Engine.relayOutbox`: select unpublished jobs, `queue.add` each, then one UPDATE of
 * `published_at`). The test reaches MariaDB through a proxy that swallows that UPDATE and SIGKILLs this process,
 * so it dies after every add was acknowledged and before anything is marked published.
 *
 * Each add acknowledged by Redis is printed as `published <bull job id>`, so the test knows what each killed relay
 * had handed to the queue. The process consumes nothing.
 */
import { createEngine, type WorkQueue } from '../../engine/index.js';
import { openInfrastructure } from '../../engine/adapters/index.js';

const infrastructure = await openInfrastructure({
  databaseUrl: process.env.DATABASE_URL!,
  redisUrl: process.env.REDIS_URL!,
  queuePrefix: process.env.QUEUE_PREFIX!,
  migrate: false,
  poolMax: 2,
});
const inner = infrastructure.queue;
const reporting: WorkQueue = {
  async publish(message) {
    await inner.publish(message);
    process.stdout.write(`published ${message.jobId}\n`);
  },
  consume: (queue, handler, options) => inner.consume(queue, handler, options),
  isReady: () => inner.isReady(),
  close: () => inner.close(),
};
const engine = createEngine({
  store: infrastructure.store,
  queue: reporting,
  relay: { intervalMs: 3_600_000, graceMs: 0, horizonMs: 3_600_000 },
});
// open the database connection now, so the relay pass starts at once when asked
await infrastructure.knex.raw('select 1');
process.stdout.write('ready\n');
process.stdin.once('data', () => {
  void (async () => {
    const relayed = await engine.relayOutbox();
    process.stdout.write(`relayed ${relayed}\n`);
    await infrastructure.close();
    process.exit(0);
  })();
});
