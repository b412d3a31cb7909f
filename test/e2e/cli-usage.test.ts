import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnFleet as fleet } from '../support/spawn-fleet.js';
import { tempDir } from '../support/temp-dir.js';

describe('fleet CLI: bad input is a one-line error and exit 2, before any connection', () => {
  let dir: string;
  let inventory: string;
  beforeAll(async () => {
    dir = tempDir('fleet-e2e-');
    inventory = path.join(dir, 'hosts.yaml');
    // Port 9 (discard) on loopback: if anything tried to connect, the error would be different.
    await writeFile(inventory, 'hosts:\n  web[01:03]: {host: 127.0.0.1, port: 9}\n  db1: {host: 127.0.0.1, port: 9}\n');
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const expectUsage = (result: { code: number; stdout: string; stderr: string }, pattern: RegExp) => {
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(pattern);
  };

  it('missing inventory file', async () => {
    expectUsage(await fleet(['exec', 'true', '-i', path.join(dir, 'nope.yaml')]), /nope\.yaml/);
  });

  it('no inventory at all names the places it looked', async () => {
    const empty = tempDir('fleet-e2e-empty-');
    expectUsage(await fleet(['exec', 'true'], empty), /hosts\.yaml.*inventory\.yaml/);
    await rm(empty, { recursive: true });
  });

  it('YAML syntax error, with file and line', async () => {
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, 'hosts:\n  web1: {host: 127.0.0.1\n  web2: {}\n');
    expectUsage(await fleet(['exec', 'true', '-i', bad]), /bad\.yaml:\d+/);
  });

  it('unknown host pattern', async () => {
    expectUsage(await fleet(['exec', 'true', '-i', inventory, '-l', 'mail01']), /mail01/);
  });

  it('empty selection', async () => {
    expectUsage(await fleet(['exec', 'true', '-i', inventory, '-l', 'web*:&db*']), /no hosts|match/i);
  });

  // In a script `-l "$UNSET"` is `-l ''`: running on every host would turn a typo into an outage.
  it.each([
    ['-l', ''],
    ['-l', ' '],
    ['-l', ','],
    ['-l', ' : , '],
    ['-H', ''],
    ['-H', ' '],
  ])('an empty selection (%s %j) is a usage error, never all hosts', async (flag, value) => {
    expectUsage(await fleet(['exec', 'true', '-i', inventory, flag, value]), /empty|at least one host/);
    expectUsage(await fleet(['hosts', '-i', inventory, flag, value]), /empty|at least one host/);
  });

  it('--help of hosts lists only the options hosts takes', async () => {
    const help = (await fleet(['hosts', '--help'])).stdout;
    expect(help).toMatch(/--inventory/);
    expect(help).toMatch(/--explain/);
    for (const option of ['--forks', '--timeout', '--deadline', '--retries', '--strict-host-keys', '--quiet', '--verbose']) expect(help).not.toContain(option);
    expectUsage(await fleet(['hosts', '-i', inventory, '-f', '5']), /unknown option '-f'/);
  });

  it('--dry-run does not suggest an option that runs commands, and says what to use', async () => {
    const result = await fleet(['exec', 'true', '-i', inventory, '--dry-run']);
    expectUsage(result, /--dry-run/);
    expect(result.stderr).not.toMatch(/--rerun|--only-failed/);
    expect(result.stderr).toMatch(/fleet hosts/);
  });

  it('put of two sources with the same name into one directory is a usage error, before connecting', async () => {
    for (const d of ['a', 'b']) {
      await mkdir(path.join(dir, d), { recursive: true });
      await writeFile(path.join(dir, d, 'x'), d);
    }
    expectUsage(await fleet(['put', path.join(dir, 'a', 'x'), path.join(dir, 'b', 'x'), '/tmp/dest/', '-i', inventory]), /same name "x"/);
  });

  it('bad duration names the flag', async () => {
    expectUsage(await fleet(['exec', 'true', '-i', inventory, '--timeout', '10x']), /--timeout.*10x/);
  });

  it('bad forks names the flag', async () => {
    expectUsage(await fleet(['exec', 'true', '-i', inventory, '-f', '0']), /--forks/);
  });

  it('an unknown option is a usage error', async () => {
    const result = await fleet(['exec', 'true', '--frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown option/);
  });

  it('common options go before the command too: fleet -i FILE hosts, fleet -l P -i FILE exec', async () => {
    const hosts = await fleet(['-i', inventory, '-l', 'web*', 'hosts']);
    expect(hosts.code).toBe(0);
    expect(hosts.stdout.split('\n').slice(1).filter(Boolean).map((l) => l.split(' ')[0])).toEqual(['web01', 'web02', 'web03']);
    // Port 9 refuses at once: every selected host ends unreachable (exit 3); which ones ran tells.
    // cwd (and so HOME, where the rerun file goes) in the test's directory.
    const exec = await fleet(['-l', 'web01,web02', '-i', inventory, '--output', 'jsonl', '--ssh-config', '/dev/null', 'exec', 'uptime'], dir);
    expect(exec.code).toBe(3);
    const ran = exec.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; host?: string }).filter((e) => e.type === 'exit').map((e) => e.host);
    expect(ran.sort()).toEqual(['web01', 'web02']);
  });

  it('an option given before and after the command: the command\'s own value wins', async () => {
    const hosts = await fleet(['-l', 'web01', '-i', inventory, 'hosts', '-l', 'db1', '--output', 'json']);
    expect(hosts.code).toBe(0);
    expect((JSON.parse(hosts.stdout) as { hosts: { host: string }[] }).hosts.map((h) => h.host)).toEqual(['db1']);
  });

  it('an option before a command that does not take it is a usage error', async () => {
    expectUsage(await fleet(['-f', '5', '-i', inventory, 'hosts']), /--forks does not apply to `hosts`/);
  });

  it('--help exits 0 and lists exec', async () => {
    const result = await fleet(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('exec');
  });
});
