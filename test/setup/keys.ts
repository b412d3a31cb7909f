import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { keysDir } from './paths.js';

/** Client keys in test/fixtures/keys (see its README.md). */
export type FixtureKeyName =
  | 'id_ed25519'
  | 'id_rsa'
  | 'id_rsa_pem'
  | 'id_ed25519_encrypted'
  | 'id_ed25519_unauthorized';

export const FIXTURE_KEY_PASSPHRASE = 'fleet-test-passphrase';

let privateDir: string | undefined;
const copies = new Map<FixtureKeyName, string>();

function removeCopies(): void {
  if (privateDir !== undefined) rmSync(privateDir, { recursive: true, force: true });
  privateDir = undefined;
  copies.clear();
}

// Imported by a test file: the copies go after its tests, before the run's hygiene check
// (test/setup/hygiene.ts), which runs before vitest's workers exit. Elsewhere (a globalSetup),
// there is no suite to hook into: the exit hook below covers it.
try {
  afterAll(removeCopies);
} catch {
  // not collecting a test file
}

/**
 * Path of a private 0600 copy of a fixture private key (git does not keep 0600, and ssh and
 * fleet refuse loose keys). Copied once per test file; the copies go after its tests.
 */
export function fixtureKeyPath(name: FixtureKeyName): string {
  const known = copies.get(name);
  if (known !== undefined) return known;
  if (privateDir === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-keys-'));
    privateDir = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  const path = join(privateDir, name);
  copyFileSync(join(keysDir, name), path);
  chmodSync(path, 0o600);
  copies.set(name, path);
  return path;
}

/** Copy a fixture private key to `path` with mode 0600 (for files that must outlive the process). */
export function copyFixtureKey(name: FixtureKeyName, path: string): string {
  copyFileSync(join(keysDir, name), path);
  chmodSync(path, 0o600);
  return path;
}

/** `type base64` of a fixture public key (`<name>.pub`), without its comment. */
export function fixturePublicKey(name: FixtureKeyName | 'ssh_host_ed25519_key' | 'ssh_host_rsa_key'): string {
  const [type, blob] = readFileSync(join(keysDir, `${name}.pub`), 'utf8').trim().split(/\s+/);
  if (type === undefined || blob === undefined) throw new Error(`bad public key file ${name}.pub`);
  return `${type} ${blob}`;
}

/** known_hosts lines for the sshd image's fixed host keys at host:port (`[host]:port` unless 22). */
export function imageKnownHostsLines(host: string, port: number): string[] {
  const name = port === 22 ? host : `[${host}]:${port}`;
  return [
    `${name} ${fixturePublicKey('ssh_host_ed25519_key')}`,
    `${name} ${fixturePublicKey('ssh_host_rsa_key')}`,
  ];
}
