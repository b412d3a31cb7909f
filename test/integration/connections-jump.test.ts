// ProxyJump against real OpenSSH: containers of their own, `inner` reached only through `bastion`
// by its address on the docker bridge (this machine; nothing leaves it). Also: the per-bastion
// handshake cap against a low MaxStartups, and a peer frozen mid-command found by keepalives.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FleetError } from '../../src/errors.js';
import { openFleet } from '../../src/fleet.js';
import type { HostSpec } from '../../src/inventory/host-spec.js';
import { loadInventory } from '../../src/inventory/index.js';
import { createCredentialCache, createJumpHosts, createSshTransport, loadKnownHosts } from '../../src/transport/index.js';
import { startSshdContainers, type SshdContainers } from '../setup/containers.js';
import { imageKnownHostsLines } from '../setup/keys.js';
import { runCli } from '../support/cli.js';
import { containerIp, logCount, ping, run, spec, tempDir } from './connections-support.js';

let set: SshdContainers;
// MaxStartups 2: a third unauthenticated connection is dropped. (Not 1: sshd's listener learns
// that a connection authenticated a moment after the client does, so a cap of 1 could still
// meet a count of 2 there.)
let strict: SshdContainers;
let bastionIp: string;
let innerIp: string;
let strictIp: string;
const work = tempDir('fleet-jump-');
let knownHostsFile: string;
let inventoryFile: string;

const ids = () => ({ bastion: set.containers[0]?.containerId ?? '', inner: set.containers[1]?.containerId ?? '' });
const bastionPort = () => set.containers[0]?.port ?? 0;

beforeAll(async () => {
  [set, strict] = await Promise.all([
    startSshdContainers(2, { names: ['bastion', 'inner'] }),
    startSshdContainers(1, { names: ['strict'], maxStartups: '2', build: false }),
  ]);
  [bastionIp, innerIp, strictIp] = await Promise.all([ids().bastion, ids().inner, strict.containers[0]?.containerId ?? ''].map(containerIp)) as [string, string, string];
  knownHostsFile = join(work.dir, 'known_hosts');
  const lines = [...imageKnownHostsLines('127.0.0.1', bastionPort()), ...imageKnownHostsLines(innerIp, 22), ...imageKnownHostsLines(strictIp, 22)];
  writeFileSync(knownHostsFile, `${lines.join('\n')}\n`, { mode: 0o600 });
  inventoryFile = join(work.dir, 'inventory.yaml');
  const aliases = ['inner', 'inner-a', 'inner-b'].map((n) => `  ${n}: {host: ${innerIp}, proxy_jump: bastion}`);
  writeFileSync(
    inventoryFile,
    [
      'defaults:',
      `  user: root`,
      `  key: ${set.keys.id_ed25519}`,
      `  known_hosts: ${knownHostsFile}`,
      'hosts:',
      `  bastion: {host: 127.0.0.1, port: ${bastionPort()}}`,
      ...aliases,
      `  by-address: {host: ${innerIp}, proxy_jump: "root@127.0.0.1:${bastionPort()}"}`,
      `  chained: {host: ${innerIp}, proxy_jump: "bastion,inner"}`,
      `  closed-port: {host: ${innerIp}, port: 2, proxy_jump: bastion}`,
      ...Array.from({ length: 6 }, (_, i) => `  strict${i}: {host: ${strictIp}, proxy_jump: bastion}`),
      '',
    ].join('\n'),
  );
}, 300_000);

afterAll(async () => {
  await Promise.all([set?.stop(), strict?.stop()]);
  work.remove();
});

async function pingLimit(limit: string, opts: { jumpHandshakes?: number } = {}) {
  const inventory = await loadInventory(inventoryFile, { sshConfig: false });
  await using fleet = openFleet({ inventory, limit, ...opts });
  return await fleet.ping(); // awaited here: `using` disposes when the function returns
}

