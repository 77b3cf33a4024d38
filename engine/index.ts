/**
 * fiscal-bpm engine: the public API. The server, the CLI, the benchmarks and the tests use only what is
 * exported here (and the adapters they choose to compose).
 */
export { createEngine, Engine } from './core/engine.js';
export { BpmnError } from './core/bpmn-error.js';
export type {
  CorrelateOptions,
  CorrelationResult,
  DefinitionStatistics,
  DeployedProcess,
  DiagramState,
  ElementCounts,
  ElementStatistics,
  EngineOptions,
  InstanceView,
  Logger,
  ServiceHandler,
  ServiceJobContext,
  StartOptions,
  WorkerOptions,
} from './core/api-types.js';
export * from './core/errors.js';
export type { Clock } from './core/ports/clock.js';
export { systemClock } from './core/ports/clock.js';
export type { InstanceQuery, ProcessStore, TaskQuery } from './core/ports/store.js';
export type { QueueMessage, QueueName, WorkQueue } from './core/ports/work-queue.js';
export type {
  HistoryEventType,
  IncidentRecord,
  InstanceRecord,
  StoredHistoryRecord,
  TaskRecord,
} from './core/runtime/records.js';
export type { Problem } from './core/model/problem.js';
export { loadModel, formatProblem } from './core/model/load-model.js';
export type { ReturnTarget, CompletedStep } from './core/operations/return.js';
export type { SignerMode } from './core/operations/signers.js';
export { APPROVAL_OPERATIONS } from './core/model/types.js';
export type { ApprovalOperation } from './core/model/types.js';
export type { RouteRequest, RouteResult, TaskRouter } from './core/ports/task-router.js';
export type { InboxEvent, InboxEventType } from './core/inbox-events.js';
export { replayHistory, type ReplayInput } from './core/replay/replay-history.js';
export type {
  Divergence,
  DivergenceKind,
  ReplayReport,
  UnverifiedDecision,
} from './core/replay/replay-report.js';
export type { RouteRecord } from './core/runtime/route-record.js';
