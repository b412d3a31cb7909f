import type { EventSink } from '../events.js';
import type { HostSpec } from '../inventory/host-spec.js';
import type { ConnectionSource } from '../transport/pool.js';
import type { KnownHosts } from '../transport/transport.js';
import type { RunHostsOptions } from '../run/run-hosts.js';

/**
 * What every Fleet operation (exec, put, get, run, ping) runs with: the hosts it covers, the
 * fleet's shared connections, and the fan-out limit. Built by Fleet for each call.
 */
export interface OperationContext {
  hosts: readonly HostSpec[];
  connections: ConnectionSource;
  /** The fleet's known_hosts (what `hostkeys` looks keys up in and writes to). */
  knownHosts: KnownHosts;
  forks: number;
}

/** The bounds and hooks an operation's options share, as runHosts takes them. */
export interface OperationBounds {
  timeoutMs?: number | undefined;
  deadlineMs?: number | undefined;
  signal?: AbortSignal | undefined;
  drain?: AbortSignal | undefined;
  onEvent?: EventSink | undefined;
}

/** The runHosts options every operation passes alike: the context's hosts, connections and forks, and the caller's bounds. */
export function hostRunOptions(ctx: OperationContext, opts: OperationBounds): Pick<RunHostsOptions<unknown>, 'hosts' | 'forks' | 'connections' | keyof OperationBounds> {
  return {
    hosts: ctx.hosts,
    forks: ctx.forks,
    connections: ctx.connections,
    timeoutMs: opts.timeoutMs,
    deadlineMs: opts.deadlineMs,
    signal: opts.signal,
    drain: opts.drain,
    onEvent: opts.onEvent,
  };
}
