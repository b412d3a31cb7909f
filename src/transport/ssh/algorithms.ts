/**
 * The algorithms fleet offers. Never diffie-hellman-group-exchange: the client must check the
 * server's prime, which blocks the event loop (DESIGN §7). No SHA-1 host key signatures, no CBC.
 */
import type { Algorithms } from 'ssh2';
import type { KexProfile } from '../transport.js';
import { hostKeyAlgorithmsForType } from './host-key.js';

const KEX_DEFAULT = [
  'curve25519-sha256',
  'curve25519-sha256@libssh.org',
  'ecdh-sha2-nistp256',
  'ecdh-sha2-nistp384',
  'ecdh-sha2-nistp521',
  // Fixed-group DH for servers without ECDH; cheap to set up, unlike group-exchange.
  'diffie-hellman-group14-sha256',
  'diffie-hellman-group16-sha512',
];

const HOST_KEY_DEFAULT = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256'];

/**
 * Offered host key algorithms: those of the key types already pinned for this host first, so the
 * server presents a key we can check (OpenSSH's order_hostkeyalgs), then the default order.
 */
export function hostKeyAlgorithms(pinnedTypes: readonly string[]): string[] {
  // Our preference order still decides among the pinned types (ed25519 over RSA), not file order.
  const pinned = new Set(pinnedTypes.flatMap(hostKeyAlgorithmsForType));
  return [...HOST_KEY_DEFAULT.filter((a) => pinned.has(a)), ...HOST_KEY_DEFAULT.filter((a) => !pinned.has(a))];
}

/** The ssh2 `algorithms` option for one connection. */
export function algorithmsFor(pinnedTypes: readonly string[], profile: KexProfile = 'default'): Algorithms {
  const kex = profile === 'nistp256-first' ? ['ecdh-sha2-nistp256', ...KEX_DEFAULT.filter((k) => k !== 'ecdh-sha2-nistp256')] : KEX_DEFAULT;
  // ssh2 throws on a name it does not support, and chacha20-poly1305 exists only when its native
  // binding was built. Its list-edit form accepts RegExps that add only supported names, so: clear
  // the default list, then append in our order.
  const cipher = {
    remove: /./,
    append: ['aes128-gcm@openssh.com', /^chacha20-poly1305@openssh\.com$/, 'aes256-gcm@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr'],
  };
  return {
    kex,
    serverHostKey: hostKeyAlgorithms(pinnedTypes),
    cipher,
    hmac: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256', 'hmac-sha2-512'],
    compress: ['none'],
  } as unknown as Algorithms; // the typings know neither the edit-with-RegExp form nor every name
}
