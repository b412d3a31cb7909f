import { copyFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostSpec } from '../../inventory/host-spec.js';
import { AuthDriver, type AuthSource, planAuth } from './auth.js';
import { SshCredentialCache } from './credentials.js';
import { fingerprintSha256 } from './host-key.js';
import { openSshPublicBlob } from './key-public-blob.js';

const keysDir = fileURLToPath(new URL('../../../test/fixtures/keys/', import.meta.url));
let dir: string;
// Git does not keep 0600; private copies are what a user would have.
const key = (name: string, mode = 0o600, into = dir): string => {
  const path = join(into, name);
  copyFileSync(join(keysDir, name), path);
  chmodSync(path, mode);
  return path;
};
const pubBlob = (name: string): Buffer => Buffer.from(readFileSync(join(keysDir, `${name}.pub`), 'utf8').split(' ')[1] ?? '', 'base64');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-creds-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SshCredentialCache', () => {
  it.each(['id_ed25519', 'id_rsa', 'id_rsa_pem'])('parses %s once and describes it', async (name) => {
    const cache = new SshCredentialCache({ env: {} });
    const path = key(name);
    const [a, b] = await Promise.all([cache.keyFromFile(path), cache.keyFromFile(path)]);
    expect(a).toBe(b);
    expect(cache.size).toBe(1);
    expect(await cache.loadKeyFile(path)).toEqual({ source: path, type: a.type, fingerprint: fingerprintSha256(pubBlob(name)) });
  });

  it.each([
    ['id_ed25519', undefined],
    ['id_rsa', 'sha512'],
    ['id_rsa', 'sha256'],
  ])('signs %s (%s) with the cached KeyObject exactly as ssh2 would', async (name, hash) => {
    const parsed = (await new SshCredentialCache({ env: {} }).keyFromFile(key(name))).parsed;
    const stock = ssh2.utils.parseKey(readFileSync(join(keysDir, name))) as ssh2.ParsedKey;
    const data = Buffer.from('session id and request');
    expect(parsed.sign).not.toBe(stock.sign);
    expect(parsed.sign(data, hash)).toEqual(stock.sign(data, hash));
  });

  it('refuses a key file readable by group or others, naming it', async () => {
    mkdirSync(join(dir, 'loose'), { recursive: true });
    const path = key('id_ed25519', 0o640, join(dir, 'loose'));
    await expect(new SshCredentialCache({ env: {} }).loadKeyFile(path)).rejects.toMatchObject({
      code: 'FLEET_KEY_INVALID',
      message: expect.stringContaining(path),
    });
  });

  it('fails fast on an encrypted key without FLEET_KEY_PASSPHRASE, and on a wrong one', async () => {
    const path = key('id_ed25519_encrypted');
    await expect(new SshCredentialCache({ env: {} }).loadKeyFile(path)).rejects.toMatchObject({
      code: 'FLEET_KEY_INVALID',
      message: expect.stringMatching(/encrypted.*FLEET_KEY_PASSPHRASE/),
    });
    await expect(new SshCredentialCache({ env: { FLEET_KEY_PASSPHRASE: 'nope' } }).loadKeyFile(path)).rejects.toMatchObject({ code: 'FLEET_KEY_INVALID' });
  });

  it('rejects missing files, public keys and empty key env vars', async () => {
    const cache = new SshCredentialCache({ env: { EMPTY: '' } });
    await expect(cache.loadKeyFile(join(dir, 'missing'))).rejects.toMatchObject({ code: 'FLEET_KEY_INVALID' });
    await expect(cache.loadKeyFile(key('id_ed25519.pub'))).rejects.toMatchObject({ code: 'FLEET_KEY_INVALID' });
    await expect(cache.loadKeyText('EMPTY')).rejects.toMatchObject({ code: 'FLEET_KEY_INVALID', message: expect.stringContaining('EMPTY') });
  });

  it.each(['id_ed25519', 'id_rsa', 'id_rsa_pem', 'id_ed25519_encrypted'])('keyFingerprint of %s equals the parsed key\'s, parsing only what needs it', async (name) => {
    const env = { FLEET_KEY_PASSPHRASE: 'fleet-test-passphrase' };
    const light = new SshCredentialCache({ env });
    const path = key(name);
    expect(await light.keyFingerprint(path)).toBe((await new SshCredentialCache({ env }).loadKeyFile(path)).fingerprint);
    // An unencrypted OpenSSH key is read from its public half; a PEM or encrypted one is parsed (and cached).
    expect(light.size).toBe(name === 'id_rsa_pem' || name === 'id_ed25519_encrypted' ? 1 : 0);
  });

  it('openSshPublicBlob leaves PEM, encrypted and damaged files to the full parser', () => {
    const file = (name: string): Buffer => readFileSync(join(keysDir, name));
    expect(openSshPublicBlob(file('id_ed25519'))).toEqual(pubBlob('id_ed25519'));
    expect(openSshPublicBlob(file('id_rsa_pem'))).toBeUndefined();
    expect(openSshPublicBlob(file('id_ed25519_encrypted'))).toBeUndefined();
    expect(openSshPublicBlob(file('id_ed25519.pub'))).toBeUndefined();
    const text = file('id_ed25519').toString();
    expect(openSshPublicBlob(Buffer.from(text.slice(0, text.indexOf('\n', 60))))).toBeUndefined();
  });

  it('keyFingerprint checks the file as a connect would (permissions, missing file)', async () => {
    mkdirSync(join(dir, 'loose2'), { recursive: true });
    const cache = new SshCredentialCache({ env: {} });
    await expect(cache.keyFingerprint(key('id_ed25519', 0o644, join(dir, 'loose2')))).rejects.toMatchObject({ code: 'FLEET_KEY_INVALID' });
    await expect(cache.keyFingerprint(join(dir, 'missing'))).rejects.toMatchObject({ code: 'FLEET_KEY_INVALID' });
  });

  it('reads key text from an env var', async () => {
    const cache = new SshCredentialCache({ env: { KEY: readFileSync(join(keysDir, 'id_ed25519'), 'utf8') } });
    expect(await cache.loadKeyText('KEY')).toMatchObject({ source: 'env:KEY', type: 'ssh-ed25519' });
  });
});

