import type { HostSpec } from '../inventory/host-spec.js';
import type { Connections } from '../run/connections.js';

/**
 * What every Fleet operation (exec, put, get, run, ping) runs with: the hosts it covers, the
 * fleet's shared connections, and the fan-out limit. Built by Fleet for each call.
 */
export interface OperationContext {
  hosts: readonly HostSpec[];
  connections: Connections;
  forks: number;
}
