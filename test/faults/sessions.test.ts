/**
 * Commands that hang forever, and a server that refuses new sessions (MaxSessions 1) while fleet
 * wants several channels: the timeout ends the host `timeout` and the remote process is really
 * gone; transfers and steps that need a second channel finish instead of stalling.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFleet } from '../../src/fleet.js';
import { labProcesses, startLab, type Lab } from '../lab/lab.js';
import { checkedRun, runBoundMs, useLeakGuard } from './support/checks.js';
import { direct, hostSpecs } from './support/fault-hosts.js';

const CONNECT_TIMEOUT_MS = 3000;
const COMMAND_TIMEOUT_MS = 1500;

describe.each([
  { label: 'default sshd', sshdOptions: {} as Record<string, string> },
  { label: 'MaxSessions 1', sshdOptions: { MaxSessions: '1' } },
])('hung commands and several channels ($label)', ({ label, sshdOptions }) => {
  let lab: Lab;
  let dir: string;
  const marker = `fault-hang-${label.replace(/\W/g, '')}`;
  useLeakGuard();
  const fleetOf = (names?: string[]) => {
    const hosts = lab.hosts.filter((h) => names === undefined || names.includes(h.name)).map((h) => direct(h));
    return openFleet({ inventory: hostSpecs(lab, hosts), connectTimeoutMs: CONNECT_TIMEOUT_MS });
  };

  beforeAll(async () => {
    lab = await startLab({ hosts: 3, name: `faults-sess-${Object.keys(sshdOptions).length}`, sshdOptions });
    dir = mkdtempSync(join(lab.dir, 'local-'));
  });
  afterAll(async () => {
    await lab?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('times out a command that hangs forever (status timeout) and kills it on the host', async () => {
    await using fleet = fleetOf();
    const quick = lab.hosts[2]?.name ?? '?';
    const command = `if [ "$(uname -n)" != ${quick} ]; then sleep 3600; fi; echo done # ${marker}`;
    const run = await checkedRun((onEvent) => fleet.exec(command, { onEvent, timeoutMs: COMMAND_TIMEOUT_MS }));
    expect(run.status).toEqual({ lab001: 'timeout', lab002: 'timeout', lab003: 'ok' });
    expect(run.code).toEqual({ lab001: 'FLEET_TIMEOUT', lab002: 'FLEET_TIMEOUT', lab003: undefined });
    expect(run.wallMs).toBeLessThan(runBoundMs(CONNECT_TIMEOUT_MS, COMMAND_TIMEOUT_MS));
    expect(labProcesses(lab, { pattern: marker })).toEqual([]);
    expect(labProcesses(lab, { pattern: 'sleep 3600' })).toEqual([]);
    // The connection is still good for the next command.
    const again = await checkedRun((onEvent) => fleet.exec('echo again', { onEvent }));
    expect(again.report.summary).toMatchObject({ ok: 3, total: 3 });
  });

  it('uploads (SFTP plus a checksum command) and runs steps that need more than one channel', async () => {
    const local = join(dir, 'f.txt');
    writeFileSync(local, 'payload\n');
    await using fleet = fleetOf(['lab001', 'lab002']);
    const put = await checkedRun((onEvent) => fleet.put(local, '/tmp/sess/f.txt', { onEvent, timeoutMs: 20_000 }));
    expect(put.status).toEqual({ lab001: 'ok', lab002: 'ok' });
    const steps = await fleet.run(
      [
        { name: 'prepare', exec: 'mkdir -p /tmp/sess2' },
        { name: 'upload', put: { src: local, dest: '/tmp/sess2/f.txt' } },
        { name: 'check', exec: 'cat /tmp/sess2/f.txt /tmp/sess/f.txt' },
      ],
      { timeoutMs: 20_000 },
    );
    expect(steps.summary).toMatchObject({ ok: 2, total: 2 });
    for (const r of steps.results) expect(r.steps.map((s) => s.status)).toEqual(['ok', 'ok', 'ok']);
  });
});
