/**
 * RedisInboxEventBus on the real Redis: two buses (two processes) on one prefix see each other's events, a bus on
 * another prefix does not, unreadable messages on the channel are counted and skipped, and a bus whose Redis is
 * away fails its PING at once instead of queueing.
 */
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import type { InboxEvent } from '../../../engine/index.js';
import { RedisInboxEventBus, inboxEventChannel } from '../../../server/events/redis-bus.js';
import { REDIS_URL, uniqueName, waitFor } from '../../helpers/engine-harness.js';

const event = (users: string[]): InboxEvent => ({
  type: 'task.opened',
  instanceId: 'i-1',
  taskId: 't-1',
  elementId: 'review',
  users,
  roles: [],
  at: Date.parse('2026-03-02T01:00:00.000Z'),
});

describe('server/events/redis-bus', function () {
  this.timeout(10_000);
  const prefix = uniqueName('fbpm_bus');
  const buses: RedisInboxEventBus[] = [];
  const open = async (p = prefix) => {
    const bus = await RedisInboxEventBus.open({ redisUrl: REDIS_URL, prefix: p });
    buses.push(bus);
    return bus;
  };
  after(async () => Promise.all(buses.map((b) => b.close())));

  it('should deliver an event published by one process to every process on the prefix, itself included', async () => {
    const [a, b, elsewhere] = [await open(), await open(), await open(uniqueName('fbpm_bus'))];
    const seen: Record<string, InboxEvent[]> = { a: [], b: [], elsewhere: [] };
    a.subscribe((e) => seen.a!.push(e));
    b.subscribe((e) => seen.b!.push(e));
    elsewhere.subscribe((e) => seen.elsewhere!.push(e));

    await a.publish([event(['u1']), event(['u2'])]);
    await waitFor(() => seen.a!.length === 2 && seen.b!.length === 2, 'both events on both buses');
    assert.deepEqual(
      seen.b!.map((e) => e.users),
      [['u1'], ['u2']],
    );
    assert.deepEqual(seen.b![0], event(['u1']));
    assert.equal(seen.elsewhere!.length, 0);
  });

  it('should skip and count messages on the channel that are not events, and stop after unsubscribe', async () => {
    const bus = await open();
    const seen: InboxEvent[] = [];
    const unsubscribe = bus.subscribe((e) => seen.push(e));
    const raw = new Redis(REDIS_URL);
    try {
      await raw.publish(inboxEventChannel(prefix), 'not json');
      await raw.publish(
        inboxEventChannel(prefix),
        JSON.stringify({ ...event(['u1']), type: 'task.exploded' }),
      );
      await raw.publish(inboxEventChannel(prefix), JSON.stringify(event(['u3'])));
      await waitFor(() => seen.length === 1, 'the one valid event');
      assert.deepEqual(seen[0]!.users, ['u3']);
      assert.equal(bus.errorCount, 2);

      unsubscribe();
      await bus.publish([event(['u4'])]);
      const witness: InboxEvent[] = [];
      bus.subscribe((e) => witness.push(e));
      await bus.publish([event(['u5'])]);
      await waitFor(() => witness.some((e) => e.users[0] === 'u5'), 'the witness event');
      assert.equal(seen.length, 1, 'the unsubscribed listener got nothing more');
    } finally {
      raw.disconnect();
    }
  });

  it('should fail PING at once when Redis is not reachable', async () => {
    const bus = new RedisInboxEventBus({ redisUrl: 'redis://127.0.0.1:1', prefix });
    try {
      await assert.rejects(bus.ping());
      await assert.rejects(bus.publish([event(['u1'])]));
    } finally {
      await bus.close();
    }
  });
});
