/**
 * The SSH {@link Transport}: ties the connect state machine to {@link SshConnection}, with connect
 * retries and jump hosts (ProxyJump) around it.
 */
import { FleetError } from '../../errors.js';
import type { ConnectTarget } from '../transport.js';
import type { Connection, ConnectOptions, Transport } from '../transport.js';
import { connectSsh, type EstablishedLink } from './connect.js';
import { SshCredentialCache } from './credentials.js';
import type { HostKey } from './host-key.js';
import { SshJumpHosts } from './jump-hosts.js';
import type { SshLink } from './link.js';
import { DEFAULT_RETRY_DELAY_MS, withConnectRetries } from './retry.js';
import { scanHostKey } from './scan-host-key.js';
import { SshConnection } from './ssh-connection.js';

/** Creates the ssh2-backed transport. Stateless: per-run state lives in the options' caches. */
export function createSshTransport(): Transport {
  return { connect: connectHost, scanHostKey: scanHost };
}

async function connectHost(host: ConnectTarget, opts: ConnectOptions): Promise<Connection> {
  const creds = credentialsOf(opts);
  const jumps = jumpsFor(host, opts);
  const connectWith = async (o: ConnectOptions): Promise<EstablishedLink> => {
    // The first exec adopts a session channel opened during authentication (one round trip less).
    const features = { preopenSession: true };
    if (jumps === undefined) return connectSsh(host, o, creds, undefined, features);
    const route = await jumps.route(host, o, creds);
    try {
      return await connectSsh(host, o, creds, route.open, features);
    } finally {
      route.release();
    }
  };
  const attempt = (): Promise<EstablishedLink> => connectWith(opts);
  // A second connection, opened later if ever (SshConnection's side link): it outlives this
  // call's signal and reports no phases; the connect timeout bounds it.
  const { signal: _signal, onPhase: _onPhase, onTiming: _onTiming, ...later } = opts;
  const reconnect = async (): Promise<SshLink> => {
    const side = await connectWith(later);
    await side.fast?.discardPreopened();
    return side.link;
  };
  const { value, attempts } = await withConnectRetries(attempt, {
    retries: opts.retries ?? 0,
    baseDelayMs: opts.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS,
    host: host.name,
    signal: opts.signal,
  });
  return new SshConnection(value.link, value.hostKey, opts.maxSessions, { ...value.timing, attempts }, reconnect, value.fast);
}

async function scanHost(host: ConnectTarget, opts: ConnectOptions): Promise<HostKey> {
  const jumps = jumpsFor(host, opts);
  const attempt = async (): Promise<HostKey> => {
    if (jumps === undefined) return scanHostKey(host, opts);
    const route = await jumps.route(host, opts, credentialsOf(opts));
    try {
      return await scanHostKey(host, opts, route.open);
    } finally {
      route.release();
    }
  };
  return attempt();
}

function credentialsOf(opts: ConnectOptions): SshCredentialCache {
  if (!(opts.credentials instanceof SshCredentialCache)) {
    throw new FleetError('FLEET_INTERNAL', 'ConnectOptions.credentials must come from createCredentialCache()');
  }
  return opts.credentials;
}

/** The run's jump hosts when `host` goes through any; undefined for a direct connection. */
function jumpsFor(host: ConnectTarget, opts: ConnectOptions): SshJumpHosts | undefined {
  const value = host.proxyJump?.trim() ?? '';
  if (value === '' || value.toLowerCase() === 'none') return undefined;
  if (!(opts.jumps instanceof SshJumpHosts)) {
    // Connecting directly would silently bypass the bastion the inventory asks for.
    throw new FleetError('FLEET_CONFIG_INVALID', `${host.name}: proxy_jump (${value}) needs ConnectOptions.jumps from createJumpHosts()`, { host: host.name });
  }
  return opts.jumps;
}
