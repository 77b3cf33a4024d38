/** Bench knobs from the environment (all optional); see bench/README.md. */
import type { BenchConfig } from './types.js';

function number(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

/** A whole number that may be 0 (e.g. a count that can be switched off). */
function count(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`${name} must be a whole number (0 or more), got "${raw}"`);
  return value;
}

function list(name: string, fallback: readonly number[]): readonly number[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const values = raw.split(',').map((v) => Number(v.trim()));
  if (values.some((v) => !Number.isInteger(v) || v <= 0))
    throw new Error(`${name} must be a comma-separated list of whole numbers, got "${raw}"`);
  return values;
}

export function readConfig(): BenchConfig {
  const scaleRaw = (process.env.BENCH_SCALE ?? 'small').trim();
  if (scaleRaw !== 'small' && scaleRaw !== 'full')
    throw new Error(`BENCH_SCALE must be small or full, got "${scaleRaw}"`);
  const full = scaleRaw === 'full';
  const scenarios = process.env.BENCH_SCENARIOS?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    scale: scaleRaw,
    durationS: number('BENCH_DURATION_S', full ? 60 : 20),
    warmupS: number('BENCH_WARMUP_S', full ? 10 : 5),
    clients: Math.round(number('BENCH_CLIENTS', 8)),
    processCounts: process.env.BENCH_PROCESSES?.trim() === 'none' ? [] : list('BENCH_PROCESSES', [2, 4]),
    poolMax: process.env.BENCH_POOL_MAX ? Math.round(number('BENCH_POOL_MAX', 8)) : undefined,
    peerDurationS: number('BENCH_PEER_DURATION_S', full ? 20 : 8),
    peerConcurrency: Math.round(number('BENCH_PEER_CONCURRENCY', 100)),
    memoryCounts: list('BENCH_MEMORY_COUNTS', full ? [10_000, 100_000] : [2_000, 20_000]),
    memoryTouches: Math.round(number('BENCH_MEMORY_TOUCHES', 200)),
    timers: Math.round(number('BENCH_TIMERS', full ? 100_000 : 10_000)),
    timerWindowS: number('BENCH_TIMERS_WINDOW_S', full ? 300 : 60),
    timerBurst: count('BENCH_TIMERS_BURST', full ? 10_000 : 1_000),
    timerLeadS: process.env.BENCH_TIMERS_LEAD_S ? number('BENCH_TIMERS_LEAD_S', 60) : undefined,
    timerProcesses: Math.round(number('BENCH_TIMER_PROCESSES', 1)),
    timerConcurrency: Math.round(number('BENCH_TIMER_CONCURRENCY', 8)),
    timerCpuProfile: process.env.BENCH_TIMER_CPU_PROF === '1',
    scenarios: scenarios && scenarios.length > 0 ? scenarios : undefined,
    keepDatabase: process.env.BENCH_KEEP_DB === '1',
  };
}
