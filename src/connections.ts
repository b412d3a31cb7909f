/**
 * Where a Fleet and a Session get their connection pool: the run's known_hosts (read and indexed
 * once), its key cache, its jump hosts, and the options of every connect, built in one place so
 * that `connect(host)` and `openFleet` cannot drift apart (host key policy, timeouts, keepalive).
 */
import {
  createCredentialCache,
  createJumpHosts,
  createSshTransport,
  loadKnownHosts,
  type HostKeyPolicy,
  type KnownHosts,
  type Transport,
} from './transport/index.js';
import { ConnectionPool } from './transport/pool.js';
import type { ConnectTarget } from './transport/transport.js';

/** What decides a pool's connects; each is the option of the same name of FleetOptions / SessionOptions. */
export interface ConnectionSettings {
  transport?: Transport | undefined;
  /** Absent: ~/.ssh/known_hosts (and known_hosts2), then the system files. */
  knownHostsFiles?: readonly string[] | undefined;
  /** Where env-sourced secrets are read. Default process.env. */
  env?: NodeJS.ProcessEnv | undefined;
  /** The env var holding key passphrases. Default FLEET_KEY_PASSPHRASE. */
  passphraseEnv?: string | undefined;
  /** Wins over every host's own policy; default: the host's, else strict. */
  hostKeyPolicy?: HostKeyPolicy | undefined;
  connectTimeoutMs?: number | undefined;
  maxSessions?: number | undefined;
  keepalive?: { intervalMs: number; countMax?: number | undefined } | undefined;
  retries?: number | undefined;
  /** Hosts a `proxy_jump` may name; absent: no jump hosts (a host with proxy_jump then fails FLEET_CONFIG_INVALID). */
  jumpHosts?: readonly ConnectTarget[] | undefined;
  jumpHandshakes?: number | undefined;
  sshDebug?: ((host: string, line: string) => void) | undefined;
  maxConnections: number;
  maxHandshakes?: number | undefined;
  idleTimeoutMs?: number | undefined;
}

/** A pool over `settings`, with the known_hosts its connects check keys against. */
export async function openConnectionPool(settings: ConnectionSettings): Promise<{ pool: ConnectionPool; knownHosts: KnownHosts }> {
  const knownHosts = await loadKnownHosts(settings.knownHostsFiles === undefined ? {} : { files: settings.knownHostsFiles });
  const jumps = settings.jumpHosts && createJumpHosts({ hosts: settings.jumpHosts, maxHandshakes: settings.jumpHandshakes });
  const shared = {
    connectTimeoutMs: settings.connectTimeoutMs ?? 10_000,
    knownHosts,
    credentials: createCredentialCache({
      ...(settings.env && { env: settings.env }),
      ...(settings.passphraseEnv !== undefined && { passphraseEnv: settings.passphraseEnv }),
    }),
    ...(settings.maxSessions !== undefined && { maxSessions: settings.maxSessions }),
    ...(settings.keepalive !== undefined && { keepaliveIntervalMs: settings.keepalive.intervalMs }),
    ...(settings.keepalive?.countMax !== undefined && { keepaliveCountMax: settings.keepalive.countMax }),
    retries: settings.retries ?? 0,
    ...(jumps && { jumps }),
  };
  const override = settings.hostKeyPolicy;
  const sshDebug = settings.sshDebug;
  const pool = new ConnectionPool({
    transport: settings.transport ?? createSshTransport(),
    // The caller's policy wins; else the host's own; else strict.
    optionsFor: (target) => ({
      ...shared,
      hostKeyPolicy: override ?? target.hostKeyPolicy ?? 'strict',
      ...(sshDebug && { debug: (line: string) => sshDebug(target.name, line) }),
    }),
    maxConnections: settings.maxConnections,
    maxHandshakes: settings.maxHandshakes,
    idleTimeoutMs: settings.idleTimeoutMs,
    ...(jumps && { onClose: () => jumps.close() }),
  });
  return { pool, knownHosts };
}
