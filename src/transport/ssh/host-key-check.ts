/**
 * The host key decision, taken inside ssh2's hostVerifier, i.e. before any credential is sent.
 * Fails closed: a changed or revoked key is refused under every policy but `off`.
 */
import { HostKeyError } from '../../errors.js';
import type { HostKeyPolicy, KnownHosts } from '../transport.js';
import { fingerprintSha256, type HostKey } from './host-key.js';
import { hostLookupName } from './host-patterns.js';
import type { KnownHostsLookup } from './known-hosts.js';

/** The host being verified: inventory name for messages, address and port for the lookup. */
export interface HostKeyTarget {
  name: string;
  address: string;
  port: number;
}

/** Accept (and maybe pin under accept-new), or refuse with the error to report. */
export type HostKeyDecision = { accept: true; pin: boolean } | { accept: false; error: HostKeyError };

/** Decides on `key` presented by `target` under `policy`. Pure apart from reading the index. */
export function decideHostKey(target: HostKeyTarget, key: HostKey, policy: HostKeyPolicy, knownHosts: KnownHosts): HostKeyDecision {
  if (policy === 'off') return { accept: true, pin: false };
  const lookup = knownHosts.lookup(target.address, target.port, key);
  switch (lookup.status) {
    case 'match':
      return { accept: true, pin: false };
    case 'unknown':
      return policy === 'accept-new' ? { accept: true, pin: true } : { accept: false, error: hostKeyError(target, key, lookup, knownHosts.missingFiles) };
    default:
      return { accept: false, error: hostKeyError(target, key, lookup) };
  }
}

/** The HostKeyError for a lookup that is not a match; its message carries the remedy. */
export function hostKeyError(target: HostKeyTarget, key: HostKey, lookup: KnownHostsLookup, missing: readonly string[] = []): HostKeyError {
  const fingerprint = fingerprintSha256(key.blob);
  const name = hostLookupName(target.address, target.port);
  const who = `${target.name} (${name})`;
  const presented = `${key.type} ${fingerprint}`;
  if (lookup.status === 'revoked') {
    const where = lookup.entry ? ` at ${lookup.entry.file}:${lookup.entry.line}` : '';
    return new HostKeyError('FLEET_HOSTKEY_REVOKED', `host key of ${who} is REVOKED${where}: ${presented}; refusing to connect`, target.name, target.port, key.type, fingerprint);
  }
  if (lookup.status === 'mismatch' && lookup.entry !== undefined) {
    const pinned = lookup.entry;
    const pinnedFp = fingerprintSha256(Buffer.from(pinned.keyBase64, 'base64'));
    return new HostKeyError(
      'FLEET_HOSTKEY_CHANGED',
      `host key of ${who} has CHANGED: the server presents ${presented}, but ${pinned.file}:${pinned.line} pins ` +
        `${pinned.keyType} ${pinnedFp}. Someone may be intercepting the connection, or the host was reinstalled. ` +
        `If the change is expected, remove the old key with: ssh-keygen -R '${name}' -f '${pinned.file}'`,
      target.name,
      target.port,
      key.type,
      fingerprint,
    );
  }
  return new HostKeyError(
    'FLEET_HOSTKEY_UNKNOWN',
    `host key of ${who} is not known: ${presented}${missingNote(missing)}. Check the fingerprint out of band, then trust it with ` +
      `--strict-host-keys accept-new or \`fleet hostkeys accept\``,
    target.name,
    target.port,
    key.type,
    fingerprint,
  );
}

/** `; the known_hosts file F does not exist` (or files): strict checking against a missing file fails every host. */
function missingNote(missing: readonly string[]): string {
  if (missing.length === 0) return '';
  const list = missing.join(', ');
  return missing.length === 1 ? `; the known_hosts file ${list} does not exist` : `; the known_hosts files ${list} do not exist`;
}
