/**
 * The public half of an OpenSSH private key file, read without a key parser. The format
 * (OpenSSH PROTOCOL.key) keeps the public keys in the clear ahead of the private section:
 *
 *   "openssh-key-v1\0" string ciphername, string kdfname, string kdfoptions, uint32 N,
 *   string publickey[N], string private-section
 *
 * Only what fleet's key parser (ssh2) would accept as-is takes this path: one unencrypted key of
 * a type it signs with. Everything else (encrypted, PEM, several keys, other types) returns
 * undefined, and the caller parses the key fully, with the errors a connect would give.
 */
const BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----';
const END = '-----END OPENSSH PRIVATE KEY-----';
const MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');
const PLAIN_TYPES = new Set(['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa']);

/** The SSH wire-format public key of an unencrypted single-key OpenSSH file, else undefined. */
export function openSshPublicBlob(file: Buffer): Buffer | undefined {
  const text = file.toString('latin1');
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (begin === -1 || end < begin) return undefined;
  const body = Buffer.from(text.slice(begin + BEGIN.length, end).replace(/\s+/g, ''), 'base64');
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const reader = new WireReader(body, MAGIC.length);
  const cipher = reader.string();
  reader.string(); // kdfname
  reader.string(); // kdfoptions
  const count = reader.uint32();
  const blob = reader.string();
  if (cipher?.toString('latin1') !== 'none' || count !== 1 || blob === undefined) return undefined;
  const type = new WireReader(blob, 0).string()?.toString('latin1');
  return type !== undefined && PLAIN_TYPES.has(type) ? blob : undefined;
}

/** SSH wire fields (RFC 4251 §5) read in order; undefined once the buffer runs short. */
class WireReader {
  #buf: Buffer;
  #at: number;

  constructor(buf: Buffer, at: number) {
    this.#buf = buf;
    this.#at = at;
  }

  uint32(): number | undefined {
    if (this.#at + 4 > this.#buf.length) return undefined;
    const value = this.#buf.readUInt32BE(this.#at);
    this.#at += 4;
    return value;
  }

  string(): Buffer | undefined {
    const length = this.uint32();
    if (length === undefined || this.#at + length > this.#buf.length) return undefined;
    const value = this.#buf.subarray(this.#at, this.#at + length);
    this.#at += length;
    return value;
  }
}
