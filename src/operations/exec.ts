import type { EventSink } from '../events.js';
import { statusOfExec, type ExecOutput, type HostResult, type RunReport } from '../result.js';
import type { HostOutcome } from '../run/host-run.js';
import { runHosts } from '../run/run-hosts.js';
import { execTask } from '../tasks/exec.js';
import type { OperationContext } from './context.js';

/** Default cap on captured output per host and stream: 1 MiB. */
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

/** Options of `Fleet.exec`. */
export interface FleetExecOptions {
  /** Narrows the fleet's hosts for this command. */
  limit?: string;
  /** Per-host command bound; the remote command is killed and the host ends `timeout`. */
  timeoutMs?: number;
  /** Whole-run bound. */
  deadlineMs?: number;
  /** Aborting stops running commands (hosts end `interrupted`). */
  signal?: AbortSignal;
  /** Aborting starts no new hosts; running ones finish (first Ctrl-C). */
  drain?: AbortSignal;
  onEvent?: EventSink;
  /** Cap per host and stream on captured and reported output. Default 1 MiB. */
  maxOutputBytes?: number;
  /** Keep output in the report's results. Default true; events carry it either way. */
  capture?: boolean;
}

/** Runs one command on every host of `ctx`; resolves to the total report. */
export function execOperation(ctx: OperationContext, command: string, opts: FleetExecOptions): Promise<RunReport<ExecOutput>> {
  const maxOutputBytes = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  return runHosts<ExecOutput>({
    label: command,
    hosts: ctx.hosts,
    forks: ctx.forks,
    connections: ctx.connections,
    timeoutMs: opts.timeoutMs,
    deadlineMs: opts.deadlineMs,
    signal: opts.signal,
    drain: opts.drain,
    onEvent: opts.onEvent,
    classify: classifyExec,
    task: ({ conn, host, signal, emit }) =>
      execTask(conn, {
        command,
        signal,
        maxOutputBytes,
        capture: opts.capture ?? true,
        onStdout: (data) => emit({ type: 'stdout', host: host.name, data }),
        onStderr: (data) => emit({ type: 'stderr', host: host.name, data }),
      }),
  });
}

/** An exec result's status (ok or failed by exit code, else its error's) and how it ended. */
export function classifyExec(result: HostResult<ExecOutput>): HostOutcome {
  return {
    status: statusOfExec(result),
    exitCode: result.ok ? result.value.exitCode : null,
    signal: result.ok ? result.value.signal : null,
  };
}
