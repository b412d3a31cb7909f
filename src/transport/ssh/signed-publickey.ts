/**
 * Sends the signed publickey request at once instead of asking first whether the key would be
 * accepted (RFC 4252 §7 allows both). ssh2 always asks first, which costs one round trip per
 * fresh connection (DESIGN §7: 50 ms at RTT 50). ssh2 offers no option for it, so this wraps the
 * `authPK` method of the connection's protocol object: a private ssh2 1.x detail, checked here
 * and skipped (ssh2's normal query-then-sign flow) whenever its shape is not the expected one.
 *
 * Cost of the direct form: a signature for a key the server may then refuse (~45 µs Ed25519,
 * ~2 ms RSA 3072 with the cached signer); the server checks authorized_keys before verifying.
 */
import type { Client, ParsedKey } from 'ssh2';

type SignCallback = (data: Buffer, done: (signature: Buffer) => void) => void;
type AuthPk = (username: string, key: unknown, keyAlgo?: string, cbSign?: SignCallback) => void;

// The hash behind each RSA signature algorithm; other key types sign with their own fixed hash.
const RSA_HASH: Readonly<Record<string, string>> = { 'rsa-sha2-256': 'sha256', 'rsa-sha2-512': 'sha512', 'ssh-rsa': 'sha1' };

function isOwnPrivateKey(key: unknown): key is ParsedKey {
  const k = key as Partial<ParsedKey> | null;
  return typeof k?.isPrivateKey === 'function' && typeof k.sign === 'function' && k.isPrivateKey();
}

/**
 * Makes `client` sign publickey requests directly for private keys (agent keys keep the query).
 * Call right after `client.connect()`. Returns false, changing nothing, if ssh2's internals differ.
 */
export function signPublickeyDirectly(client: Client): boolean {
  const proto = (client as unknown as { _protocol?: { authPK?: unknown } })._protocol;
  if (proto === undefined || typeof proto.authPK !== 'function' || proto.authPK.length !== 4) return false;
  const original = proto.authPK as AuthPk;
  const direct: AuthPk = function (this: unknown, username, key, keyAlgo, cbSign) {
    if (cbSign !== undefined || (keyAlgo !== undefined && typeof keyAlgo !== 'string') || !isOwnPrivateKey(key)) {
      return original.call(this, username, key, keyAlgo, cbSign);
    }
    const hash = keyAlgo === undefined ? undefined : RSA_HASH[keyAlgo];
    const self = this;
    // ssh2 calls this synchronously and sends nothing until `done`: a key that fails to sign falls
    // back to the query, after which ssh2's own signing path reports the error.
    return original.call(this, username, key, keyAlgo, (data, done) => {
      const signature = key.sign(data, hash) as Buffer | Error;
      if (signature instanceof Error) original.call(self, username, key, keyAlgo);
      else done(signature);
    });
  };
  proto.authPK = direct;
  return true;
}
