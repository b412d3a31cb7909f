import type { FleetErrorCode } from './errors.js';
import type { HostStatus, RunSummary } from './result.js';

/** Version of the event schema; bumped on any incompatible change (jsonl consumers check it). */
export const EVENT_SCHEMA_VERSION = 2;

/**
 * The gates a host passes through, in order. `done` is reached by every host, whatever its
 * outcome; the `exit` event that follows it carries the outcome.
 */
export type HostPhase = 'queued' | 'connecting' | 'authenticated' | 'running' | 'done';

/**
 * The timed phases of one host's work, for `host_phase` events (`-v`): `tcp` socket open,
 * `banner` the server's SSH identification received, `kex` key exchange done and host key
 * verified, `auth` authenticated, `channel` the command's session channel open, `exit` the
 * command ran until its exit status. A reused connection reports no connect phases.
 */
export type HostTimingPhase = 'tcp' | 'banner' | 'kex' | 'auth' | 'channel' | 'exit';

/** A selected host as events name it. `host` is always the inventory name. */
export interface HostRef {
  host: string;
  address: string;
  port: number;
  user: string;
}

/**
 * The step of a `fleet run` an event belongs to: its 0-based position in the steps list and its
 * name. Absent outside steps runs, so renderers that ignore it keep working.
 */
export interface StepRef {
  index: number;
  name: string;
}

/**
 * How `data` of a stdout/stderr event is encoded. Absent: the bytes were valid UTF-8 and `data`
 * is that text. `base64`: they were not (binary output, a stray Latin-1 byte), and `data` is the
 * exact bytes in base64, so no consumer ever sees a host's output altered.
 */
export type OutputEncoding = 'base64';

/**
 * Which shard of a sharded run (`--shard K/N`) an event comes from: `index` counts from 1, and
 * `planHash` identifies the split (same selection, same N, same algorithm), so that `fleet
 * report` merges only shards of one plan.
 */
export interface ShardRef {
  index: number;
  total: number;
  planHash: string;
}

/**
 * The shard as run_start describes it: also the number of hosts in the whole plan and this
 * shard's hosts' 0-based positions in the whole selection (run_start's `hosts` order), so a
 * merge can restore inventory order and count hosts of shards that never reported.
 */
export interface ShardStart extends ShardRef {
  hostCount: number;
  positions: number[];
}

/** An error as it travels in events and JSON: code and message only (never secrets or stacks). */
export interface ErrorInfo {
  code: FleetErrorCode;
  message: string;
}

/**
 * Everything fleet reports while it runs. Plain JSON values: the jsonl renderer writes them as
 * they are, and tests assert on them. `t` is milliseconds since the run started.
 */
export type FleetEvent =
  | {
      type: 'run_start';
      version: number;
      command: string;
      started: string;
      hosts: HostRef[];
      /** A steps run's steps, in order (`fleet run` only): lets a view show `step 2/5`. */
      steps?: StepRef[];
      /** Sharded runs only (`--shard`): the run id all shards share, the shard, the scheduler's attempt (1 = first). */
      runId?: string;
      shard?: ShardStart;
      attempt?: number;
    }
  | { type: 'host_state'; host: string; state: HostPhase; t: number; step?: StepRef }
  | {
      /** One phase of a host's work ended: how long it took (0.1 ms resolution), and when (`t`). */
      type: 'host_phase';
      host: string;
      phase: HostTimingPhase;
      durationMs: number;
      t: number;
      step?: StepRef;
    }
  | { type: 'stdout'; host: string; data: string; encoding?: OutputEncoding }
  | { type: 'stderr'; host: string; data: string; encoding?: OutputEncoding }
  | {
      type: 'exit';
      host: string;
      status: HostStatus;
      exitCode: number | null;
      signal: string | null;
      durationMs: number;
      error?: ErrorInfo;
      step?: StepRef;
    }
  | {
      /** A transfer's progress on one host: at most every 250 ms, and once when it ends. */
      type: 'transfer_progress';
      host: string;
      /** Bytes acknowledged by the receiver so far, and the total to send (files found unchanged excluded). */
      bytes: number;
      totalBytes: number;
      /** Files done so far, of the total. */
      files: number;
      totalFiles: number;
      /** Average rate since the transfer started, bytes per second. */
      rate: number;
      /** Estimated time left at that rate; null until there is a rate. */
      etaMs: number | null;
    }
  | {
      type: 'summary';
      summary: RunSummary;
      durationMs: number;
      failed: { host: string; status: HostStatus; reason: string }[];
      /** Sharded runs only, as on run_start. */
      runId?: string;
      shard?: ShardRef;
      attempt?: number;
    };

/** The one event sink: a function. Renderers are objects built around one. */
export type EventSink = (event: FleetEvent) => void;

/** The `type` values, for exhaustive switches. */
export type FleetEventType = FleetEvent['type'];
