/**
 * The seed of a chaos run: CHAOS_SEED from the environment replays a run, otherwise a fresh one. Every random
 * choice of the runner (which fault, when, which process) comes from generators derived from it, so a failing
 * run printed with its seed can be run again with the same schedule.
 */
import { seededRandom } from '../fault-proxy.js';

export function chaosSeed(): number {
  const fromEnv = process.env.CHAOS_SEED;
  if (fromEnv !== undefined && fromEnv !== '') {
    const seed = Number(fromEnv);
    if (!Number.isSafeInteger(seed)) throw new Error(`CHAOS_SEED must be an integer, not ${fromEnv}`);
    return seed;
  }
  return Math.floor(Math.random() * 2 ** 31);
}

/** An independent generator for one purpose (`stream`), so adding a random choice elsewhere keeps the others. */
export function randomStream(seed: number, stream: string): () => number {
  let h = seed >>> 0;
  for (const ch of stream) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return seededRandom(h);
}

/** An integer in [min, max] from `random`. */
export function between(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}
