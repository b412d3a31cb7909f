/**
 * Private keys, parsed once per run and shared by every host that uses them.
 *
 * ssh2 re-decodes a key's PEM on every signature (DESIGN §7: ~612 µs vs ~63 µs with a cached
 * KeyObject), so each parsed key gets its `sign` replaced by one bound to a node:crypto KeyObject
 * created once here. The replacement returns exactly what ssh2's own `sign` returns (DER for
 * ECDSA, raw for Ed25519/RSA), so ssh2's signature conversion downstream is unchanged.
 */
import { isOutOfDescriptors } from '../pool.js';
import { createPrivateKey, type KeyObject, sign as cryptoSign } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ParsedKey } from 'ssh2';
import { FleetError } from '../../errors.js';
import type { CredentialCache, KeyInfo } from '../transport.js';
import { fingerprintSha256 } from './host-key.js';
import { openSshPublicBlob } from './key-public-blob.js';

/** Options of {@link createCredentialCache}. */
export interface CredentialCacheOptions {
  /** Where env-sourced secrets are read from. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Env var holding the passphrase of encrypted keys. Default: `FLEET_KEY_PASSPHRASE`. */
  passphraseEnv?: string;
  /** Home directory for the default keys (~/.ssh/id_*). Default: `os.homedir()`. */
  home?: string;
}

/** A parsed private key ready for ssh2's authHandler, plus what may be shown about it. */
export interface LoadedKey extends KeyInfo {
  /** @internal ssh2's type: left out of the published declarations (@types/ssh2 is a dev dependency). */
  readonly parsed: ParsedKey;
}

const DEFAULT_KEY_NAMES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

// The hash ssh2 falls back to when it passes no algorithm (non-RSA keys): ssh2's own defaults.
const DEFAULT_HASH: Readonly<Record<string, string | null>> = {
  'ssh-ed25519': null,
  'ecdsa-sha2-nistp256': 'sha256',
  'ecdsa-sha2-nistp384': 'sha384',
  'ecdsa-sha2-nistp521': 'sha512',
  'ssh-rsa': 'sha1',
  'ssh-dss': 'sha1',
};

/** Creates the per-run cache. One per run; never module-level. */
export function createCredentialCache(options: CredentialCacheOptions = {}): CredentialCache {
  return new SshCredentialCache(options);
}

/** The ssh2-backed {@link CredentialCache}: caches parse promises by source, so concurrent hosts share one parse. */
export class SshCredentialCache implements CredentialCache {
  #env: NodeJS.ProcessEnv;
  #passphraseEnv: string;
  #home: string;
  #keys = new Map<string, Promise<LoadedKey>>();
  #fingerprints = new Map<string, Promise<string>>();
  #defaultKeyFiles: Promise<string[]> | undefined;

  constructor(options: CredentialCacheOptions = {}) {
    this.#env = options.env ?? process.env;
    this.#passphraseEnv = options.passphraseEnv ?? 'FLEET_KEY_PASSPHRASE';
    this.#home = options.home ?? homedir();
  }

  /** How many distinct keys have been requested. */
  get size(): number {
    return this.#keys.size;
  }

  /** {@inheritDoc CredentialCache.loadKeyFile} */
  async loadKeyFile(path: string): Promise<KeyInfo> {
    return describe(await this.keyFromFile(path));
  }

  /** {@inheritDoc CredentialCache.loadKeyText} */
  async loadKeyText(envVar: string): Promise<KeyInfo> {
    return describe(await this.keyFromEnv(envVar));
  }

  /** The parsed key at `path`, loaded once; rejects with FLEET_KEY_INVALID naming the file. */
  keyFromFile(path: string): Promise<LoadedKey> {
    return cached(this.#keys, `file:${path}`, () => this.#readKeyFile(path));
  }

  /** The parsed key held as text in env var `envVar`; rejects with FLEET_KEY_INVALID naming the variable. */
  keyFromEnv(envVar: string): Promise<LoadedKey> {
    return cached(this.#keys, `env:${envVar}`, async () => {
      const text = this.#env[envVar];
      if (text === undefined || text.trim() === '') {
        throw new FleetError('FLEET_KEY_INVALID', `key_env: environment variable ${envVar} is not set or empty`);
      }
      return this.#parse(Buffer.from(text), `env:${envVar}`);
    });
  }

  /**
   * The SHA256 fingerprint of the key file at `path`, with the file's permissions checked as for a
   * connect. An unencrypted OpenSSH key carries its public half in the clear, which is all a
   * fingerprint needs: read without loading ssh2's key parser (about 40 ms of start-up on the
   * warm `--persist` path, which never signs). Any other key is parsed as a connect would.
   */
  keyFingerprint(path: string): Promise<string> {
    return cached(this.#fingerprints, path, () => this.#fingerprint(path));
  }

  async #fingerprint(path: string): Promise<string> {
    const loaded = this.#keys.get(`file:${path}`);
    if (loaded !== undefined) return (await loaded).fingerprint;
    const blob = openSshPublicBlob(await readPrivateKeyFile(path));
    return blob === undefined ? (await this.keyFromFile(path)).fingerprint : fingerprintSha256(blob);
  }

