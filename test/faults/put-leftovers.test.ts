/**
 * An upload cut mid-way (the connection reset by a proxy in front of a real sshd) leaves its
 * temp beside the target: mode 0600, whatever mode the file is to get. The next put to the same
 * target removes it, and the target gets its mode only once complete.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFleet } from '../../src/fleet.js';
import { startLab, type Lab } from '../lab/lab.js';
import { runCli } from '../support/cli.js';
import { checkedRun, useLeakGuard } from './support/checks.js';
import { direct, endpoint, hostSpecs, writeFaultInventory } from './support/fault-hosts.js';
import { startFaultProxy, type FaultProxy } from './support/fault-proxy.js';

describe('a put cut mid-way, then put again', () => {
  let lab: Lab;
  let local: string;
  let remoteDir: string;
  let cut: FaultProxy | undefined;
  useLeakGuard();

  beforeAll(async () => {
    lab = await startLab({ hosts: 1, name: 'faults-leftovers' });
    // The lab's state dir is the same directory for the host's sshd and for this test (its /tmp is not).
    const work = mkdtempSync(join(lab.dir, 'work-'));
    remoteDir = join(work, 'remote');
    mkdirSync(remoteDir);
    local = join(work, 'big.bin');
    writeFileSync(local, randomBytes(16 * 1024 * 1024));
  });
  afterAll(async () => {
    await cut?.close();
    await lab?.stop();
  });

  const temps = (): string[] => readdirSync(remoteDir).filter((n) => /^\.big\.bin\.fleet-[0-9a-f]{12}$/.test(n));
  const modeOf = (path: string): number => statSync(path).mode & 0o7777;

  it('the cut upload leaves a 0600 temp; the next put removes it and gives the target its mode', async () => {
    const host = lab.hosts[0] as Lab['hosts'][0];
    const target = join(remoteDir, 'big.bin');
    cut = await startFaultProxy({ kind: 'forward', target: { host: host.address, port: host.port }, resetAt: { clientBytes: 8 * 1024 * 1024 } });
    {
      await using fleet = openFleet({ inventory: hostSpecs(lab, [endpoint('web01', cut, host)]), connectTimeoutMs: 5000 });
      const run = await checkedRun((onEvent) => fleet.put(local, target, { onEvent, mode: 0o755, timeoutMs: 30_000 }));
      expect(run.code).toEqual({ web01: 'FLEET_CONNECTION_LOST' });
      // The message names the target asked for, not only the temp the bytes went to.
      const failed = run.report.results[0];
      expect(failed?.error?.message).toContain(`put ${target}: `);
    }
    await cut.close();
    cut = undefined;
    const left = temps();
    expect(left).toHaveLength(1);
    // Created 0600 and still 0600 mid-way: the 0755 asked for comes only with the rename.
    expect(modeOf(join(remoteDir, left[0] as string)).toString(8)).toBe('600');
    expect(readdirSync(remoteDir)).not.toContain('big.bin');

    // The same target again, now directly, through the CLI.
    const inventory = writeFaultInventory(lab, [direct(host, 'web01')], 'leftovers.yaml');
    const again = await runCli(['put', local, target, '--mode', '0755', '-i', inventory, '--ssh-config', '/dev/null', '--output', 'json']);
    expect(again.code, again.stderr).toBe(0);
    expect(temps()).toEqual([]);
    expect(modeOf(target).toString(8)).toBe('755');
    expect(readFileSync(target).equals(readFileSync(local))).toBe(true);
  });

  it('leaves other files alone, and another target\'s temps', async () => {
    const other = join(remoteDir, '.other.bin.fleet-0123456789ab');
    const lookalike = join(remoteDir, '.big.bin.fleet-notrandom');
    writeFileSync(other, 'x');
    writeFileSync(lookalike, 'x');
    const inventory = writeFaultInventory(lab, [direct(lab.hosts[0] as Lab['hosts'][0], 'web01')], 'leftovers.yaml');
    const run = await runCli(['put', local, join(remoteDir, 'big.bin'), '-i', inventory, '--ssh-config', '/dev/null', '--output', 'json']);
    expect(run.code, run.stderr).toBe(0);
    expect(readdirSync(remoteDir).sort()).toEqual(['.big.bin.fleet-notrandom', '.other.bin.fleet-0123456789ab', 'big.bin']);
  });
});
