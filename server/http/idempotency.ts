/** Idempotency-Key handling (to be written: stored responses in the database). Passes through for now. */
import type { IdempotencyStore } from '../services.js';

export class PassThroughIdempotency implements IdempotencyStore {
  async run(
    _scope: { userId: string; key: string; method: string; path: string; fingerprint: string },
    execute: () => Promise<{ status: number; body: unknown }>,
  ): Promise<{ status: number; body: unknown; replayed: boolean }> {
    return { ...(await execute()), replayed: false };
  }
}
