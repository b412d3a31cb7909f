/**
 * No secret in anything fleet produces. Canary secrets are planted where fleet takes them (a
 * password via --password-env, a key passphrase, private key text in an env var) and every
 * output is searched: stdout, stderr, jsonl events, json errors, library events and error
 * messages, and the built CLI's stderr with FLEET_DEBUG=1. Runs that fail (wrong passphrase,
 * refused password, unreachable host) are included: errors are where secrets usually leak.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFleet } from '../../src/fleet.js';
import { startLab, type Lab } from '../lab/lab.js';
import { FIXTURE_KEY_PASSPHRASE, fixtureKeyPath } from '../setup/keys.js';
import { runCli } from '../support/cli.js';
import { spawnFleet } from '../support/spawn-fleet.js';
import { useLeakGuard } from './support/checks.js';
import { direct, hostSpecs, refusedPort, writeKnownHosts } from './support/fault-hosts.js';

const PASSWORD = `canary-pw-${randomBytes(8).toString('hex')}`;
const WRONG_PASSPHRASE = `canary-pp-${randomBytes(8).toString('hex')}`;
const SUDO_PASSWORD = `canary-sudo-${randomBytes(8).toString('hex')}`;

describe('secrets never leave', () => {
  let lab: Lab;
  let inventory: string;
  let keyText: string;
  let secrets: string[];
  const env = (): Record<string, string> => ({
    HOME: lab.dir,
    PATH: process.env['PATH'] ?? '',
    FLEET_PW: PASSWORD,
    FLEET_KEY_TEXT: keyText,
    FLEET_KEY_PASSPHRASE: FIXTURE_KEY_PASSPHRASE,
    FLEET_SUDO_PW: SUDO_PASSWORD,
  });
  useLeakGuard();

  beforeAll(async () => {
    lab = await startLab({ hosts: 1, name: 'faults-secrets' });
    keyText = readFileSync(fixtureKeyPath('id_ed25519'), 'utf8');
    // Every line of the key body counts: a leak of any part of it is a leak.
    const keyLines = keyText.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'));
    secrets = [PASSWORD, WRONG_PASSPHRASE, FIXTURE_KEY_PASSPHRASE, SUDO_PASSWORD, ...keyLines];
    const host = lab.hosts[0] as Lab['hosts'][0];
    const known = writeKnownHosts(lab, [direct(host)]);
    const dead = await refusedPort();
    inventory = join(lab.dir, 'secrets.yaml');
    writeFileSync(
      inventory,
      [
        'defaults: {user: root, known_hosts: ' + known + ', password_env: FLEET_PW}',
        'hosts:',
        `  by-key-text: {host: ${host.address}, key_env: FLEET_KEY_TEXT}`,
        `  by-encrypted-key: {host: ${host.address}, key: ${fixtureKeyPath('id_ed25519_encrypted')}}`,
        `  by-password-only: {host: ${host.address}}`,
        `  unreachable: {host: 127.0.0.1, port: ${dead}, key_env: FLEET_KEY_TEXT}`,
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await lab?.stop();
  });

  const expectNoSecret = (what: string, text: string): void => {
    for (const secret of secrets) expect(text.includes(secret), `${what} contains a secret`).toBe(false);
  };

  it('keeps them out of CLI output in every mode, successes and failures alike', async () => {
    for (const output of ['stream', 'json', 'jsonl', 'group']) {
      const run = await runCli(['exec', 'echo hi', '-i', inventory, '--ssh-config', '/dev/null', '--password-env', 'FLEET_PW', '--output', output, '-v'], { env: env() });
      expect(run.code).toBe(3);
      expectNoSecret(`${output} stdout`, run.stdout);
      expectNoSecret(`${output} stderr`, run.stderr);
    }
    const json = await runCli(['exec', 'echo hi', '-i', inventory, '--ssh-config', '/dev/null', '--output', 'json'], { env: env() });
    const doc = JSON.parse(json.stdout) as { hosts: { host: string; status: string; error: { code: string } | null }[] };
    expect(Object.fromEntries(doc.hosts.map((h) => [h.host, h.error?.code ?? h.status]))).toEqual({
      'by-key-text': 'ok',
      'by-encrypted-key': 'ok',
      // The lab takes keys only: the password is offered and refused.
      'by-password-only': 'FLEET_AUTH_FAILED',
      unreachable: 'FLEET_CONNECT_REFUSED',
    });
    const wrong = await runCli(['exec', 'echo hi', '-i', inventory, '-l', 'by-encrypted-key', '--ssh-config', '/dev/null', '--output', 'jsonl'], {
      env: { ...env(), FLEET_KEY_PASSPHRASE: WRONG_PASSPHRASE },
    });
    expect(wrong.stdout).toContain('FLEET_KEY_INVALID');
    expectNoSecret('wrong passphrase jsonl', wrong.stdout + wrong.stderr);
  });

  it('keeps them out of library events, results and error messages', async () => {
    const host = lab.hosts[0] as Lab['hosts'][0];
    const specs = hostSpecs(lab, [direct(host, 'key-text'), direct(host, 'password')], { identityFiles: [], passwordEnv: 'FLEET_PW' });
    specs[0] = { ...(specs[0] as (typeof specs)[0]), keyEnv: 'FLEET_KEY_TEXT' };
    await using fleet = openFleet({ inventory: specs, env: env() });
    const events: unknown[] = [];
    const report = await fleet.exec('echo hi', { onEvent: (e) => events.push(e) });
    expect(report.summary).toMatchObject({ ok: 1, auth: 1 });
    const errors = report.results.flatMap((r) => (r.error ? [r.error] : []));
    const text = JSON.stringify({ events, report, errors: errors.map((e) => ({ message: e.message, stack: e.stack, context: e.context, cause: String(e.cause) })) });
    expectNoSecret('library output', text);
  });

  it('keeps them out of -v phases and -vv protocol debug (password, passphrase, key text, sudo password)', async () => {
    for (const verbose of ['-v', '-vv']) {
      for (const output of ['stream', 'jsonl']) {
        const run = await runCli(['exec', 'id -u', '-i', inventory, '--ssh-config', '/dev/null', '--password-env', 'FLEET_PW', '--output', output, verbose, '--sudo', '--sudo-password-env', 'FLEET_SUDO_PW'], { env: env() });
        expect(run.code).not.toBe(0); // the refused password and the unreachable host
        // Not vacuous: the verbose output is there to search.
        expect(run.stderr).toMatch(/^by-key-text {2}auth +\d+\.\dms$/m);
        if (verbose === '-vv') expect(run.stderr).toMatch(/^by-password-only {2}debug +.*USERAUTH/m);
        expectNoSecret(`${verbose} ${output} stdout`, run.stdout);
        expectNoSecret(`${verbose} ${output} stderr`, run.stderr);
      }
    }
  });

  it('keeps them out of the built CLI with FLEET_DEBUG=1', async () => {
    const run = await spawnFleet(['exec', 'echo hi', '-i', inventory, '--ssh-config', '/dev/null', '--password-env', 'FLEET_PW', '--output', 'jsonl', '-vv'], {
      cwd: lab.dir,
      env: { ...env(), FLEET_DEBUG: '1' },
    });
    expect(run.code).toBe(3);
    expectNoSecret('spawned stdout', run.stdout);
    expectNoSecret('spawned stderr', run.stderr);
  });
});