function host(over: Partial<HostSpec> = {}): HostSpec {
  return { name: 'h', address: '127.0.0.1', port: 22, user: 'root', identityFiles: [], knownHostsFiles: [], labels: {}, vars: {}, groups: [], ...over };
}

describe('planAuth', () => {
  it('uses the default ~/.ssh keys that exist and work, in OpenSSH order', async () => {
    const home = join(dir, 'home');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    copyFileSync(join(keysDir, 'id_rsa'), join(home, '.ssh', 'id_rsa'));
    chmodSync(join(home, '.ssh', 'id_rsa'), 0o600);
    copyFileSync(join(keysDir, 'id_ed25519_encrypted'), join(home, '.ssh', 'id_ed25519'));
    chmodSync(join(home, '.ssh', 'id_ed25519'), 0o600);
    const sources = await planAuth(host(), new SshCredentialCache({ env: {}, home }));
    expect(sources.map((s) => `${s.method}:${s.source}`)).toEqual([`publickey:${join(home, '.ssh', 'id_rsa')}`]);
  });

  it('orders key files, key text, agent, password, keyboard-interactive', async () => {
    const env = { KEY: readFileSync(join(keysDir, 'id_ed25519'), 'utf8'), PW: 'secret', SSH_AUTH_SOCK: '/run/agent.sock' };
    const spec = host({ identityFiles: [key('id_rsa')], keyEnv: 'KEY', agent: true, passwordEnv: 'PW' });
    const sources = await planAuth(spec, new SshCredentialCache({ env }));
    expect(sources.map((s) => `${s.method}:${s.source}`)).toEqual([
      `publickey:${join(dir, 'id_rsa')}`,
      'publickey:env:KEY',
      'agent:SSH_AUTH_SOCK',
      'password:env:PW',
      'keyboard-interactive:env:PW',
    ]);
  });

  it('fails on an explicit bad key and on an unset password variable', async () => {
    await expect(planAuth(host({ identityFiles: [join(dir, 'nope')] }), new SshCredentialCache({ env: {} }))).rejects.toMatchObject({ code: 'FLEET_KEY_INVALID' });
    await expect(planAuth(host({ passwordEnv: 'PW' }), new SshCredentialCache({ env: {} }))).rejects.toMatchObject({ code: 'FLEET_CONFIG_INVALID' });
  });
});

describe('AuthDriver', () => {
  it('feeds one source per step, skips methods the server stopped offering, and records attempts', async () => {
    const sources: AuthSource[] = [
      { method: 'publickey', source: 'k1', key: {} as ssh2.ParsedKey },
      { method: 'agent', source: 'SSH_AUTH_SOCK', socket: '/s' },
      { method: 'password', source: 'env:PW', password: 'pw' },
    ];
    const driver = new AuthDriver('root', () => Promise.resolve(sources));
    const step = (left: ssh2.AuthenticationType[] | null): Promise<unknown> =>
      new Promise((resolve) => driver.handler(left as ssh2.AuthenticationType[], false, resolve as ssh2.NextAuthHandler));
    expect(await step(null)).toMatchObject({ type: 'publickey', username: 'root' });
    expect(await step(['password', 'keyboard-interactive'])).toMatchObject({ type: 'password', password: 'pw' });
    expect(await step(['keyboard-interactive'])).toBe(false);
    expect(driver.attempts).toEqual([
      { method: 'publickey', source: 'k1', ok: false },
      { method: 'password', source: 'env:PW', ok: false },
    ]);
  });
});
