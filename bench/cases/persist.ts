/**
 * persist: issue #16's warm paths. `df /` on N hosts (100) at each RTT: a fresh `fleet exec`
 * against one through a warm keeper (`--persist`), and pssh with OpenSSH ControlMaster auto +
 * ControlPersist on warm masters (the classic tools' best warm path); one host warm, whole
 * process. persist-large: `true` on 1000 warm hosts at the largest RTT, and the keeper's RSS.
 * Each warm tool is warmed by one untimed run before its first timed one; the keeper and the
 * masters are stopped at the end of the case (by their own stop commands).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { installed, sshOptions } from '../baselines/openssh.js';
import { caseResult, hostsText, measure, type BenchCase, type BenchContext, type Contender } from '../context.js';
import type { LabView } from '../lab-views.js';
import { runTimed } from '../measure.js';
import { exitZeroWithLines, fleetTool, fleetViewArgs, ssh2NaiveTool } from '../tools.js';
import type { CaseResult, Tool } from '../types.js';

const COMMAND = 'df /';

/** A private keeper directory for the case (0700), so the bench never touches the user's keeper. */
function keeperDir(ctx: BenchContext): string {
  const dir = path.join(ctx.work, 'keeper');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

function stopKeeper(ctx: BenchContext, dir: string): void {
  spawnSync(ctx.fleet.argv[0] as string, [...ctx.fleet.argv.slice(1), 'persist', 'stop'], { env: { ...process.env, FLEET_KEEPER_DIR: dir }, stdio: 'ignore' });
}

/** `fleet exec` through the keeper in `dir`, warmed by one untimed run before the first timed one. */
function warmFleet(ctx: BenchContext, view: LabView, dir: string, id: string, label: string, command: string, forks: number): Tool {
  const argv = [...ctx.fleet.argv, 'exec', command, ...fleetViewArgs(view, forks), '--persist', '10m'];
  const spec = { argv, env: { FLEET_KEEPER_DIR: dir } };
  let warm = false;
  return {
    id,
    label,
    fleet: true,
    command: () => spec,
    prepare: async () => {
      if (warm) return;
      warm = true;
      await runTimed(spec);
    },
    check: exitZeroWithLines(view.count),
  };
}

/** pssh on warm OpenSSH masters (ControlMaster auto, ControlPersist), warmed like the keeper. */
function warmPssh(ctx: BenchContext, view: LabView, forks: number, controlDir: string): Contender {
  const id = 'pssh-controlpersist';
  const label = `parallel-ssh -p ${forks}, ControlMaster auto + ControlPersist (warm)`;
  if (!installed('parallel-ssh')) return { id, label, fleet: false, reason: 'parallel-ssh not installed (apt-get install pssh)' };
  const options = [...sshOptions(view), '-o', 'ControlMaster=auto', '-o', `ControlPath=${controlDir}/%C`, '-o', 'ControlPersist=10m'];
  const spec = { argv: ['parallel-ssh', '-h', view.addressesFile, '-l', view.user, '-p', String(forks), '-t', '0', '-i', '-x', options.join(' '), COMMAND] };
  let warm = false;
  return {
    id,
    label,
    fleet: false,
    command: () => spec,
    prepare: async () => {
      if (warm) return;
      warm = true;
      await runTimed(spec);
    },
    check: exitZeroWithLines(view.count),
  };
}

/** Ends the OpenSSH masters of `view` (`ssh -O exit`, one per host). */
function exitMasters(view: LabView, controlDir: string): void {
  for (const h of view.hosts) {
    spawnSync('ssh', [...sshOptions(view), '-o', `ControlPath=${controlDir}/%C`, '-O', 'exit', '-l', view.user, h.address], { stdio: 'ignore', timeout: 10_000 });
  }
}

async function warmCase(ctx: BenchContext, view: LabView): Promise<CaseResult> {
  const forks = Math.min(ctx.opts.forks, view.count);
  const dir = keeperDir(ctx);
  // Short: a unix socket path holds at most 107 bytes.
  const controlDir = `/tmp/fleet-cm-${process.pid}`;
  mkdirSync(controlDir, { recursive: true, mode: 0o700 });
  ctx.log(`persist: \`${COMMAND}\` on ${hostsText(view.count)}, RTT ${view.rttMs} ms, fresh vs warm`);
  const contenders: Contender[] = [
    fleetTool(ctx, { label: `fleet exec -f ${forks} (fresh)`, command: 'exec', args: () => [COMMAND, ...fleetViewArgs(view, forks)], check: exitZeroWithLines(view.count) }),
    warmFleet(ctx, view, dir, 'fleet-warm', `fleet exec -f ${forks} --persist (warm keeper)`, COMMAND, forks),
    ssh2NaiveTool(ctx, view, COMMAND, forks),
    warmPssh(ctx, view, forks, controlDir),
  ];
  try {
    const title = `exec \`${COMMAND}\` on ${hostsText(view.count)} at RTT ${view.rttMs} ms, fresh and warm`;
    return caseResult('persist', title, view, await measure(ctx, contenders), [
      'warm rows: one untimed run first (the keeper / the OpenSSH masters then hold the connections)',
    ]);
  } finally {
    stopKeeper(ctx, dir);
    exitMasters(view, controlDir);
    rmSync(controlDir, { recursive: true, force: true });
  }
}

async function oneHostCase(ctx: BenchContext, view: LabView): Promise<CaseResult> {
  const dir = keeperDir(ctx);
  ctx.log('persist: `true` on 1 host at RTT 0, warm, whole process');
  const contenders: Contender[] = [
    fleetTool(ctx, { label: 'fleet exec true (fresh)', command: 'exec', args: () => ['true', ...fleetViewArgs(view, 1)], check: exitZeroWithLines(0) }),
    { ...warmFleet(ctx, view, dir, 'fleet-warm', 'fleet exec true --persist (warm keeper)', 'true', 1), check: exitZeroWithLines(0) },
  ];
  try {
    return caseResult('persist', 'exec `true` on 1 host at RTT 0 ms, fresh and warm (whole process)', view, await measure(ctx, contenders));
  } finally {
    stopKeeper(ctx, dir);
  }
}

export const persistCase: BenchCase = {
  id: 'persist',
  title: 'warm connections: fleet --persist and pssh with ControlPersist against fresh runs',
  labHosts: (o) => o.hosts,
  async run(ctx) {
    const results: CaseResult[] = [];
    results.push(await oneHostCase(ctx, await ctx.views.view(1, 0)));
    for (const rtt of ctx.opts.rtts) {
      const view = await ctx.views.view(ctx.opts.hosts, rtt);
      try {
        results.push(await warmCase(ctx, view));
      } finally {
        await ctx.views.closeProxies();
      }
    }
    return results;
  },
};

export const persistLargeCase: BenchCase = {
  id: 'persist-large',
  title: 'true on 1000 hosts through a warm keeper at the largest RTT; the keeper RSS',
  labHosts: (o) => o.largeHosts,
  async run(ctx) {
    const rtt = Math.max(...ctx.opts.rtts);
    const view = await ctx.views.view(ctx.opts.largeHosts, rtt);
    const dir = keeperDir(ctx);
    const forks = view.count;
    ctx.log(`persist-large: \`true\` on ${hostsText(view.count)} at RTT ${rtt} ms through a warm keeper`);
    try {
      const warm = { ...warmFleet(ctx, view, dir, 'fleet-warm', `fleet exec -f ${forks} true --persist (warm keeper)`, 'true', forks), check: exitZeroWithLines(0) };
      const measured = await measure(ctx, [warm], ctx.heavyRuns);
      const status = spawnSync(ctx.fleet.argv[0] as string, [...ctx.fleet.argv.slice(1), 'persist', 'status', '--json'], { env: { ...process.env, FLEET_KEEPER_DIR: dir }, encoding: 'utf8' });
      const doc = JSON.parse(status.stdout || '{}') as { rssBytes?: number; hosts?: unknown[] };
      const notes = [`keeper after the runs: ${doc.hosts?.length ?? 0} connections, RSS ${doc.rssBytes === undefined ? '?' : `${(doc.rssBytes / 1e6).toFixed(0)} MB`} (fleet persist status)`];
      return [caseResult('persist-large', `exec \`true\` on ${hostsText(view.count)} at RTT ${rtt} ms through a warm keeper`, view, measured, notes)];
    } finally {
      stopKeeper(ctx, dir);
      await ctx.views.closeProxies();
    }
  },
};
