import type { FleetError, FleetErrorCode } from './errors.js';

/**
 * The final status of one host. `failed` means the command ran and exited non-zero; every other
 * non-ok status means it could not run or finish. `error` covers channel, transfer and local
 * failures that have no more specific status. `lost` appears only in merged shard reports and
 * retried shards: the host's command may have started, its outcome is unknown (never re-run).
 */
export type HostStatus =
  | 'ok'
  | 'failed'
  | 'timeout'
  | 'unreachable'
  | 'auth'
  | 'hostkey'
  | 'error'
  | 'skipped'
  | 'interrupted'
  | 'unchanged'
  | 'lost';

/** Statuses in the order summaries list them. */
export const HOST_STATUSES: readonly HostStatus[] = [
  'ok',
  'unchanged',
  'failed',
  'timeout',
  'unreachable',
  'auth',
  'hostkey',
  'error',
  'lost',
  'skipped',
  'interrupted',
];

/** What one command produced on one host. A non-zero exit is a result, not an error. */
export interface ExecOutput {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** True when captured output hit the per-host cap and was cut. */
  truncated: boolean;
}

/** What a transfer (`put` or `get`) did on one host. */
export interface TransferOutput {
  /** Regular files transferred or found unchanged (directories and symlinks are not counted). */
  files: number;
  /** Bytes sent (put) or received (get); files found unchanged add nothing. */
  bytes: number;
  /** Files already identical on the target (`--skip-unchanged`: same size and sha256): no data sent. */
  unchanged: number;
  /** sha256 of every file, keyed by its destination path (remote for put, local for get). */
  sha256: Record<string, string>;
  /** How files were checked: sha256 (the default), size only (no sha256 tool on the host), none (`--no-verify`). */
  verified: 'sha256' | 'size' | 'none';
  /** What the user should know although the host succeeded (e.g. verified by size only). */
  warnings: string[];
}

/** The status of a transfer result: `unchanged` when every file was already in place, else ok or the error's. */
export function statusOfTransfer(result: TaskResult<TransferOutput> | HostResult<TransferOutput>): HostStatus {
  if ('status' in result) return result.status;
  if (!result.ok) return statusOfError(result.error.code);
  const { files, unchanged } = result.value;
  return files > 0 && unchanged === files ? 'unchanged' : 'ok';
}

/** The statuses of a host that succeeded: `ok`, and `unchanged` (a transfer that found every file in place). */
export type SuccessStatus = 'ok' | 'unchanged';

/** Every other status: the host did not succeed. */
export type FailureStatus = Exclude<HostStatus, SuccessStatus>;

/** True for the statuses of a host that succeeded (see SuccessStatus). */
export function isSuccessStatus(status: HostStatus): status is SuccessStatus {
  return status === 'ok' || status === 'unchanged';
}

/**
 * One host's outcome. `status` is its final status and `ok` is true exactly when that status is
 * a success (`ok`, or `unchanged` for a transfer): a command that exited 1 is `ok: false`,
 * `status: 'failed'`. `value` is there whenever the task ran (a failed command's output too);
 * `error` whenever it could not run or finish. Narrow with `ok` (then `value` is there) or with
 * `error` (`r.error ? r.error.code : r.value`).
 */
export type HostResult<T> =
  | { host: string; status: SuccessStatus; ok: true; value: T; error?: undefined; durationMs: number }
  | { host: string; status: FailureStatus; ok: false; value: T; error?: undefined; durationMs: number }
  | { host: string; status: FailureStatus; ok: false; value?: undefined; error: FleetError; durationMs: number };

/**
 * A task's raw outcome before it is classified (internal to runs): a value when the task ran, a
 * FleetError when it could not run or finish. {@link withStatus} turns it into a HostResult.
 */
export type TaskResult<T> =
  | { host: string; ok: true; value: T; durationMs: number }
  | { host: string; ok: false; error: FleetError; durationMs: number };

/** The HostResult of a classified task result (extra fields, as a steps result's, are kept). */
export function withStatus<T, R extends TaskResult<T>>(result: R, status: HostStatus): Omit<R, 'ok'> & HostResult<T> {
  return { ...result, status, ok: isSuccessStatus(status) } as unknown as Omit<R, 'ok'> & HostResult<T>;
}

/** Counts per status, plus the total number of selected hosts. */
export type RunSummary = Record<HostStatus, number> & { total: number };

/** The whole run: one result per selected host, in inventory order. */
export interface RunReport<T> {
  command: string;
  startedAt: string;
  durationMs: number;
  results: HostResult<T>[];
  summary: RunSummary;
}

const STATUS_BY_CODE: Partial<Record<FleetErrorCode, HostStatus>> = {
  FLEET_AUTH_FAILED: 'auth',
  FLEET_KEY_INVALID: 'auth',
  FLEET_CANCELLED: 'interrupted',
  FLEET_CONNECT_REFUSED: 'unreachable',
  FLEET_CONNECT_TIMEOUT: 'unreachable',
  FLEET_CONNECTION_LOST: 'unreachable',
  FLEET_DNS: 'unreachable',
  FLEET_HANDSHAKE_FAILED: 'unreachable',
  FLEET_UNREACHABLE: 'unreachable',
  FLEET_HOSTKEY_CHANGED: 'hostkey',
  FLEET_HOSTKEY_REVOKED: 'hostkey',
  FLEET_HOSTKEY_UNKNOWN: 'hostkey',
  FLEET_HOST_LOST: 'lost',
  FLEET_SKIPPED: 'skipped',
  FLEET_TIMEOUT: 'timeout',
};

/** The status a failure to run maps to. */
export function statusOfError(code: FleetErrorCode): HostStatus {
  return STATUS_BY_CODE[code] ?? 'error';
}

/** The status of an exec result: ok or failed by exit code, or the error's status. */
export function statusOfExec(result: TaskResult<ExecOutput> | HostResult<ExecOutput>): HostStatus {
  if ('status' in result) return result.status;
  if (!result.ok) return statusOfError(result.error.code);
  return result.value.exitCode === 0 ? 'ok' : 'failed';
}

/** An all-zero summary. */
export function emptySummary(): RunSummary {
  const summary = { total: 0 } as RunSummary;
  for (const status of HOST_STATUSES) summary[status] = 0;
  return summary;
}

/** Counts statuses. */
export function summarize(statuses: Iterable<HostStatus>): RunSummary {
  const summary = emptySummary();
  for (const status of statuses) {
    summary[status] += 1;
    summary.total += 1;
  }
  return summary;
}
