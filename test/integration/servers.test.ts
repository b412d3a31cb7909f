// Smoke test of the test harness itself (no fleet code): the globalSetup's sshd containers and
// the local sshd lab answer real OpenSSH clients the way the other integration tests expect.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client } from 'ssh2';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { labProcesses, startLab, type Lab } from '../lab/lab.js';
import { isAlive } from '../lab/processes.js';

const run = promisify(execFile);

/** OpenSSH client, strict host keys, no prompts, no ~/.ssh of this machine. */
async function ssh(target: { host: string; port: number; key: string; knownHosts: string }, command: string): Promise<string> {
  const { stdout } = await run('ssh', [
    '-F', '/dev/null',
    '-i', target.key,
    '-o', 'IdentitiesOnly=yes',
    '-o', `UserKnownHostsFile=${target.knownHosts}`,
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'BatchMode=yes',
    '-o', 'ConnectTimeout=10',
    '-p', String(target.port),
    `root@${target.host}`,
    command,
  ], { timeout: 30_000 });
  return stdout.trim();
}

/** Run one command over ssh2 with password auth; resolves with stdout. */
function ssh2Password(host: string, port: number, username: string, password: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.on('error', reject);
    client.on('ready', () => {
      client.exec(command, (err, channel) => {
        if (err) return reject(err);
        let out = '';
        channel.on('data', (d: Buffer) => (out += d.toString()));
        channel.on('close', () => {
          client.end();
          resolve(out.trim());
        });
      });
    });
    client.connect({ host, port, username, password, readyTimeout: 20_000, hostVerifier: () => true });
  });
}

describe('sshd containers (globalSetup)', () => {
  const env = inject('sshd');

  it('each container answers with its own hostname, host key pinned by the fixture', async () => {
    const names = await Promise.all(
      env.containers.map((c) => ssh({ host: c.host, port: c.port, key: env.keys.id_ed25519, knownHosts: env.knownHostsFile }, 'uname -n')),
    );
    expect(names).toEqual(env.containers.map((c) => c.name));
    expect(new Set(names).size).toBe(env.containers.length);
  });

  it('accepts the PEM RSA key and refuses the unauthorized one', async () => {
    const c = env.containers[0]!;
    const target = { host: c.host, port: c.port, knownHosts: env.knownHostsFile };
    await expect(ssh({ ...target, key: env.keys.id_rsa_pem }, 'id -u')).resolves.toBe('0');
    await expect(ssh({ ...target, key: env.keys.id_ed25519_unauthorized }, 'true')).rejects.toThrow(/Permission denied/);
  });

  it('lets tester in by password, and sudo asks for that password', async () => {
    const c = env.containers[1]!;
    const out = await ssh2Password(c.host, c.port, 'tester', env.testerPassword, `sudo -k; echo '${env.testerPassword}' | sudo -S -p '' id -u; sudo -k; sudo -n true 2>/dev/null || echo needs-password`);
    expect(out.split('\n')).toEqual(['0', 'needs-password']);
  });
});

describe('local sshd lab', () => {
  let lab: Lab | undefined;
  afterAll(async () => {
    await lab?.stop();
  });

  it('starts 5 hosts with their own hostnames and private /tmp, and stop() leaves nothing', async () => {
    lab = await startLab({ hosts: 5, name: 'servers-smoke' });
    expect(lab.hosts.map((h) => h.name)).toEqual(['lab001', 'lab002', 'lab003', 'lab004', 'lab005']);
    const [one, two, three] = lab.hosts.map((h) => ({ host: h.address, port: h.port, key: lab!.keyFile, knownHosts: lab!.knownHostsFile }));

    expect(await ssh(one!, 'uname -n; echo marker > /tmp/fleet-smoke; cat /tmp/fleet-smoke')).toBe('lab001\nmarker');
    expect(await ssh(two!, 'uname -n; test -e /tmp/fleet-smoke && echo visible || echo absent')).toBe('lab002\nabsent');

    // A command left behind on a host is a process on this machine, found by host; stop() kills it.
    await ssh(three!, 'nohup sleep 4242 >/dev/null 2>&1 < /dev/null & echo started');
    const left = labProcesses(lab, { host: 'lab003', pattern: 'sleep 4242' });
    expect(left).toHaveLength(1);

    const pids = [...lab.hosts.map((h) => h.pid), ...left.map((p) => p.pid)];
    await lab.stop();
    lab = undefined;
    expect(pids.filter(isAlive)).toEqual([]);
  });
});
