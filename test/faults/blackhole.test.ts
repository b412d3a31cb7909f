/**
 * Hosts that never answer, refuse, accept nothing, send no banner or a garbage one: each ends
 * with its exact code within the connect timeout, and healthy hosts beside them are not delayed.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFleet } from '../../src/fleet.js';
import { startLab, type Lab } from '../lab/lab.js';
import { runCli } from '../support/cli.js';
import { checkedRun, runBoundMs, useLeakGuard } from './support/checks.js';
import { direct, endpoint, hostSpecs, refusedPort, writeFaultInventory, type FaultHost } from './support/fault-hosts.js';
import { startFaultProxy, type FaultProxy } from './support/fault-proxy.js';
import { startFullBacklog, type FullBacklog } from './support/full-backlog.js';

const CONNECT_TIMEOUT_MS = 2000;
// Each host's final error code (`ok`: none).
const EXPECTED = {
  ok1: 'ok',
  silent: 'FLEET_CONNECT_TIMEOUT',
  refused: 'FLEET_CONNECT_REFUSED',
  backlog: 'FLEET_CONNECT_TIMEOUT',
  // RFC 4253 §4.2 lets a server send other lines before its identification, but a server that
  // sent text and no identification within a second of it is not an SSH server: it fails fast
  // (src/transport/ssh/banner.ts) rather than at the connect timeout as with OpenSSH.
  garbage: 'FLEET_HANDSHAKE_FAILED',
  sshv1: 'FLEET_HANDSHAKE_FAILED',
  noise: 'FLEET_HANDSHAKE_FAILED',
  ok2: 'ok',
};

describe('blackholed and hostile endpoints', () => {
  let lab: Lab;
  let silent: FaultProxy;
  let garbage: FaultProxy;
  let oldVersion: FaultProxy;
  let noise: FaultProxy;
  let backlog: FullBacklog;
  let hosts: FaultHost[];
  useLeakGuard();

  beforeAll(async () => {
    lab = await startLab({ hosts: 2, name: 'faults-blackhole' });
    [silent, garbage, oldVersion, noise, backlog] = await Promise.all([
      startFaultProxy({ kind: 'silent' }),
      startFaultProxy({ kind: 'garbage' }),
      startFaultProxy({ kind: 'garbage', text: 'SSH-1.5-OpenSSH_1.2.3\r\n' }),
      // A valid identification, then bytes that are no SSH packet.
      startFaultProxy({ kind: 'garbage', text: Buffer.concat([Buffer.from('SSH-2.0-OpenSSH_9.2\r\n'), randomBytes(4096)]) }),
      startFullBacklog(),
    ]);
    const [a, b] = lab.hosts as [Lab['hosts'][0], Lab['hosts'][0]];
    hosts = [
      direct(a, 'ok1'),
      endpoint('silent', silent),
      endpoint('refused', { host: '127.0.0.1', port: await refusedPort() }),
      endpoint('backlog', backlog),
      endpoint('garbage', garbage),
      endpoint('sshv1', oldVersion),
      endpoint('noise', noise),
      direct(b, 'ok2'),
    ];
  });
  afterAll(async () => {
    await Promise.allSettled([silent?.close(), garbage?.close(), oldVersion?.close(), noise?.close(), backlog?.close()]);
    await lab?.stop();
  });

  it('ends every host with its exact code within connect-timeout + 2 s; healthy hosts are not delayed', async () => {
    await using fleet = openFleet({ inventory: hostSpecs(lab, hosts), connectTimeoutMs: CONNECT_TIMEOUT_MS });
    const run = await checkedRun((onEvent) => fleet.exec('echo hi', { onEvent }));
    expect(run.status).toEqual({
      ok1: 'ok',
      silent: 'unreachable',
      refused: 'unreachable',
      backlog: 'unreachable',
      garbage: 'unreachable',
      sshv1: 'unreachable',
      noise: 'unreachable',
      ok2: 'ok',
    });
    expect(run.code).toEqual(Object.fromEntries(Object.entries(EXPECTED).map(([h, c]) => [h, c === 'ok' ? undefined : c])));
    expect(run.wallMs).toBeLessThan(runBoundMs(CONNECT_TIMEOUT_MS));
    const duration = Object.fromEntries(run.report.results.map((r) => [r.host, r.durationMs]));
    // Healthy hosts and fast failures finish long before the blackholes time out.
    for (const host of ['ok1', 'ok2', 'refused', 'sshv1', 'noise', 'garbage']) expect(duration[host], host).toBeLessThan(CONNECT_TIMEOUT_MS);
    for (const host of ['silent', 'backlog']) expect(duration[host], host).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_MS - 50);
  });

  it('says the same through the CLI: json statuses, exit 3, within the bound', async () => {
    const inventory = writeFaultInventory(lab, hosts);
    const t0 = performance.now();
    const run = await runCli(['exec', 'echo hi', '-i', inventory, '--ssh-config', '/dev/null', '--connect-timeout', '2s', '--output', 'json']);
    expect(performance.now() - t0).toBeLessThan(runBoundMs(CONNECT_TIMEOUT_MS));
    expect(run.code).toBe(3);
    const doc = JSON.parse(run.stdout) as { hosts: { host: string; status: string; error: { code: string } | null }[]; summary: Record<string, number> };
    expect(Object.fromEntries(doc.hosts.map((h) => [h.host, h.error?.code ?? h.status]))).toEqual(EXPECTED);
    expect(doc.summary).toMatchObject({ ok: 2, unreachable: 6, total: 8 });
  });
});
