// Extra SFTP channels ("lanes") for large files behind a slow link, against real sshds reached
// through the lab's latency proxy: how many a host opens, and that an operation's budget caps
// them across hosts (20 hosts x 4 lanes once held ~500 MiB in flight).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostSpec } from '../../src/inventory/host-spec.js';
import { createHash, randomBytes } from 'node:crypto';
import { LaneBudget, Lanes, MULTI_LANE_MIN_BYTES } from '../../src/tasks/transfer-lanes.js';
import { SharedSources } from '../../src/tasks/transfer-source.js';
import { uploadFile } from '../../src/tasks/transfer-upload.js';
import { type Connection, createCredentialCache, createSshTransport, loadKnownHosts } from '../../src/transport/index.js';
import { deriveKnownHosts, startLatencyProxies, type LatencyProxies } from '../lab/latency-proxy.js';
import { startLab, type Lab } from '../lab/lab.js';

const RTT_MS = 50;

let lab: Lab;
let proxies: LatencyProxies;
let work: string;
const connections: Connection[] = [];

beforeAll(async () => {
  lab = await startLab({ hosts: 2, name: 'transfer-lanes-test' });
  proxies = await startLatencyProxies({ targets: lab.hosts.map((h) => ({ name: h.name, host: h.address, port: h.port })), rttMs: RTT_MS });
  work = mkdtempSync(join(tmpdir(), 'fleet-lanes-'));
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(connections.map((c) => c.close()));
  await proxies?.close();
  await lab?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function connectThroughProxy(index: number): Promise<Connection> {
  const proxied = proxies.hosts[index];
  if (proxied === undefined) throw new Error(`no proxied host ${index}`);
  const knownHostsFile = join(work, 'known_hosts');
  writeFileSync(knownHostsFile, deriveKnownHosts(readFileSync(lab.knownHostsFile, 'utf8'), proxies.hosts));
  const knownHosts = await loadKnownHosts({ files: [knownHostsFile], globalFiles: [], writeFile: null });
  const spec: HostSpec = {
    name: proxied.name,
    address: proxied.proxy.host,
    port: proxied.proxy.port,
    user: 'root',
    identityFiles: [lab.keyFile],
    knownHostsFiles: [],
    labels: {},
    vars: {},
    groups: [],
  };
  const conn = await createSshTransport().connect(spec, {
    connectTimeoutMs: 10_000,
    hostKeyPolicy: 'strict',
    knownHosts,
    credentials: createCredentialCache(),
  });
  connections.push(conn);
  return conn;
}

describe('Lanes behind a 50 ms link', () => {
  it('open extra channels for a large file, share the operation budget, and give it back', async () => {
    const signal = new AbortController().signal;
    const budget = new LaneBudget(2);
    const first = await connectThroughProxy(0);
    const second = await connectThroughProxy(1);
    const a = new Lanes(first, await first.sftp({ signal }), RTT_MS, budget);
    const b = new Lanes(second, await second.sftp({ signal }), RTT_MS, budget);

    // A small file never widens, whatever the link.
    expect(await a.forFile(MULTI_LANE_MIN_BYTES - 1, signal)).toHaveLength(1);
    // 50 ms wants 4 lanes; the budget allows 2 extra: the first host takes both.
    const wide = await a.forFile(64 * 1024 * 1024, signal);
    expect(wide).toHaveLength(3);
    expect(new Set(wide.map((lane) => lane.session)).size).toBe(3);
    expect(budget.free).toBe(0);
    // Nothing left for the second host: it goes on with its one channel.
    expect(await b.forFile(64 * 1024 * 1024, signal)).toHaveLength(1);

    await a.endExtra();
    expect(budget.free).toBe(2);
    await b.endExtra();
    expect(budget.free).toBe(2);
  });

  it('an upload starts on the main lane and the extra lanes join it once they are open', async () => {
    const signal = new AbortController().signal;
    const conn = await connectThroughProxy(0);
    const lanes = new Lanes(conn, await conn.sftp({ signal }), RTT_MS, new LaneBudget(8));
    const size = 24 * 1024 * 1024;
    const data = randomBytes(size);
    const local = join(work, 'join.bin');
    writeFileSync(local, data);
    const sources = new SharedSources();
    const joining = lanes.extraFor(size, signal);
    await uploadFile({
      temp: '/tmp/lanes-join.bin',
      size,
      lane: lanes.main,
      joining,
      chunks: () => sources.consumer(local, size),
      signal,
      onBytes: () => undefined,
    });
    const extra = await joining;
    // 50 ms wants 4 lanes: 3 joined, each carried part of the file next to the main one.
    expect(extra).toHaveLength(3);
    expect(lanes.main.moved).toBeGreaterThan(0);
    expect(extra.every((lane) => lane.moved > 0)).toBe(true);
    expect(lanes.main.moved + extra.reduce((n, lane) => n + lane.moved, 0)).toBe(size);
    let stdout = '';
    await conn.exec({ command: 'sha256sum /tmp/lanes-join.bin', signal, onStdout: (chunk) => (stdout += chunk.toString()) });
    expect(stdout.split(' ')[0]).toBe(createHash('sha256').update(data).digest('hex'));
    await lanes.endExtra();
  });
});