describe('proxy_jump', () => {
  it('reaches the inner host through the bastion, which is where the inner sshd sees us come from', async () => {
    const fromBastion = new RegExp(`Accepted publickey for root from ${bastionIp.replaceAll('.', '\\.')} `);
    const before = await logCount(ids().inner, fromBastion);
    const direct = await logCount(ids().inner, /Accepted publickey for root from 172\.\d+\.0\.1 /);
    const report = await pingLimit('inner');
    expect(report.results[0]).toMatchObject({ host: 'inner', ok: true, value: { hostKeyType: 'ssh-ed25519' } });
    expect(await logCount(ids().inner, fromBastion)).toBe(before + 1);
    expect(await logCount(ids().inner, /Accepted publickey for root from 172\.\d+\.0\.1 /)).toBe(direct); // never directly
  });

  it('shares one bastion connection among every host behind it', async () => {
    const before = await logCount(ids().bastion, /Accepted publickey/);
    const report = await pingLimit('inner*');
    expect(report.summary).toMatchObject({ total: 3, ok: 3 });
    expect(await logCount(ids().bastion, /Accepted publickey/)).toBe(before + 1);
  });

  it('takes a [user@]host:port hop and a two-hop chain', async () => {
    const report = await pingLimit('by-address,chained');
    expect(report.summary).toMatchObject({ total: 2, ok: 2 });
  });

  it('a target the bastion cannot reach is unreachable / FLEET_CONNECT_REFUSED', async () => {
    const report = await pingLimit('closed-port');
    expect(report.results[0]).toMatchObject({ ok: false, error: { code: 'FLEET_CONNECT_REFUSED' } });
    expect(report.summary.unreachable).toBe(1);
  });

  it('checks the bastion’s own host key: unknown bastion, no connection to the inner host', async () => {
    const file = join(work.dir, 'known_hosts_inner_only');
    writeFileSync(file, `${imageKnownHostsLines(innerIp, 22).join('\n')}\n`);
    const before = await logCount(ids().inner, /Accepted|Connection from|Failed/);
    const inventory = await loadInventory(inventoryFile, { sshConfig: false });
    await using fleet = openFleet({ inventory, limit: 'inner', knownHostsFiles: [file] });
    const report = await fleet.ping();
    expect(report.results[0]).toMatchObject({ ok: false, error: { code: 'FLEET_HOSTKEY_UNKNOWN' } });
    const result = report.results[0];
    if (result?.error) expect(result.error.message).toMatch(/via jump host: host key of bastion/);
    expect(await logCount(ids().inner, /Accepted|Connection from|Failed/)).toBe(before);
  });

  it('works from the command line, with the bastion outside the -l selection (CLI)', async () => {
    const result = await runCli(['ping', '-i', inventoryFile, '-l', 'inner-a', '--ssh-config', '/dev/null', '--output', 'json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).hosts).toMatchObject([{ host: 'inner-a', status: 'ok' }]);
    const scan = await runCli(['hostkeys', 'scan', '-i', inventoryFile, '-l', 'inner-b', '--ssh-config', '/dev/null']);
    expect(scan.code).toBe(0);
    expect(scan.stdout).toMatch(new RegExp(`inner-b\\s+${innerIp.replaceAll('.', '\\.')}\\s+ssh-ed25519\\s+SHA256:\\S+\\s+known`));
  });
});

describe('--jump-handshakes against MaxStartups 2 behind the bastion', () => {
  it('a cap of 1 gets all 6 hosts in; without the cap the inner sshd drops some', async () => {
    const capped = await pingLimit('strict*', { jumpHandshakes: 1 });
    expect(capped.summary).toMatchObject({ total: 6, ok: 6 });
    const uncapped = await pingLimit('strict*', { jumpHandshakes: 10 });
    expect(uncapped.summary.unreachable).toBeGreaterThan(0);
    const cli = await runCli(['ping', '-i', inventoryFile, '-l', 'strict*', '--jump-handshakes', '1', '--ssh-config', '/dev/null', '--output', 'json']);
    expect(cli.code).toBe(0);
  });
});

describe('keepalive', () => {
  it('a peer frozen mid-command (docker pause) is detected: FLEET_CONNECTION_LOST, bounded by the keepalive', async () => {
    const jumps = createJumpHosts({ hosts: [spec('bastion', '127.0.0.1', bastionPort(), { identityFiles: [set.keys.id_ed25519] })] });
    const knownHosts = await loadKnownHosts({ files: [knownHostsFile], globalFiles: [], writeFile: null });
    const host: HostSpec = spec('inner', innerIp, 22, { identityFiles: [set.keys.id_ed25519], proxyJump: 'bastion' });
    const conn = await createSshTransport().connect(host, {
      connectTimeoutMs: 10_000,
      hostKeyPolicy: 'strict',
      knownHosts,
      credentials: createCredentialCache(),
      jumps,
      keepaliveIntervalMs: 500,
      keepaliveCountMax: 2,
    });
    try {
      const running = conn.exec({ command: 'sleep 120' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      await vi.waitFor(async () => expect((await run('docker', ['top', ids().inner])).stdout).toContain('sleep 120'), { timeout: 10_000, interval: 100 });
      await run('docker', ['pause', ids().inner]);
      const paused = Date.now();
      const error = await running;
      expect(error).toBeInstanceOf(FleetError);
      expect((error as FleetError).code).toBe('FLEET_CONNECTION_LOST');
      expect((await conn.closed)?.code).toBe('FLEET_CONNECTION_LOST');
      // 500 ms x (2 unanswered + 1), with the 2 s slack the fault rules allow.
      expect(Date.now() - paused).toBeLessThan(1500 + 2000);
    } finally {
      await run('docker', ['unpause', ids().inner]).catch(() => undefined);
      await conn.close();
      await jumps.close();
    }
  });
});
