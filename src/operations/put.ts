import type { EventSink } from '../events.js';
import { statusOfTransfer, type RunReport, type TaskResult, type TransferOutput } from '../result.js';
import type { HostOutcome } from '../run/host-run.js';
import { runHosts } from '../run/run-hosts.js';
import { putFiles } from '../tasks/put.js';
import { planPut } from '../tasks/transfer-plan.js';
import { TransferResources } from '../tasks/transfer-shared.js';
import { perHostText } from '../steps/host-values.js';
import { hostRunOptions, type OperationContext } from './context.js';

/** Options of `Fleet.put`. */
export interface FleetPutOptions {
  /** Narrows the fleet's hosts for this call. */
  limit?: string;
  /** Send directories and everything below them (`-r`); without it a directory source is an error. */
  recursive?: boolean;
  /** Permission bits for every file sent (`--mode 0644`); default: each local file's own. */
  mode?: number;
  /** Leave files whose target already has the same size and sha256 (status `unchanged`, no data sent). */
  skipUnchanged?: boolean;
  /** Check each upload's sha256 on the host before it replaces the target. Default true. */
  verify?: boolean;
  /** Per-host bound on the whole put; the host ends `timeout`, its temps removed. */
  timeoutMs?: number;
  /** Whole-run bound. */
  deadlineMs?: number;
  /** Aborting stops transfers (hosts end `interrupted`, temps removed). */
  signal?: AbortSignal;
  /** Aborting starts no new hosts; running ones finish (first Ctrl-C). */
  drain?: AbortSignal;
  onEvent?: EventSink;
  /** Where relative local sources resolve. Default `process.cwd()`. */
  cwd?: string;
}

/**
 * Sends `sources` to `remote` on every host of `ctx`. The local side is read before any host is
 * contacted: a missing source or a directory without `recursive` rejects with FLEET_USAGE. Each
 * file is read from disk once for all hosts and hashed once, in a worker, while it uploads.
 */
export async function putOperation(ctx: OperationContext, sources: readonly string[], remote: string, opts: FleetPutOptions): Promise<RunReport<TransferOutput>> {
  // `{{ host }}`, `{{ vars.dir }}`...: filled per host, as they are (a path is not shell).
  const remoteFor = perHostText(remote, 'path', 'remote path');
  const plan = await planPut(sources, { recursive: opts.recursive ?? false, ...(opts.cwd !== undefined && { cwd: opts.cwd }) });
  const verify = opts.verify ?? true;
  const skipUnchanged = opts.skipUnchanged ?? false;
  const shared = new TransferResources();
  try {
    if (verify || skipUnchanged) {
      shared.prefetch(plan.sources.flatMap((s) => s.entries.flatMap((e) => (e.kind === 'file' ? [e.local] : []))));
    }
    return await runHosts<TransferOutput>({
      label: `put ${sources.join(' ')} ${remote}`,
      ...hostRunOptions(ctx, opts),
      classify: classifyTransfer,
      task: async ({ conn, host, signal, emit }) => {
        const output = await putFiles(conn, { plan, remote: remoteFor(host), mode: opts.mode, skipUnchanged, verify }, { signal, emit, shared });
        output.warnings.unshift(...plan.warnings);
        return output;
      },
    });
  } finally {
    await shared.close();
  }
}

/** A transfer's status: `unchanged` when every file was already in place, else ok, or its error's. */
export function classifyTransfer(result: TaskResult<TransferOutput>): HostOutcome {
  return { status: statusOfTransfer(result), exitCode: null, signal: null };
}
