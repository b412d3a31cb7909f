import { generateKeyPairSync, randomBytes } from 'node:crypto';

export interface Ed25519KeyPair {
  /** OpenSSH private key file text (unencrypted `openssh-key-v1`). */
  privateKey: string;
  /** `ssh-ed25519 AAAA…` (no comment). */
  publicKey: string;
}

/**
 * A fresh ed25519 key in OpenSSH format, in-process (~0.1 ms; `ssh-keygen` costs ~13 ms a spawn).
 * Not ssh2's `utils.generateKeyPairSync`: 1.17.0 strips leading zero bytes from the public key,
 * so about 1 key in 256 is corrupt ("error in libcrypto" from sshd; mscdex/ssh2#1390, #1513).
 */
export function generateEd25519(comment: string): Ed25519KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
  if (pub.length !== 32 || seed.length !== 32) throw new Error('unexpected ed25519 JWK');
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
