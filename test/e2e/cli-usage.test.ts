import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
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

  it('--help exits 0 and lists exec', async () => {
    const result = await fleet(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('exec');
  });
});
