/**
 * A seeded fault schedule (reliability.md §6 scenario 29): picks a fault kind and its parameters from the seed,
 * injects it into the cluster, waits a seeded interval, and again, until stopped. Every kind listed stays in the
 * schedule for the whole run (the Zeebe lesson, §1.2: a fault type once added is never dropped). Faults run one
 * after another; a kill includes the respawn, a pause or a latency window includes its duration.
 */
import type { ChaosCluster } from './chaos-cluster.js';
import { between, randomStream } from './chaos-seed.js';

export type ScheduledFault =
  'kill-worker' | 'kill-api' | 'redis-restart' | 'mysql-reset' | 'latency' | 'pause';

export const ALL_FAULTS: readonly ScheduledFault[] = [
  'kill-worker',
  'kill-api',
  'redis-restart',
  'mysql-reset',
  'latency',
  'pause',
];

export interface FaultScheduleOptions {
  readonly seed: number;
  readonly kinds: readonly ScheduledFault[];
  /** Pause between two faults, drawn in [min, max] ms. */
  readonly intervalMs: readonly [number, number];
  /** Added latency (default 500 ms) and how long it lasts, drawn in [min, max] ms (default 2–6 s). */
  readonly latencyMs?: number;
  readonly latencyWindowMs?: readonly [number, number];
  /** SIGSTOP duration in seconds (default 10). */
  readonly pauseSeconds?: number;
}

export interface RunningSchedule {
  /** Stops after the fault in progress; resolves when it is over. */
  stop(): Promise<void>;
  /** Rejects if a fault could not be injected (e.g. a respawned process did not come up). */
  readonly done: Promise<void>;
}

export function runFaultSchedule(cluster: ChaosCluster, options: FaultScheduleOptions): RunningSchedule {
  const random = randomStream(options.seed, 'schedule');
  let stopped = false;
  let wake: (() => void) | undefined;
  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const done = (async () => {
    while (!stopped) {
      await nap(between(random, options.intervalMs[0], options.intervalMs[1]));
      if (stopped) break;
      const kind = options.kinds[between(random, 0, options.kinds.length - 1)]!;
      await inject(cluster, kind, random, options);
    }
  })();
  return {
    done,
    async stop() {
      stopped = true;
      wake?.();
      await done;
    },
  };
}

async function inject(
  cluster: ChaosCluster,
  kind: ScheduledFault,
  random: () => number,
  options: FaultScheduleOptions,
): Promise<void> {
  switch (kind) {
    case 'kill-worker':
      return cluster.killWorker();
    case 'kill-api':
      return cluster.killApi();
    case 'redis-restart':
      return cluster.restartRedis();
    case 'mysql-reset':
      return cluster.resetMysqlConnections();
    case 'latency': {
      const [min, max] = options.latencyWindowMs ?? [2000, 6000];
      const store = random() < 0.5 ? 'mariadb' : 'redis';
      return cluster.addLatency(store, options.latencyMs ?? 500, between(random, min, max));
    }
    case 'pause':
      return cluster.pause(options.pauseSeconds ?? 10);
  }
}
