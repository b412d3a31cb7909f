/**
 * Batch trust-on-first-use (`fleet hostkeys scan|accept`): read every host's key with a
 * key-exchange-only probe (no authentication to the host), classify it against the run's
 * known_hosts, and append the unknown ones, atomically and under the store's lock. A changed or
 * revoked key is reported, never written.
 */
import { connectTargetOf } from '../run/connect-target.js';
import type { EventSink } from '../events.js';
import { runHosts } from '../run/run-hosts.js';
import { FleetError, HostKeyError, toFleetError } from '../errors.js';
import type { HostSpec } from '../inventory/host-spec.js';
import { statusOfError, summarize, withStatus, type HostResult, type HostStatus, type RunReport, type TaskResult } from '../result.js';
import { fingerprintSha256, IN_MEMORY_FILE, type KnownHostsEntry, type KnownHostsLookup, type KnownHostsStatus } from '../transport/index.js';
import { hostRunOptions, type OperationContext } from './context.js';

/** A host key against known_hosts: `added` is an unknown key that `accept` just wrote. */
export type HostKeyState = 'known' | 'unknown' | 'changed' | 'revoked' | 'added';

/** One host's key, as scanned. */
export interface HostKeyOutput {
  /** Where the key was read: the address and port connected to (behind jump hosts: as the last one reaches it). */
  address: string;
  port: number;
  /** The known_hosts name: `address`, or `[address]:port` off port 22. */
  name: string;
  keyType: string;
  fingerprint: string;
  /** The public key blob, base64, as known_hosts holds it. */
  key: string;
  state: HostKeyState;
  /** The known_hosts line that decided (`file:line`): the match, the pinned other key, or the @revoked line. */
  knownAt?: string;
}

/** Options of `Fleet.scanHostKeys`. */
export interface FleetHostKeysOptions {
  /** Narrows the fleet's hosts for this call. */
  limit?: string;
  /** Whole-scan bound. */
  deadlineMs?: number;
  signal?: AbortSignal;
}

const STATE_OF: Record<KnownHostsStatus, HostKeyState> = { match: 'known', unknown: 'unknown', mismatch: 'changed', revoked: 'revoked' };

/** The status a scanned host counts as: ok unless its key changed or was revoked, or it could not be scanned. */
export function statusOfHostKey(result: TaskResult<HostKeyOutput> | HostResult<HostKeyOutput>): HostStatus {
  if ('status' in result) return result.status;
  if (!result.ok) return statusOfError(result.error.code);
  return result.value.state === 'changed' || result.value.state === 'revoked' ? 'hostkey' : 'ok';
}

/**
 * Scans every host of `ctx` (at most `forks` at once) through the same engine as exec
 * (runHosts): the same run_start, host_state, exit and summary events. Resolves to the total
 * report, in inventory order.
 */
export function scanHostKeysOperation(ctx: OperationContext, opts: FleetHostKeysOptions & { onEvent?: EventSink | undefined }): Promise<RunReport<HostKeyOutput>> {
  return runHosts<HostKeyOutput>({
    label: 'hostkeys scan',
    ...hostRunOptions(ctx, opts),
    classify: (result) => ({ status: statusOfHostKey(result), exitCode: null, signal: null }),
    task: { probe: ({ host, signal }) => scanOne(ctx, host, signal) },
  });
}

/**
 * Appends the `unknown` keys of `scan` to the known_hosts write file (one line each, atomically,
 * under the lock; a host pinned by someone else meanwhile is reported as that file says). Every
 * other result is passed through. Throws FLEET_CONFIG_INVALID when the run has no file to write.
 */
export async function acceptHostKeysOperation(ctx: OperationContext, scan: RunReport<HostKeyOutput>): Promise<RunReport<HostKeyOutput>> {
  const knownHosts = ctx.knownHosts;
  if (knownHosts.writeFile === undefined) {
    throw new FleetError('FLEET_CONFIG_INVALID', 'no known_hosts file to write to (give one with --known-hosts)');
  }
  const startedAt = new Date();
  const t0 = performance.now();
  const results = await Promise.all(
    scan.results.map(async (result): Promise<TaskResult<HostKeyOutput> | HostResult<HostKeyOutput>> => {
      if (!result.ok || result.value.state !== 'unknown') return result;
      const scanned = result.value;
      const t = performance.now();
      const done = (value: HostKeyOutput): TaskResult<HostKeyOutput> => ({ host: result.host, ok: true, value, durationMs: Math.round(performance.now() - t) });
      try {
        const after = await knownHosts.add(scanned.address, scanned.port, { type: scanned.keyType, blob: Buffer.from(scanned.key, 'base64') });
        if (after.status === 'match' && after.entry?.file === IN_MEMORY_FILE) {
          throw new FleetError('FLEET_LOCAL_IO', `${result.host}: could not write ${knownHosts.writeFile}; the key was not saved`, { host: result.host });
        }
        const state = after.status === 'match' ? 'added' : STATE_OF[after.status];
        return done({ ...scanned, state, ...located(after) });
      } catch (error) {
        return { host: result.host, ok: false, error: toFleetError(error, result.host), durationMs: Math.round(performance.now() - t) };
      }
    }),
  );
  return report('hostkeys accept', startedAt, t0, results);
}

async function scanOne(ctx: OperationContext, host: HostSpec, signal: AbortSignal): Promise<HostKeyOutput> {
  const key = await ctx.connections.scanHostKey(connectTargetOf(host), signal);
  const lookup = ctx.knownHosts.lookup(host.address, host.port, key);
  return {
    address: host.address,
    port: host.port,
    name: lookup.name,
    keyType: key.type,
    fingerprint: fingerprintSha256(key.blob),
    key: key.blob.toString('base64'),
    state: STATE_OF[lookup.status],
    ...located(lookup),
  };
}

function located(lookup: KnownHostsLookup): { knownAt?: string } {
  const entry: KnownHostsEntry | undefined = lookup.entry;
  return entry === undefined ? {} : { knownAt: `${entry.file}:${entry.line}` };
}

function report(command: string, startedAt: Date, t0: number, results: (TaskResult<HostKeyOutput> | HostResult<HostKeyOutput>)[]): RunReport<HostKeyOutput> {
  const final = results.map((r): HostResult<HostKeyOutput> => ('status' in r ? r : withStatus<HostKeyOutput, TaskResult<HostKeyOutput>>(r, statusOfHostKey(r))));
  return {
    command,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    results: final,
    summary: summarize(final.map((r) => r.status)),
  };
}

/** The HostKeyError a changed or revoked scan result stands for (its message carries the remedy). */
export function hostKeyProblem(host: string, value: HostKeyOutput): HostKeyError | undefined {
  if (value.state !== 'changed' && value.state !== 'revoked') return undefined;
  const where = value.knownAt ? ` (${value.knownAt})` : '';
  const message =
    value.state === 'revoked'
      ? `host key of ${host} (${value.name}) is REVOKED${where}: ${value.keyType} ${value.fingerprint}; never accepted`
      : `host key of ${host} (${value.name}) has CHANGED: the server presents ${value.keyType} ${value.fingerprint}, but${where} pins another. ` +
        `Verify out of band; if expected, remove the old key with: ssh-keygen -R '${value.name}'`;
  return new HostKeyError(value.state === 'revoked' ? 'FLEET_HOSTKEY_REVOKED' : 'FLEET_HOSTKEY_CHANGED', message, host, value.port, value.keyType, value.fingerprint);
}
