/**
 * `fiscal-bpm worker`: extra engine workers (service tasks, timers, routing) against the same database and
 * Redis as the API processes. Stops on SIGINT/SIGTERM after the jobs in flight.
 */
import type { Config } from './config.js';
import { openRuntime } from './runtime.js';
import { openInboxEventBus } from './events/bus.js';
import { waitForSignal } from './cli/signals.js';

export async function runWorker(config: Config): Promise<number> {
  // routing and timers committed here notify the browsers too (through Redis when REDIS_URL is set)
  const bus = await openInboxEventBus(config);
  const runtime = await openRuntime(config, {
    onInboxEvents: (events) => void bus.publish(events).catch(() => undefined),
  });
  const stopped = waitForSignal();
  await runtime.engine.startWorkers({
    serviceConcurrency: config.SERVICE_CONCURRENCY,
    sweepOnStart: runtime.infrastructure.volatileQueue,
  });
  runtime.logger.info({ queue: config.REDIS_URL ? 'bull' : 'in-process' }, 'fiscal-bpm worker running');
  await stopped;
  runtime.logger.info('stopping: finishing jobs in flight');
  await runtime.close();
  await bus.close();
  return 0;
}
