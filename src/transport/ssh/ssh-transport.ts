/**
 * The SSH {@link Transport}: ties the connect state machine to {@link SshConnection}.
 */
import { FleetError } from '../../errors.js';
import type { HostSpec } from '../../inventory/host-spec.js';
import type { Connection, ConnectOptions, Transport } from '../transport.js';
import { connectSsh } from './connect.js';
import { SshCredentialCache } from './credentials.js';
import { SshConnection } from './ssh-connection.js';

/** Creates the ssh2-backed transport. Stateless: per-run state lives in the options' caches. */
export function createSshTransport(): Transport {
  return { connect: connectHost };
}

async function connectHost(host: HostSpec, opts: ConnectOptions): Promise<Connection> {
  if (!(opts.credentials instanceof SshCredentialCache)) {
    throw new FleetError('FLEET_INTERNAL', 'ConnectOptions.credentials must come from createCredentialCache()');
  }
  if (host.proxyJump !== undefined && host.proxyJump !== '') {
    // Connecting directly would silently bypass the bastion the inventory asks for.
    throw new FleetError('FLEET_CONFIG_INVALID', `${host.name}: proxy_jump (${host.proxyJump}) is not supported by the SSH transport yet`, { host: host.name });
  }
  const { link, hostKey } = await connectSsh(host, opts, opts.credentials);
  return new SshConnection(link, hostKey, opts.maxSessions);
}
