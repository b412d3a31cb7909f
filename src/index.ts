/**
 * fleet's public API. Named exports only; `package.json` "exports" points here, and
 * test/unit/exports.test.ts pins the list so a change to it is deliberate.
 */
export { AuthError, FleetError, HostKeyError, InventoryError, StepsError, isFleetError, toFleetError } from './errors.js';
export type { AuthAttempt, FleetErrorCode, FleetErrorContext, InventoryLocation } from './errors.js';
export { EVENT_SCHEMA_VERSION } from './events.js';
export type { ErrorInfo, EventSink, FleetEvent, FleetEventType, HostPhase, HostRef, HostTimingPhase, ShardRef, ShardStart, StepRef } from './events.js';
export type { EventIteratorOptions, FleetEventOf } from './event-stream.js';
export { HOST_STATUSES, statusOfError, statusOfExec, summarize } from './result.js';
export type { ExecOutput, FailureStatus, HostResult, HostStatus, RunReport, RunSummary, SuccessStatus, TransferOutput } from './result.js';
export { DEFAULT_MAX_OUTPUT_BYTES, Fleet, openFleet } from './fleet.js';
export type { FleetExecOptions, FleetOptions } from './fleet.js';
export type { FleetRunOptions } from './operations/run.js';
export { connect, Session } from './session.js';
export type { SessionExecOptions, SessionExecResult, SessionGetOptions, SessionOptions, SessionPutOptions } from './session.js';
export { loadStepsFile } from './steps/load-steps.js';
export { LOCAL_HOST } from './steps/local-phase.js';
export type { Step, StepAction, StepGate, StepKind, StepsFile } from './steps/model.js';
export type { StepInput } from './steps/normalize-steps.js';
export type { StepInfo, StepOutcome, StepSkip, StepsHostResult, StepsOutput, StepsReport } from './steps/outcome.js';
export type { Template, TemplateFilter, TemplatePart } from './steps/template.js';
export { resolveHostSelection } from './selection.js';
export type { HostSelectionOptions } from './selection.js';
export { loadInventory, selectHosts, parseAdHocHosts, expandHostlist, foldHostnames } from './inventory/index.js';
export type { HostSpec, Inventory, InventoryGroup, LoadInventoryOptions } from './inventory/index.js';
export { parseDuration, formatDuration } from './duration.js';
export { followDirectory, mergeFiles, mergeStream, planHash, planShards, resolveRunId, resolveShard, schedulerAttempt, selectShard, ShardMerger, shardOf, SHARD_ALGORITHM } from './shard/index.js';
export type { MergeResult, MergeWarn, ShardPlan, ShardSelection, ShardSpec } from './shard/index.js';
export { createRenderer, OUTPUT_MODES } from './render/create-renderer.js';
export { streamsOutputFlow } from './output-flow.js';
export type { FlowStream, OutputFlow } from './output-flow.js';
export type { OutputMode } from './render/create-renderer.js';
export type { Renderer, TextSink } from './render/renderer.js';
export type { HostKeyPolicy } from './transport/index.js';
