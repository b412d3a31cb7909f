/**
 * The CLI's one way into the library: the public API (index.ts) plus the few internals the
 * command line needs to present results (renderers' helpers, rerun files, rollout parsing). The
 * layering rule (eslint no-restricted-imports, docs/architecture.md): src/cli imports nothing
 * else outside src/cli.
 */
export { parseDuration } from './duration.js';
export { FleetError, isFleetError, type FleetErrorCode } from './errors.js';
export { EVENT_SCHEMA_VERSION, type ErrorInfo, type EventSink, type FleetEvent } from './events.js';
export { openFleet, type Fleet, type FleetExecOptions, type FleetOptions } from './fleet.js';
export { describeHosts, hostsDocument, resolveInventoryPaths, type HostOverrides, type HostRow, type HostSpec } from './inventory/index.js';
export { hostKeyProblem, statusOfHostKey, type FleetHostKeysOptions, type HostKeyOutput, type HostKeyState } from './operations/hostkeys.js';
export { type PingOutput } from './operations/ping.js';
export { streamsOutputFlow, type FlowStream, type OutputFlow } from './output-flow.js';
export { createRenderer } from './render/create-renderer.js';
export { escapeTerminal } from './render/escape.js';
export { OUTPUT_MODES, type OutputMode } from './render/output-mode.js';
export { StringSink, type Renderer, type TextSink } from './render/renderer.js';
export { createStyle, shouldUseColor, type Style } from './render/style.js';
export { formatSummary } from './render/summary.js';
export { readRerunFile, writeRerunFile, type RerunRecord } from './rerun.js';
export { statusOfError, statusOfExec, summarize, type ExecOutput, type HostStatus, type RunReport, type RunSummary, type TransferOutput } from './result.js';
export { HOST_KEY_POLICY } from './run/connect-target.js';
export { type HostCount } from './run/rollout.js';
export { resolveHostSelection, type HostSelectionOptions } from './selection.js';
export { loadStepsFile } from './steps/load-steps.js';
export { isStepSuccess, type StepsReport } from './steps/outcome.js';
export { isShellName } from './shell-quote.js';
export { type HostKeyPolicy } from './transport/transport.js';
export { formatDuration } from './duration.js';
export { inventoryFromHosts, loadInventory, selectHosts } from './inventory/index.js';
export { htmlDocument, ReportCollector } from './render/html/index.js';
export { JsonlRenderer } from './render/jsonl.js';
export { createRedactor, type Redact, sshDebugPrinter, VerboseRenderer } from './render/verbose.js';
export { recordedLimits, rerunFileFor, type RerunSelection, selectionMismatch } from './rerun.js';
export { emptySummary } from './result.js';
export { journalPath, type JournalState, JournalWriter, readJournal } from './shard/journal.js';
export { followDirectory, mergeFiles, mergeStream } from './shard/merge-sources.js';
export { type MergeResult, ShardMerger } from './shard/merge.js';
export { planShards, selectShard, type ShardPlan } from './shard/plan.js';
export { requireRunId, resolveShard, schedulerAttempt, type ShardSpec } from './shard/shard-env.js';
export { listShardFiles } from './shard/shard-files.js';
export { type ShardRunInfo, ShardStream } from './shard/shard-stream.js';
export { shardOutPath, SyncFileSink } from './shard/sync-file-sink.js';
export { createSshTransport } from './transport/index.js';
export { createKeeperTransport, keeperStatus, stopKeeper } from './transport/keeper/keeper-transport.js';
