import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';

export interface Ed25519KeyPair {
  /** OpenSSH private key file text (unencrypted `openssh-key-v1`). */
  privateKey: string;
  /** `ssh-ed25519 AAAA…` (no comment). */
  publicKey: string;
}

// DER framing of an ed25519 key (RFC 8410): PKCS#8 around a 32-byte seed, SPKI around the public key.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * A fresh ed25519 key in OpenSSH format, in-process (~0.4 ms; `ssh-keygen` costs ~13 ms a spawn).
 * Not ssh2's `utils.generateKeyPairSync`: 1.17.0 strips leading zero bytes from the public key,
 * so about 1 key in 256 is corrupt ("error in libcrypto" from sshd; mscdex/ssh2#1390, #1513).
 * Nor Node's `generateKeyPairSync`: on Node 20 a GC during a later export of the pair can run the
 * finalizer of its key-generation job, which takes the lock the export holds, and the process
 * hangs for good (a 1000-host lab stopped at host 388; a loop of 5000 keys hung too, main thread in
 * `~KeyGenJob` -> `uv_mutex_lock` under `ExportJWKEdKey`, 12-07). A random seed imported as
 * PKCS#8 makes the same key with no generation job.
 */
export function generateEd25519(comment: string): Ed25519KeyPair {
  const seed = randomBytes(32);
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  if (spki.length !== SPKI_ED25519_PREFIX.length + 32 || !spki.subarray(0, SPKI_ED25519_PREFIX.length).equals(SPKI_ED25519_PREFIX)) {
    throw new Error('unexpected ed25519 SubjectPublicKeyInfo');
  }
  const pub = spki.subarray(SPKI_ED25519_PREFIX.length);
  const type = Buffer.from('ssh-ed25519');
  const pubBlob = Buffer.concat([sshString(type), sshString(pub)]);
  const check = randomBytes(4);
  let secret = Buffer.concat([check, check, sshString(type), sshString(pub), sshString(Buffer.concat([seed, pub])), sshString(Buffer.from(comment))]);
  const padding = (8 - (secret.length % 8)) % 8;
  secret = Buffer.concat([secret, Buffer.from(Array.from({ length: padding }, (_, i) => i + 1))]);
  const none = sshString(Buffer.from('none'));
  const body = Buffer.concat([Buffer.from('openssh-key-v1\0'), none, none, sshString(Buffer.alloc(0)), uint32(1), sshString(pubBlob), sshString(secret)]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return {
    privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`,
    publicKey: `ssh-ed25519 ${pubBlob.toString('base64')}`,
  };
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function sshString(data: Buffer): Buffer {
  return Buffer.concat([uint32(data.length), data]);
}
