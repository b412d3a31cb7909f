import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetEvent } from '../../src/events.js';
import { openFleet } from '../../src/fleet.js';
import { loadInventory, type Inventory } from '../../src/inventory/index.js';
import { acceptedLogins, startLab, type Lab } from '../lab/lab.js';

/** "Accepted publickey" lines in each host's sshd log: one per authenticated connection. */
function acceptedConnections(lab: Lab): Map<string, number> {
  const counts = acceptedLogins(lab);
  return new Map(lab.hosts.map((h, i) => [h.name, counts[i] ?? 0]));
}

/** What a host's events say, step by step, without timings or step labels. */
function perHost(events: readonly FleetEvent[], step: number | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (host: string, line: string): void => {
    out.set(host, [...(out.get(host) ?? []), line]);
  };
  // Output events carry no step: they belong to the step the host is running.
  const current = new Map<string, number | undefined>();
  for (const e of events) {
    if (e.type === 'host_state' && e.state === 'running') current.set(e.host, e.step?.index);
    const at = 'step' in e && e.step !== undefined ? e.step.index : 'host' in e ? current.get(e.host) : undefined;
    if (step !== undefined && at !== step) continue;
    if (e.type === 'stdout' || e.type === 'stderr') add(e.host, `${e.type} ${e.data}`);
    if (e.type === 'host_state' && (e.state === 'running' || e.state === 'done')) add(e.host, `state ${e.state}`);
    if (e.type === 'exit') add(e.host, `exit ${e.status} ${String(e.exitCode)} ${String(e.signal)} ${e.error?.code ?? ''}`);
  }
  // sshd reads a command's stdout and stderr from two pipes, so which of the two reaches us first
  // is the server's timing, not fleet's: keep each stream's own order, not their interleaving.
  const stream = (line: string): number => (line.startsWith('stdout ') ? 1 : line.startsWith('stderr ') ? 2 : 0);
  for (const [host, lines] of out) {
    const runs: string[][] = [];
    for (const line of lines) {
      const last = runs.at(-1);
      if (last !== undefined && stream(line) !== 0 && stream(last[0] as string) !== 0) last.push(line);
      else runs.push([line]);
    }
    out.set(host, runs.flatMap((run) => run.sort((a, b) => stream(a) - stream(b))));
  }
  return out;
}

describe('one engine: steps and operations on 100 lab hosts', () => {
  let lab: Lab;
  let inventory: Inventory;
  beforeAll(async () => {
    lab = await startLab({ hosts: 100, name: 'it-engine' });
    inventory = await loadInventory(lab.inventoryFile, { sshConfig: false });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it("a steps run's events per step are those of the same commands run as separate operations", async () => {
    const commands = ['uname -n', 'echo out; echo err >&2; exit 3'];
    const hosts = lab.hosts.slice(0, 10).map((h) => h.name);
    const limit = hosts.join(',');
    await using fleet = openFleet({ inventory, limit, forks: 10 });
    const stepEvents: FleetEvent[] = [];
    const report = await fleet.run(
      commands.map((exec) => ({ exec, gate: 'all' as const })),
      { onEvent: (e) => stepEvents.push(e) },
    );
    // The second step fails everywhere: the steps run ends each host failed, as exec would.
    expect(report.summary).toMatchObject({ total: 10, failed: 10 });
    for (const [index, command] of commands.entries()) {
      const opEvents: FleetEvent[] = [];
      const opReport = await fleet.exec(command, { onEvent: (e) => opEvents.push(e) });
      expect(perHost(stepEvents, index)).toEqual(perHost(opEvents, undefined));
      expect(report.results.map((r) => r.steps[index]?.status)).toEqual(opReport.results.map((r) => r.status));
    }
  });

  it('hostkeys scan emits the same events as exec: run_start, one exit per host, summary (no connection opened)', async () => {
    const limit = lab.hosts.slice(0, 5).map((h) => h.name).join(',');
    const before = acceptedConnections(lab);
    await using fleet = openFleet({ inventory, limit });
    const events: FleetEvent[] = [];
    fleet.on('*', (e) => events.push(e));
    const report = await fleet.scanHostKeys();
    expect(report.summary).toMatchObject({ total: 5, ok: 5 });
    expect(events[0]).toMatchObject({ type: 'run_start', command: 'hostkeys scan' });
    expect(events.filter((e) => e.type === 'exit').map((e) => (e.type === 'exit' ? `${e.host} ${e.status}` : '')).sort()).toEqual(lab.hosts.slice(0, 5).map((h) => `${h.name} ok`));
    expect(events.at(-1)).toMatchObject({ type: 'summary', summary: { total: 5, ok: 5 } });
    // A scan never authenticates.
    expect(acceptedConnections(lab)).toEqual(before);
  });

  it('fleet run of 20 exec steps on 100 hosts uses one connection per host', async () => {
    const before = acceptedConnections(lab);
    await using fleet = openFleet({ inventory });
    const report = await fleet.run(Array.from({ length: 20 }, (_, i) => ({ exec: `echo ${i}` })));
    expect(report.summary).toMatchObject({ total: 100, ok: 100 });
    const after = acceptedConnections(lab);
    const extra = lab.hosts.filter((h) => (after.get(h.name) ?? 0) - (before.get(h.name) ?? 0) !== 1).map((h) => h.name);
    expect(extra).toEqual([]);
  });
});
