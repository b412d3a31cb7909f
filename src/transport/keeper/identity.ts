/**
 * What decides a kept connection, and whether a host may have one. A connection is reused only
 * when every input of its connect is equal: user, address, port, jump chain, the keys (by
 * fingerprint, never the key), the agent socket, the host key policy and known_hosts files, the
 * key exchange profile and the session limit. They are hashed into the key the keeper files the
 * connection under; a changed inventory gives another key, hence another connection.
 */
import type { ConnectTarget } from '../transport.js';
import { createHash } from 'node:crypto';
import { SshCredentialCache } from '../ssh/credentials.js';
import type { ConnectOptions } from '../transport.js';
import type { PersistTarget } from './protocol.js';

/** Why a host is connected directly instead of through the keeper; undefined when it may be kept. */
export function notPersistable(host: ConnectTarget): string | undefined {
  if (!(host.persistMs !== undefined && host.persistMs > 0)) return 'persist is off';
  // The keeper connects by itself from what it can read by path: secrets held in environment
  // variables of this process would have to cross the socket, and they never do.
  if (host.passwordEnv !== undefined) return 'password_env: a password is never handed to the keeper';
  if (host.keyEnv !== undefined) return 'key_env: key text is never handed to the keeper';
  const jump = host.proxyJump?.trim() ?? '';
  if (jump !== '' && jump.toLowerCase() !== 'none') return 'proxy_jump hosts are not kept yet';
  return undefined;
}

/**
 * The keeper's connect target for `host`, and its identity key. Key files are read here (as
 * the connect would) for their fingerprints (see keyFingerprint); the keeper is given their paths.
 */
export async function persistTarget(host: ConnectTarget, opts: ConnectOptions): Promise<{ target: PersistTarget; key: string }> {
  const creds = opts.credentials instanceof SshCredentialCache ? opts.credentials : new SshCredentialCache();
  const agentSocket = host.agent ? creds.secretFromEnv('SSH_AUTH_SOCK') : undefined;
  const explicit = host.identityFiles.length > 0;
  const candidates = explicit ? host.identityFiles : host.agent ? [] : await creds.defaultKeyFiles();
  const fingerprints: string[] = [];
  const identityFiles: string[] = [];
  for (const file of candidates) {
    // An explicit key that does not load fails here as it would in a direct connect; unusable
    // default keys are skipped, as ssh does.
    const fingerprint = await creds.keyFingerprint(file).catch((error: unknown) => {
      if (explicit) throw error;
      return undefined;
    });
    if (fingerprint === undefined) continue;
    identityFiles.push(file);
    fingerprints.push(fingerprint);
  }
  const target: PersistTarget = {
    name: host.name,
    address: host.address,
    port: host.port,
    user: host.user,
    identityFiles,
    ...(agentSocket !== undefined && agentSocket !== '' && { agentSocket }),
    knownHostsFiles: [...opts.knownHosts.files],
    hostKeyPolicy: opts.hostKeyPolicy,
    kexProfile: host.kexProfile === 'fast' ? 'nistp256-first' : (opts.kexProfile ?? 'default'),
    connectTimeoutMs: host.connectTimeoutMs ?? opts.connectTimeoutMs,
    ...(opts.maxSessions !== undefined && { maxSessions: opts.maxSessions }),
    persistMs: host.persistMs ?? 0,
  };
  return { target, key: identityKey(target, fingerprints) };
}

/** The hash of everything that decides the connection (not the host's inventory name, not timeouts). */
export function identityKey(target: PersistTarget, fingerprints: readonly string[]): string {
  const decided = {
    v: 1,
    user: target.user,
    address: target.address,
    port: target.port,
    jump: null,
    keys: fingerprints,
    keyFiles: target.identityFiles,
    agent: target.agentSocket ?? null,
    policy: target.hostKeyPolicy,
    knownHosts: target.knownHostsFiles,
    kex: target.kexProfile,
    maxSessions: target.maxSessions ?? null,
  };
  return createHash('sha256').update(JSON.stringify(decided)).digest('hex');
}
