import type { EventSink } from '../events.js';
import { statusOfError, type RunReport, type TaskResult } from '../result.js';
import type { HostOutcome } from '../run/host-run.js';
import { runHosts } from '../run/run-hosts.js';
import { hostRunOptions, type OperationContext } from './context.js';

/** What `ping` found on one host. */
export interface PingOutput {
  /** Connect to authenticated (TCP or jump channel, key exchange, auth), in ms; that of the earlier connect when reused. */
  handshakeMs: number;
  /** The host key the server proved it holds, e.g. `ssh-ed25519`. */
  hostKeyType: string;
  /** Its SHA256 fingerprint, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  /** One SSH round trip on the authenticated connection, in ms (null when it cannot be measured). */
  rttMs: number | null;
  /** Connect attempts the connection took (more than 1 with `retries`). */
  attempts: number;
  /** True when the connection was already open (an earlier operation of the same Fleet). */
  reused: boolean;
}

/** Options of `Fleet.ping`. */
export interface FleetPingOptions {
  /** Narrows the fleet's hosts for this call. */
  limit?: string;
  /** Whole-run bound. */
  deadlineMs?: number;
  /** Aborting stops connects in flight (hosts end `interrupted`). */
  signal?: AbortSignal;
  /** Aborting starts no new hosts; those connecting finish (first Ctrl-C). */
  drain?: AbortSignal;
  onEvent?: EventSink;
}

/**
 * Connects and authenticates to every host of `ctx` (the connect is runHost's, as for any task)
 * and reports the handshake time, the host key and one round trip. Resolves to the total report.
 */
export function pingOperation(ctx: OperationContext, opts: FleetPingOptions): Promise<RunReport<PingOutput>> {
  const startedAt = Date.now();
  return runHosts<PingOutput>({
    label: 'ping',
    ...hostRunOptions(ctx, opts),
    classify: classifyPing,
    task: async ({ conn, signal }) => {
      const rtt = await conn.roundTrip({ signal });
      return {
        handshakeMs: conn.timing.authMs,
        hostKeyType: conn.hostKey.type,
        fingerprint: conn.hostKey.fingerprint,
        rttMs: rtt === undefined ? null : Math.round(rtt * 100) / 100,
        attempts: conn.timing.attempts,
        reused: conn.timing.startedAt < startedAt,
      };
    },
  });
}

/** A ping result's status: ok, or its error's. */
export function classifyPing(result: TaskResult<PingOutput>): HostOutcome {
  return { status: result.ok ? 'ok' : statusOfError(result.error.code), exitCode: null, signal: null };
}