  /** The default identity files that exist (~/.ssh/id_ed25519, id_ecdsa, id_rsa), in OpenSSH's order. */
  defaultKeyFiles(): Promise<string[]> {
    // Once per cache (i.e. per run), not three stats per host.
    this.#defaultKeyFiles ??= this.#findDefaultKeyFiles();
    return this.#defaultKeyFiles;
  }

  async #findDefaultKeyFiles(): Promise<string[]> {
    const found: string[] = [];
    for (const name of DEFAULT_KEY_NAMES) {
      const path = join(this.#home, '.ssh', name);
      if (await exists(path)) found.push(path);
    }
    return found;
  }

  /** The value of a password env var, read at use time and never stored. */
  secretFromEnv(envVar: string): string | undefined {
    return this.#env[envVar];
  }

  async #readKeyFile(path: string): Promise<LoadedKey> {
    return this.#parse(await readPrivateKeyFile(path), path);
  }

  async #parse(data: Buffer, source: string): Promise<LoadedKey> {
    // Loaded on first use: a run whose connections all live in the keeper never parses a key.
    // ssh2 is CommonJS and Node's ESM loader sees only some of its names: go through the default export.
    const { default: ssh2 } = await import('ssh2');
    let parsed = ssh2.utils.parseKey(data);
    if (parsed instanceof Error && /encrypted.*no passphrase/i.test(parsed.message)) {
      const passphrase = this.#env[this.#passphraseEnv];
      if (passphrase === undefined) {
        throw new FleetError(
          'FLEET_KEY_INVALID',
          `key ${source} is encrypted; set ${this.#passphraseEnv} to its passphrase (fleet never prompts per host)`,
          { details: { source } },
        );
      }
      parsed = ssh2.utils.parseKey(data, passphrase);
      if (parsed instanceof Error) {
        throw new FleetError('FLEET_KEY_INVALID', `key ${source}: cannot decrypt it with ${this.#passphraseEnv} (wrong passphrase?)`, { details: { source } }, { cause: parsed });
      }
    }
    if (parsed instanceof Error) {
      throw new FleetError('FLEET_KEY_INVALID', `key ${source}: ${parsed.message}`, { details: { source } }, { cause: parsed });
    }
    const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey) : parsed;
    if (!key.isPrivateKey()) {
      throw new FleetError('FLEET_KEY_INVALID', `key ${source} is a public key; give the private key file`, { details: { source } });
    }
    bindCachedSigner(key);
    return { source, type: key.type, fingerprint: fingerprintSha256(key.getPublicSSH()), parsed: key };
  }
}

/** `load()` once per id in `map` (a parse or a fingerprint): every host using the key shares it. */
function cached<T>(map: Map<string, Promise<T>>, id: string, load: () => Promise<T>): Promise<T> {
  let pending = map.get(id);
  if (pending === undefined) {
    pending = load();
    map.set(id, pending);
    // Keep the rejection (every host using the key gets the same error) but never unhandled.
    // Out of file descriptors is not the key's fault: forget it, so a later connect (the pool
    // retries once a connection closed) reads the file again.
    pending.catch((error: unknown) => {
      if (isOutOfDescriptors(error) && map.get(id) === pending) map.delete(id);
    });
  }
  return pending;
}

/** A private key file's bytes; FLEET_KEY_INVALID when unreadable or readable by others (as OpenSSH refuses it). */
async function readPrivateKeyFile(path: string): Promise<Buffer> {
  let mode: number;
  let data: Buffer;
  try {
    mode = (await stat(path)).mode;
    data = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    throw new FleetError('FLEET_KEY_INVALID', `key file ${path}: cannot read it (${code})`, { details: { path } }, { cause: error });
  }
  // OpenSSH refuses such keys ("UNPROTECTED PRIVATE KEY FILE"): anyone else could have copied it.
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    throw new FleetError(
      'FLEET_KEY_INVALID',
      `key file ${path}: permissions ${octal} are too open; a private key must not be accessible by group or others (chmod 600 ${path})`,
      { details: { path } },
    );
  }
  return data;
}

/**
 * Replaces `key.sign` with one using a KeyObject built once. Falls back to ssh2's own signer if
 * node:crypto cannot load ssh2's PEM (e.g. an exotic key type), so auth never breaks over speed.
 */
function bindCachedSigner(key: ParsedKey): void {
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(key.getPrivatePEM());
  } catch {
    return;
  }
  const fallback = DEFAULT_HASH[key.type] ?? null;
  key.sign = ((data: Buffer, algo?: string): Buffer | Error => {
    try {
      return cryptoSign(typeof algo === 'string' && algo !== '' ? algo : fallback, data, keyObject);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }) as ParsedKey['sign'];
}

function describe(key: LoadedKey): KeyInfo {
  return { source: key.source, type: key.type, fingerprint: key.fingerprint };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
