// Messages that say what is wrong, through the CLI against the local sshd lab: an auth failure
// names the user it tried; strict checking against a missing known_hosts file names the file.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/lab.js';
import { fixtureKeyPath } from '../setup/keys.js';
import { runCli } from '../support/cli.js';

let lab: Lab;
beforeAll(async () => {
  lab = await startLab({ hosts: 1, name: 'e2e-messages' });
}, 120_000);
afterAll(async () => {
  await lab?.stop();
});

const exec = (...args: string[]) =>
  runCli(['exec', 'true', '-i', lab.inventoryFile, '--ssh-config', '/dev/null', '--output', 'json', ...args], { env: { HOME: lab.dir, PATH: process.env['PATH'] } });
const errorOf = (stdout: string): { code: string; message: string } => (JSON.parse(stdout) as { hosts: { error: { code: string; message: string } }[] }).hosts[0]!.error;

describe('messages', () => {
  it('an auth failure names the user it tried (root@lab001)', async () => {
    const run = await exec('--identity', fixtureKeyPath('id_ed25519_unauthorized'));
    expect(run.code).toBe(3);
    const error = errorOf(run.stdout);
    expect(error.code).toBe('FLEET_AUTH_FAILED');
    expect(error.message).toMatch(/^root@lab001 \(127\.\d+\.\d+\.\d+:22\): authentication failed; tried: publickey/);
  });

  it('strict host keys with a missing known_hosts file: says it is missing and names it', async () => {
    const missing = join(lab.dir, 'no-such-dir', 'known_hosts');
    const run = await exec('--known-hosts', missing);
    expect(run.code).toBe(3);
    const error = errorOf(run.stdout);
    expect(error.code).toBe('FLEET_HOSTKEY_UNKNOWN');
    expect(error.message).toContain(`the known_hosts file ${missing} does not exist`);
  });
});
