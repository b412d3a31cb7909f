/**
 * faults: exec on 1000 lab hosts of which 10% are blackholed (a socket that never answers), 5%
 * reset the connection during key exchange and 5% run a command that hangs. One run of the fleet
 * CLI with every host in flight: it must end within connect-timeout + command timeout + 2 s with
 * each host's exact status, in at most 400 MB of RSS. Fault servers run in the bench process.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFaultProxy, type FaultProxy } from '../../test/faults/support/fault-proxy.js';
import { writeInventoryFile } from '../../test/setup/inventory-file.js';
import { caseResult, hostsText, type BenchCase } from '../context.js';
import type { Sample } from '../measure.js';
import { measureRounds } from '../rounds.js';
import { shq } from '../tools.js';

const CONNECT_TIMEOUT_S = 30;
const COMMAND_TIMEOUT_S = 10;
/** The issue's bound on the whole run. */
export const FAULTS_BOUND_MS = (CONNECT_TIMEOUT_S + COMMAND_TIMEOUT_S + 2) * 1000;
export const FAULTS_MAX_RSS_MB = 400;

type Fault = 'blackhole' | 'reset' | 'hang' | 'none';
const EXPECTED: Record<Fault, string> = { blackhole: 'FLEET_CONNECT_TIMEOUT', reset: 'FLEET_CONNECTION_LOST', hang: 'FLEET_TIMEOUT', none: 'ok' };

/** Host i's fault: per 20 hosts, 2 blackholed, 1 resetting, 1 hanging. */
function faultOf(i: number): Fault {
  const k = i % 20;
  return k < 2 ? 'blackhole' : k === 2 ? 'reset' : k === 3 ? 'hang' : 'none';
}

export const faultsCase: BenchCase = {
  id: 'faults',
  title: '1000 hosts with 10% blackholed, 5% resetting, 5% hanging',
  labHosts: (o) => o.largeHosts,
  async run(ctx) {
    const view = await ctx.views.view(ctx.opts.largeHosts, 0);
    const proxies: FaultProxy[] = [];
    try {
      const silent = await startFaultProxy({ kind: 'silent' });
      proxies.push(silent);
      const entries = new Map<string, { host: string; port?: number }>();
      const faults = new Map<string, Fault>();
      const hang: string[] = [];
      for (const [i, h] of view.hosts.entries()) {
        const fault = faultOf(i);
        faults.set(h.name, fault);
        if (fault === 'blackhole') entries.set(h.name, { host: silent.host, port: silent.port });
        else if (fault === 'reset') {
          const p = await startFaultProxy({ kind: 'forward', target: { host: h.address, port: h.port }, resetAt: 'kex' });
          proxies.push(p);
          entries.set(h.name, { host: p.host, port: p.port });
        } else entries.set(h.name, { host: h.address });
        if (fault === 'hang') hang.push(h.name);
      }
      const inventory = join(ctx.work, 'faults.yaml');
      writeInventoryFile(inventory, { user: 'root', key: view.keyFile, known_hosts: view.knownHostsFile }, entries);
      const command = `case "$(uname -n)" in ${hang.join('|')}) sleep 3600;; esac; echo ok`;
      const out = join(ctx.work, 'faults.json');
      const args = ['exec', command, '-i', inventory, '-f', String(view.count), '--output', 'json', '--connect-timeout', `${CONNECT_TIMEOUT_S}s`, '--timeout', `${COMMAND_TIMEOUT_S}s`, '--ssh-config', '/dev/null'];
      ctx.log(`faults: ${hostsText(view.count)}, forks ${view.count}, connect-timeout ${CONNECT_TIMEOUT_S} s, timeout ${COMMAND_TIMEOUT_S} s; bound ${FAULTS_BOUND_MS / 1000} s`);
      let verdict = '';
      const check = (s: Sample): string | undefined => {
        if (s.exitCode !== 3) return `exit ${s.exitCode ?? s.signal}, expected 3: ${s.stderrTail.slice(-300)}`;
        const doc = JSON.parse(readFileSync(out, 'utf8')) as { hosts: { host: string; status: string; error: { code: string } | null }[] };
        const wrong = doc.hosts.filter((h) => (h.error?.code ?? h.status) !== EXPECTED[faults.get(h.host) ?? 'none']);
        const counts = new Map<string, number>();
        for (const h of doc.hosts) counts.set(h.error?.code ?? h.status, (counts.get(h.error?.code ?? h.status) ?? 0) + 1);
        verdict = `statuses: ${[...counts].map(([k, n]) => `${k} ${n}`).join(', ')}; ${wrong.length} wrong`;
        if (doc.hosts.length !== view.count || wrong.length > 0) return `${verdict}; e.g. ${JSON.stringify(wrong.slice(0, 3))}`;
        if (s.wallMs > FAULTS_BOUND_MS) return `took ${Math.round(s.wallMs)} ms > bound ${FAULTS_BOUND_MS} ms`;
        return undefined;
      };
      const [m] = await measureRounds(
        [
          {
            id: 'fleet',
            label: `fleet exec -f ${view.count} (faults)`,
            fleet: true,
            command: () => ({ argv: ['sh', '-c', `exec ${[...ctx.fleet.argv, ...args].map(shq).join(' ')} > ${shq(out)}`] }),
            check,
          },
        ],
        { runs: 1, warmup: false, log: ctx.log, signal: ctx.signal, serverCpu: ctx.serverCpu },
      );
      if (m === undefined) return [];
      ctx.log(`faults: ${verdict}`);
      const notes = [verdict, `bound: connect-timeout ${CONNECT_TIMEOUT_S} s + timeout ${COMMAND_TIMEOUT_S} s + 2 s = ${FAULTS_BOUND_MS / 1000} s; RSS limit ${FAULTS_MAX_RSS_MB} MB`];
      return [caseResult('faults', `exec on ${hostsText(view.count)} with 10% blackholed, 5% reset in kex, 5% hanging`, view, [m], notes)];
    } finally {
      await Promise.all(proxies.map((p) => p.close()));
    }
  },
};
