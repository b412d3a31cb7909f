import type { FleetErrorCode } from './errors.js';
import type { HostStatus, RunSummary } from './result.js';

/** Version of the event schema; bumped on any incompatible change (jsonl consumers check it). */
export const EVENT_SCHEMA_VERSION = 1;

/**
 * The gates a host passes through, in order. `done` is reached by every host, whatever its
 * outcome; the `exit` event that follows it carries the outcome.
 */
export type HostPhase = 'queued' | 'connecting' | 'authenticated' | 'running' | 'done';

/** A selected host as events name it. `host` is always the inventory name. */
export interface HostRef {
  host: string;
  address: string;
  port: number;
  user: string;
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
  | { type: 'run_start'; version: number; command: string; started: string; hosts: HostRef[] }
  | { type: 'host_state'; host: string; state: HostPhase; t: number }
  | { type: 'stdout'; host: string; data: string }
  | { type: 'stderr'; host: string; data: string }
  | {
      type: 'exit';
      host: string;
      status: HostStatus;
      exitCode: number | null;
      signal: string | null;
      durationMs: number;
      error?: ErrorInfo;
    }
  | { type: 'summary'; summary: RunSummary; durationMs: number; failed: { host: string; status: HostStatus; reason: string }[] };

/** The one event sink: a function. Renderers are objects built around one. */
export type EventSink = (event: FleetEvent) => void;

/** The `type` values, for exhaustive switches. */
export type FleetEventType = FleetEvent['type'];
