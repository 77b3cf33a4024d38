/**
 * Service-task handlers of the fiscal processes, keyed by `fiscal:taskType`. Each process folder adds its
 * own; the engine runs them as queue jobs with retries (see engine/core/engine.ts).
 */
import type { ServiceHandler } from '../engine/index.js';

export const serviceHandlers: Record<string, ServiceHandler> = {};
