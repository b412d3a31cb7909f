/**
 * SSH public key blobs as they travel in KEX replies and sit (base64) in known_hosts lines.
 * Pure helpers; no I/O.
 */
import { createHash } from 'node:crypto';
import type { HostKey } from '../transport.js';

export type { HostKey } from '../transport.js';

/**
 * Reads the type name that starts every SSH public key blob (RFC 4253 §6.6: `string type`).
 * @returns undefined when the blob is too short or the name is not printable ASCII.
 */
export function readKeyBlobType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || blob.length < 4 + len) return undefined;
  const type = blob.toString('latin1', 4, 4 + len);
  return /^[\x21-\x7e]+$/.test(type) ? type : undefined;
}

/** Builds a {@link HostKey} from a wire blob; undefined when the blob is malformed. */
export function hostKeyFromBlob(blob: Buffer): HostKey | undefined {
  const type = readKeyBlobType(blob);
  return type === undefined ? undefined : { type, blob };
}

/**
 * The SHA256 fingerprint exactly as `ssh-keygen -lf` prints it: `SHA256:` + unpadded base64.
 */
export function fingerprintSha256(blob: Buffer): string {
  const digest = createHash('sha256').update(blob).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

/** True when the known_hosts base64 text names the same blob (canonical text first, bytes second). */
export function sameKeyBlob(base64: string, blob: Buffer, blobBase64: string): boolean {
  if (base64 === blobBase64) return true;
  // Hand-edited files may carry non-canonical base64 (missing padding); compare the bytes.
  return Buffer.from(base64, 'base64').equals(blob);
}

/** Host key algorithm names to offer for a known key type, strongest signature first. */
export function hostKeyAlgorithmsForType(type: string): string[] {
  // An RSA key is stored as `ssh-rsa` but negotiated through its SHA-2 signature algorithms; plain
  // `ssh-rsa` (SHA-1 signatures) is never offered.
  if (type === 'ssh-rsa') return ['rsa-sha2-512', 'rsa-sha2-256'];
  return [type];
}
