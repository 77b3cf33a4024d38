import assert from 'node:assert/strict';

import { InProcessWorkQueue } from '../../../engine/adapters/memory/in-process-work-queue.js';
import { CONTRACT_RETRY_OPTIONS, describeWorkQueueContract, sleep, waitFor } from './work-queue-contract.js';

describe('adapters/memory/in-process-work-queue', function () {
  describeWorkQueueContract('InProcessWorkQueue', async () => new InProcessWorkQueue(CONTRACT_RETRY_OPTIONS));

  describe('when the retention window is full', function () {
    it('should forget the oldest finished jobId and run it again', async function () {
      // given
      const queue = new InProcessWorkQueue({
        ...CONTRACT_RETRY_OPTIONS,
        removeOnComplete: { age: 60, count: 2 },
      });
      const finished: string[] = [];
      queue.consume('notify', async (m) => {
        finished.push(m.jobId);
      });
      for (const jobId of ['a', 'b', 'c']) {
        await queue.publish({ queue: 'notify', jobId, data: {} });
        await waitFor(() => finished.includes(jobId));
      }
      await sleep(1); // the queue records 'c' as finished a few microtasks after its handler returns

      // when
      await queue.publish({ queue: 'notify', jobId: 'a', data: {} });
      await queue.publish({ queue: 'notify', jobId: 'c', data: {} });
      await queue.publish({ queue: 'notify', jobId: 'sentinel', data: {} });
      await waitFor(() => finished.includes('sentinel'));
      await queue.close();

      // then
      assert.deepEqual(finished, ['a', 'b', 'c', 'a', 'sentinel']);
    });
  });

  describe('#consume', function () {
    it('should NOT accept a second consumer for the same queue', async function () {
      // given
      const queue = new InProcessWorkQueue();
      queue.consume('service', async () => {});

      // then
      assert.throws(() => queue.consume('service', async () => {}), /already has one/);
      await queue.close();
    });
  });
});
