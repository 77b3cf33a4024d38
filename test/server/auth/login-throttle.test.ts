/**
 * The login throttle's counters: fixed windows per key, cleared on success, and the fall-back to in-process
 * counters when Redis cannot be reached (neither open nor closed).
 */
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { LoginThrottle, MemoryCounterStore, RedisCounterStore } from '../../../server/auth/login-throttle.js';

const LIMITS = { perAccount: 3, perAddress: 5, windowMs: 60_000 };

describe('auth/login-throttle', () => {
  it('should refuse an account after its failures until the window ends, then allow it again', async () => {
    const throttle = new LoginThrottle(new MemoryCounterStore(), LIMITS);
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) await throttle.recordFailure('a.user', `10.0.0.${i}`, t0 + i);
    const refused = await throttle.check('A.User', '10.9.9.9', t0 + 10_000);
    assert.deepEqual(refused, { allowed: false, retryAfterS: 50 });
    assert.deepEqual(await throttle.check('other.user', '10.9.9.9', t0 + 10_000), { allowed: true });
    assert.deepEqual(await throttle.check('a.user', '10.9.9.9', t0 + 60_001), { allowed: true });
  });

  it('should refuse an address after its failures on any accounts; success clears only the account', async () => {
    const throttle = new LoginThrottle(new MemoryCounterStore(), LIMITS);
    for (let i = 0; i < 5; i++) await throttle.recordFailure(`guess.${i}`, '10.1.1.1', 0);
    assert.equal((await throttle.check('fresh.user', '10.1.1.1', 1)).allowed, false);
    assert.equal((await throttle.check('fresh.user', '10.1.1.2', 1)).allowed, true);
    await throttle.recordSuccess('guess.0');
    assert.equal((await throttle.check('guess.0', '10.1.1.1', 1)).allowed, false);
  });

  it('should fall back to in-process counters when Redis is unreachable', async function () {
    this.timeout(10_000);
    const redis = new Redis('redis://127.0.0.1:1', {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    redis.on('error', () => undefined);
    const throttle = new LoginThrottle(new RedisCounterStore(redis, 'test:login:'), LIMITS);
    try {
      for (let i = 0; i < 3; i++) await throttle.recordFailure('down.user', '10.2.2.2', 0);
      const verdict = await throttle.check('down.user', '10.2.2.3', 1);
      assert.equal(verdict.allowed, false);
    } finally {
      await throttle.close();
    }
  });
});
