/**
 * The data a report embeds: everything the page shows, already computed, in plain JSON. The
 * collector builds it from events; the client script only draws it. Times are milliseconds
 * since the run started, as in events.
 */
import type { DiffHunks } from './line-diff.js';

/** The `host_phase` event (DESIGN: phase timings); read when a run's events carry it. */
export interface HostPhaseEvent {
  type: 'host_phase';
  host: string;
  phase: 'tcp' | 'banner' | 'kex' | 'auth' | 'channel' | 'exit';
  durationMs: number;
  /** When the phase ended, ms since the run started. */
  t: number;
  step?: { index: number; name: string } | undefined;
}

/**
 * One bar piece of a host's timeline. `wait` is queued for a fork slot, `connect` the whole
 * connection set-up when no finer phases were recorded, `tcp`..`auth` and `channel`/`exit`
 * the phases of host_phase events, `run` a command, `transfer` a put/get.
 */
export type SegmentKind = 'wait' | 'connect' | 'tcp' | 'banner' | 'kex' | 'auth' | 'channel' | 'run' | 'transfer' | 'exit';

/** A timeline piece: [kind, start, end, step index or -1]. Tuples keep 1,000 hosts small. */
export type Segment = [SegmentKind, number, number, number];

/** One step's outcome on a host (steps runs): [status, exit code, duration ms]. */
export type StepCell = [string, number | null, number];

/** One host in the report. */
export interface ReportHost {
  host: string;
  address: string;
  user: string;
  port: number;
  status: string;
  exitCode: number | null;
  signal: string | null;
  /** The host's total time (sum of its steps' in a steps run). */
  durationMs: number;
  errorCode: string | null;
  errorMessage: string | null;
  segments: Segment[];
  /** Steps runs only: one cell per step, null where the host never reached it. */
  steps: (StepCell | null)[] | null;
  /** put/get only: [bytes, total bytes, files, total files, average rate in bytes/s]. */
  transfer: [number, number, number, number, number] | null;
  /** Index into ReportData.groups, or -1 when the host printed nothing. */
  group: number;
}

/** Hosts whose output and outcome were identical. */
export interface ReportGroup {
  /** Folded host names (`lab[001-097,099]`). */
  label: string;
  count: number;
  outcome: string;
  /** The output as kept (head and tail when it was long), stdout and stderr merged. */
  text: string;
  /** True when the middle of at least one member's output was cut. */
  cut: boolean;
  /** The diff of this group's lines against the largest group's; null for the largest itself. */
  diff: DiffHunks | null;
}

/** Facts about the run that events do not carry; the CLI fills them in. */
export interface ReportMeta {
  /** The selection as the user gave it (`-i hosts.yaml -l 'web*'`). */
  selection?: string | undefined;
  /** `user@machine` that ran fleet. */
  ranBy?: string | undefined;
  /** The process exit code fleet returned. */
  exitCode?: number | undefined;
}

/** Everything the page shows. */
export interface ReportData {
  version: 1;
  command: string;
  started: string;
  durationMs: number;
  selection: string | null;
  ranBy: string | null;
  exitCode: number | null;
  /** Counts per status, in summary order, zero counts left out. */
  summary: [string, number][];
  steps: string[] | null;
  hosts: ReportHost[];
  groups: ReportGroup[];
  /** Per-host output cap the report was built with (characters). */
  outputCap: number;
}
