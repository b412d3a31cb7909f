import type { CommandSpec, Sample } from './measure.js';
import type { Summary } from './stats.js';

/** One contender in a case: fleet or a baseline, run as a child process. */
export interface Tool {
  /** Stable id, e.g. `fleet`, `ssh2-naive`, `pssh`. */
  id: string;
  /** What the row says, e.g. `fleet exec -f 100`. */
  label: string;
  fleet: boolean;
  /** Runs for this tool (default: the bench's --runs); slow baselines may take fewer. */
  runs?: number;
  /** The command of one run (called per run, so it may point at fresh paths). */
  command: () => CommandSpec;
  /** Untimed set-up before each run (e.g. remove the files the last run uploaded). */
  prepare?: () => Promise<void>;
  /** Why a finished run does not count (wrong exit code, missing output), or undefined. */
  check?: (sample: Sample) => string | undefined;
}

/** A tool that could not run in this case, with the reason shown in the report. */
export interface SkippedTool {
  id: string;
  label: string;
  fleet: boolean;
  reason: string;
}

export interface Measurement {
  id: string;
  label: string;
  fleet: boolean;
  /** Wall times of the runs that counted. */
  summary: Summary;
  /** Peak RSS (MiB) over the runs that counted, max; null when not measured. */
  peakRssMiB: number | null;
  /** Median client CPU seconds (user + sys of the tool's processes; not the servers'). */
  cpuS: number | null;
  /** Median CPU seconds of the lab's sshds during a run (server side); null without a lab. */
  serverCpuS: number | null;
  samples: {
    wallMs: number;
    exitCode: number | null;
    maxRssKb: number | null;
    cpuS: number | null;
    serverCpuS: number | null;
    error?: string;
  }[];
  failures: number;
  skipped?: string;
  /** Not run: derived from other measurements of this run, as described. */
  estimated?: string;
}

/** One row group of the report: a case at one host count and RTT, fleet and baselines. */
export interface CaseResult {
  /** e.g. `exec-100-rtt50`; targets look results up by it. */
  key: string;
  caseId: string;
  title: string;
  hosts: number;
  rttMs: number;
  /** The id of the fleet measurement the ratios divide (default `fleet`). */
  reference?: string;
  measurements: Measurement[];
  notes: string[];
}
