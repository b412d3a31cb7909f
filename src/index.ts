/**
 * fleet's public API. Named exports only; `package.json` "exports" points here, and
 * test/unit/exports.test.ts pins the list so a change to it is deliberate.
 */
export { AuthError, FleetError, HostKeyError, InventoryError, isFleetError, toFleetError } from './errors.js';
export type { AuthAttempt, FleetErrorCode, FleetErrorContext, InventoryLocation } from './errors.js';
export { EVENT_SCHEMA_VERSION } from './events.js';
export type { ErrorInfo, EventSink, FleetEvent, FleetEventType, HostPhase, HostRef } from './events.js';
export { HOST_STATUSES, statusOfError, statusOfExec, summarize } from './result.js';
export type { ExecOutput, HostResult, HostStatus, RunReport, RunSummary } from './result.js';
export { DEFAULT_MAX_OUTPUT_BYTES, Fleet, openFleet } from './fleet.js';
export type { FleetExecOptions, FleetOptions } from './fleet.js';
export { resolveHostSelection } from './selection.js';
export type { HostSelectionOptions } from './selection.js';
export { loadInventory, selectHosts, parseAdHocHosts, expandHostlist, foldHostnames } from './inventory/index.js';
export type { HostSpec, Inventory, InventoryGroup, LoadInventoryOptions } from './inventory/index.js';
export { parseDuration, formatDuration } from './duration.js';
export { createRenderer, OUTPUT_MODES } from './render/create-renderer.js';
export type { OutputMode } from './render/create-renderer.js';
export type { Renderer, TextSink } from './render/renderer.js';
export type { HostKeyPolicy } from './transport/index.js';
