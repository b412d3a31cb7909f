// Round trips of a fresh connection, counted behind the latency proxy (test/lab/latency-proxy.ts):
// after the key exchange, SERVICE_REQUEST, the signed USERAUTH_REQUEST and CHANNEL_OPEN leave in
// one flight (ssh2-internals.ts), so authentication plus the first exec take 2 round trips, not 4.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostSpec } from '../../src/inventory/host-spec.js';
import { type ConnectOptions, createCredentialCache, createSshTransport, type KnownHosts, loadKnownHosts } from '../../src/transport/index.js';
import { Keeper } from '../../src/transport/keeper/keeper.js';
import { createKeeperTransport } from '../../src/transport/keeper/keeper-transport.js';
import { keeperPaths } from '../../src/transport/keeper/paths.js';
import { startLab, type Lab } from '../lab/lab.js';
import { startLatencyProxies, type LatencyProxies } from '../lab/latency-proxy.js';
import { fixtureKeyPath } from '../setup/keys.js';

const RTT_MS = 250;
const transport = createSshTransport();
let lab: Lab;
let proxies: LatencyProxies;
let knownHosts: KnownHosts;

beforeAll(async () => {
  // MaxSessions 1: an early channel left open would block the next session (checked below).
  // LogLevel DEBUG1: sshd logs the key exchange it chose (the kex profile test reads it).
  lab = await startLab({ hosts: 1, name: 'it-roundtrips', sshdOptions: { MaxSessions: '1', LogLevel: 'DEBUG1' } });
  const h = lab.hosts[0]!;
  proxies = await startLatencyProxies({ targets: [{ name: h.name, host: h.address, port: h.port }], rttMs: RTT_MS });
  knownHosts = await loadKnownHosts({ files: [lab.knownHostsFile], globalFiles: [], writeFile: null });
}, 120_000);

afterAll(async () => {
  await proxies?.close();
  await lab?.stop();
});

function proxied(over: Partial<HostSpec> = {}): HostSpec {
  const p = proxies.hosts[0]!;
  // Host keys are pinned by the lab address; the proxy listens on its own address.
  return { name: p.name, address: p.proxy.host, port: p.proxy.port, user: 'root', identityFiles: [lab.keyFile], knownHostsFiles: [], labels: {}, vars: {}, groups: [], ...over };
}

function options(): ConnectOptions {
  return { connectTimeoutMs: 20_000, hostKeyPolicy: 'off', knownHosts, credentials: createCredentialCache(), maxSessions: 1 };
}

/** Round trips from the end of the key exchange to the first exec's exit. */
async function measure(host: HostSpec): Promise<{ afterKex: number }> {
  let kexDone = 0;
  const conn = await transport.connect(host, { ...options(), onPhase: (phase) => (phase === 'connected' ? (kexDone = performance.now()) : undefined) });
  try {
    const exit = await conn.exec({ command: 'true' });
    expect(exit.exitCode).toBe(0);
    const end = performance.now();
    return { afterKex: (end - kexDone) / RTT_MS };
  } finally {
    await conn.close();
  }
}

describe('a fresh connection at RTT 250 ms', () => {
  it('authenticates and runs its first exec in 2 round trips after the key exchange (one flight: service, auth, channel open)', async () => {
    // The whole figure (TCP + banner 2, key exchange 1, auth + channel 1, exec 1) is the bench's
    // (roundtrips case): here a cold first connect's CPU would make it flaky.
    // The better of two connects: server CPU on a loaded machine adds to both, round trips do not.
    const afterKex = Math.min((await measure(proxied())).afterKex, (await measure(proxied())).afterKex);
    // Service, auth, channel open and exec one after the other would be 4 round trips.
    expect(afterKex).toBeLessThan(3);
  });

  it('with a refused key first, falls back to the usual sequence and still gets in', async () => {
    const identityFiles = [fixtureKeyPath('id_ed25519_unauthorized'), lab.keyFile];
    const { afterKex } = await measure(proxied({ identityFiles }));
    // No early channel with two keys: auth (refused), auth, then open and exec.
    expect(afterKex).toBeGreaterThan(3);
  });

  it('closes the early channel before an SFTP session on a MaxSessions 1 server, and the next exec still runs', async () => {
    const conn = await transport.connect(proxied(), options());
    try {
      const sftp = await conn.sftp();
      expect((await sftp.stat('/')).isDirectory).toBe(true);
      await sftp.end();
      expect((await conn.exec({ command: 'true' })).exitCode).toBe(0);
    } finally {
      await conn.close();
    }
  });
});

describe('a kept connection (--persist) at RTT 250 ms', () => {
  it('runs the next command in 2 round trips: its liveness check travels with the channel open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-keeper-rtt-'));
    const env = { FLEET_KEEPER_DIR: dir };
    const keeper = new Keeper({ paths: keeperPaths(env) });
    await keeper.listen();
    const kept = createKeeperTransport({ direct: transport, env });
    const host = proxied({ persistMs: 60_000 });
    const once = async (): Promise<number> => {
      const t0 = performance.now();
      const conn = await kept.connect(host, options());
      try {
        expect((await conn.exec({ command: 'true' })).exitCode).toBe(0);
        return (performance.now() - t0) / RTT_MS;
      } finally {
        await conn.close();
      }
    };
    try {
      await once(); // connects; the keeper then holds the connection
      // Acquire (local), then channel open + keepalive in one flight, then exec: 2 round trips.
      // A separate check before the command would make it 3.
      const warm = Math.min(await once(), await once());
      expect(warm).toBeGreaterThan(1.5);
      expect(warm).toBeLessThan(2.6);
    } finally {
      kept.close();
      keeper.stop('test');
      await keeper.finished;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('kex_profile', () => {
  const chosenKex = async (over: Partial<HostSpec>): Promise<string | undefined> => {
    const log = join(lab.dir, 'hosts', lab.hosts[0]!.name, 'sshd.log');
    const before = readFileSync(log, 'utf8').length;
    const conn = await transport.connect(proxied(over), options());
    await conn.close();
    return /kex: algorithm: (\S+)/.exec(readFileSync(log, 'utf8').slice(before))?.[1];
  };

  it('fast offers ecdh-sha2-nistp256 first; the default keeps curve25519 first', async () => {
    expect(await chosenKex({ kexProfile: 'fast' })).toBe('ecdh-sha2-nistp256');
    expect(await chosenKex({})).toBe('curve25519-sha256');
    expect(await chosenKex({ kexProfile: 'default' })).toBe('curve25519-sha256');
  });
});
