/**
 * Throttled handshakes: 200 hosts that are all one sshd with OpenSSH's default
 * `MaxStartups 10:30:100`, connected at once. sshd drops a share of the unauthenticated
 * connections; every host must still end with exactly one correct status, and with retries
 * (connection phase only) every host gets through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFleet } from '../../src/fleet.js';
import { startLab, type Lab } from '../lab/lab.js';
import { checkedRun, runBoundMs, useLeakGuard } from './support/checks.js';
import { direct, hostSpecs } from './support/fault-hosts.js';

const HOSTS = 200;
const CONNECT_TIMEOUT_MS = 10_000;

describe('MaxStartups 10:30:100 with 200 parallel connects', () => {
  let lab: Lab;
  useLeakGuard();
  beforeAll(async () => {
    lab = await startLab({ hosts: 1, name: 'faults-throttle', sshdOptions: { MaxStartups: '10:30:100', MaxSessions: '10' } });
  });
  afterAll(async () => {
    await lab?.stop();
  });
  const fleetOf = (retries: number) => {
    const target = lab.hosts[0] as Lab['hosts'][0];
    const hosts = Array.from({ length: HOSTS }, (_, i) => direct(target, `t${String(i).padStart(3, '0')}`));
    return openFleet({ inventory: hostSpecs(lab, hosts), forks: HOSTS, connectTimeoutMs: CONNECT_TIMEOUT_MS, retries });
  };

  it('ends each host ok or unreachable (dropped before the banner) without retries', async () => {
    await using fleet = fleetOf(0);
    const run = await checkedRun((onEvent) => fleet.exec('true', { onEvent }));
    const codes = new Set(Object.values(run.code));
    expect([...codes].every((c) => c === undefined || c === 'FLEET_CONNECTION_LOST')).toBe(true);
    expect(run.report.summary.ok + run.report.summary.unreachable).toBe(HOSTS);
    // The throttle is real: sshd dropped some (the exact share varies from run to run).
    expect(run.report.summary.unreachable).toBeGreaterThan(0);
    expect(run.wallMs).toBeLessThan(runBoundMs(CONNECT_TIMEOUT_MS));
  });

  it('gets every host through with --retries', async () => {
    await using fleet = fleetOf(8);
    const run = await checkedRun((onEvent) => fleet.exec('true', { onEvent }));
    expect(run.report.summary).toMatchObject({ ok: HOSTS, total: HOSTS });
  });
});
