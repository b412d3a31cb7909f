import { resolve } from 'node:path';
import type { EventSink } from '../events.js';
import type { RunReport, TransferOutput } from '../result.js';
import { runHosts } from '../run/run-hosts.js';
import { getFiles } from '../tasks/get.js';
import { normalizeRemotePath } from '../tasks/transfer-paths.js';
import { TransferResources } from '../tasks/transfer-shared.js';
import { mayBeTemplate } from '../steps/template.js';
import { perHostText } from '../steps/host-values.js';
import { hostRunOptions, type OperationContext } from './context.js';
import { classifyTransfer } from './put.js';

/** Options of `Fleet.get`. */
export interface FleetGetOptions {
  /** Narrows the fleet's hosts for this call. */
  limit?: string;
  /** Get a directory and everything below it (`-r`); without it a remote directory fails the host. */
  recursive?: boolean;
  /** Check each download against the sha256 the host computes. Default true. */
  verify?: boolean;
  /** Per-host bound on the whole get; the host ends `timeout`, its temps removed. */
  timeoutMs?: number;
  /** Whole-run bound. */
  deadlineMs?: number;
  /** Aborting stops transfers (hosts end `interrupted`, temps removed). */
  signal?: AbortSignal;
  /** Aborting starts no new hosts; running ones finish (first Ctrl-C). */
  drain?: AbortSignal;
  onEvent?: EventSink;
  /** Where a relative `localDir` resolves. Default `process.cwd()`. */
  cwd?: string;
}

/**
 * Fetches `remote` from every host of `ctx` into `localDir/<host>/`. Downloads are hashed as
 * they arrive, in the worker pool, and compared with the sha256 each host computes meanwhile.
 */
export async function getOperation(ctx: OperationContext, remote: string, localDir: string, opts: FleetGetOptions): Promise<RunReport<TransferOutput>> {
  // `{{ host }}`, `{{ vars.log }}`...: filled per host; checked per host once filled.
  const remoteFor = perHostText(remote, 'path', 'remote path');
  if (!mayBeTemplate(remote)) normalizeRemotePath(remote); // a usage error before any host is contacted
  const dir = resolve(opts.cwd ?? process.cwd(), localDir);
  const verify = opts.verify ?? true;
  const shared = new TransferResources();
  try {
    return await runHosts<TransferOutput>({
      label: `get ${remote} ${localDir}`,
      ...hostRunOptions(ctx, opts),
      classify: classifyTransfer,
      task: ({ conn, host, signal, emit }) => getFiles(conn, { remote: remoteFor(host), localDir: dir, recursive: opts.recursive ?? false, verify }, { signal, emit, shared }),
    });
  } finally {
    await shared.close();
  }
}
