/**
 * What decides a kept connection, and whether a host may have one. A connection is reused only
 * when every input of its connect is equal: user, address, port, jump chain, the keys (by
 * fingerprint, never the key), the agent socket, the host key policy and known_hosts files, the
 * key exchange profile and the session limit. They are hashed into the key the keeper files the
 * connection under; a changed inventory gives another key, hence another connection.
 */
import type { ConnectTarget } from '../transport.js';
import { createHash } from 'node:crypto';
import { FleetError } from '../../errors.js';
import { SshCredentialCache } from '../ssh/credentials.js';
import type { ConnectOptions } from '../transport.js';
import { SshJumpHosts } from '../ssh/jump-hosts.js';
import type { PersistHop, PersistTarget } from './protocol.js';

/** Why a host is connected directly instead of through the keeper; undefined when it may be kept. */
export function notPersistable(host: ConnectTarget): string | undefined {
  if (!(host.persistMs !== undefined && host.persistMs > 0)) return 'persist is off';
  return secretLogin(host);
}

/**
 * Why the keeper cannot log in to `host` (or through it, as a jump host) by itself. It connects
 * from what it can read by path: secrets held in environment variables of this process would
 * have to cross the socket, and they never do.
 */
function secretLogin(host: ConnectTarget): string | undefined {
  if (host.passwordEnv !== undefined) return 'password_env: a password is never handed to the keeper';
  if (host.keyEnv !== undefined) return 'key_env: key text is never handed to the keeper';
  return undefined;
}

/** True when `host` names jump hosts (ProxyJump `none` is a direct connection). */
export function hasJumps(host: ConnectTarget): boolean {
  const jump = host.proxyJump?.trim() ?? '';
  return jump !== '' && jump.toLowerCase() !== 'none';
}

/**
 * The keeper's connect target for `host`, and its identity key. Key files are read here (as
 * the connect would) for their fingerprints (see keyFingerprint); the keeper is given their paths.
 */
export async function persistTarget(host: ConnectTarget, opts: ConnectOptions): Promise<{ target: PersistTarget; key: string } | undefined> {
  const creds = opts.credentials instanceof SshCredentialCache ? opts.credentials : new SshCredentialCache();
  const own = await keysOf(host, creds);
  let jumps: PersistHop[] | undefined;
  if (hasJumps(host)) {
    if (!(opts.jumps instanceof SshJumpHosts)) {
      throw new FleetError('FLEET_CONFIG_INVALID', `${host.name}: proxy_jump (${host.proxyJump ?? ''}) needs ConnectOptions.jumps from createJumpHosts()`, { host: host.name });
    }
    jumps = [];
    for (const hop of opts.jumps.chainOf(host)) {
      if (secretLogin(hop) !== undefined) return undefined;
      const keys = await keysOf(hop, creds);
      jumps.push({
        name: hop.name,
        address: hop.address,
        port: hop.port,
        user: hop.user,
        identityFiles: keys.identityFiles,
        fingerprints: keys.fingerprints,
        ...(keys.agentSocket !== undefined && { agentSocket: keys.agentSocket }),
        ...(hop.connectTimeoutMs !== undefined && { connectTimeoutMs: hop.connectTimeoutMs }),
      });
    }
  }
  const target: PersistTarget = {
    name: host.name,
    address: host.address,
    port: host.port,
    user: host.user,
    identityFiles: own.identityFiles,
    fingerprints: own.fingerprints,
    ...(own.agentSocket !== undefined && { agentSocket: own.agentSocket }),
    knownHostsFiles: [...opts.knownHosts.files],
    hostKeyPolicy: opts.hostKeyPolicy,
    kexProfile: host.kexProfile === 'fast' ? 'nistp256-first' : (opts.kexProfile ?? 'default'),
    connectTimeoutMs: host.connectTimeoutMs ?? opts.connectTimeoutMs,
    ...(opts.maxSessions !== undefined && { maxSessions: opts.maxSessions }),
    persistMs: host.persistMs ?? 0,
    ...(jumps !== undefined && { jumps }),
  };
  return { target, key: identityKey(target, own.fingerprints) };
}

/** The key files a connect of `host` would use (explicit, else the default ones that load), with their fingerprints. */
async function keysOf(host: ConnectTarget, creds: SshCredentialCache): Promise<{ identityFiles: string[]; fingerprints: string[]; agentSocket: string | undefined }> {
  const agent = host.agent ? creds.secretFromEnv('SSH_AUTH_SOCK') : undefined;
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
  return { identityFiles, fingerprints, agentSocket: agent === '' ? undefined : agent };
}

/** The hash of everything that decides the connection (not the host's inventory name, not timeouts). */
export function identityKey(target: PersistTarget, fingerprints: readonly string[]): string {
  const decided = {
    v: 1,
    user: target.user,
    address: target.address,
    port: target.port,
    jump: target.jumps?.map((h) => [h.user, h.address, h.port, h.identityFiles, h.fingerprints, h.agentSocket ?? null]) ?? null,
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
