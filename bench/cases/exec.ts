/**
 * exec: `df /` on N hosts (100) at each RTT, fleet against the ssh2 fan-out and the
 * process-per-host tools. exec-large: the same on 1000 hosts at the largest RTT, with fleet's
 * peak RSS (the process-per-host tools need minutes there: only the ssh2 fan-out runs, unless
 * --baselines names them). exec-output: the same hosts at RTT 0, each printing 1 MiB of its own
 * text, in the stream and group output modes (group is how the live view ends): peak RSS.
 */
import { caseResult, fullOnly, hostsText, measure, type BenchCase, type BenchContext } from '../context.js';
import type { LabView } from '../lab-views.js';
import { exitZeroWithLines, fleetTool, fleetViewArgs, opensshTools, ssh2NaiveTool } from '../tools.js';
import type { CaseResult } from '../types.js';

const COMMAND = 'df /';

async function execCase(ctx: BenchContext, caseId: string, view: LabView, withProcessTools: boolean, runs = ctx.opts.runs): Promise<CaseResult> {
  const forks = Math.min(ctx.opts.forks, view.count);
  ctx.log(`${caseId}: \`${COMMAND}\` on ${hostsText(view.count)}, RTT ${view.rttMs} ms, forks ${forks}`);
  const contenders = [
    fleetTool(ctx, {
      label: `fleet exec -f ${forks}`,
      command: 'exec',
      args: () => [COMMAND, ...fleetViewArgs(view, forks)],
      check: exitZeroWithLines(view.count),
    }),
    // The opt-in fast key exchange profile (ecdh-sha2-nistp256 first; issue #16's target row).
    fleetTool(ctx, {
      id: 'fleet-fast-kex',
      label: `fleet exec -f ${forks} --kex-profile fast`,
      command: 'exec',
      options: ['--kex-profile'],
      args: () => [COMMAND, ...fleetViewArgs(view, forks), '--kex-profile', 'fast'],
      check: exitZeroWithLines(view.count),
    }),
    ssh2NaiveTool(ctx, view, COMMAND, forks),
    ...(withProcessTools
      ? opensshTools(ctx, view, COMMAND, forks).map((c) => {
          if (view.rttMs > 0) return fullOnly(ctx, 'command' in c ? { ...c, runs: 1 } : c, 'process-per-host tools at RTT 0 only');
          return c.id === 'ssh-xargs' || c.id === 'clush' ? fullOnly(ctx, c, 'pssh and pdsh only') : c;
        })
      : []),
  ];
  const title = `exec \`${COMMAND}\` on ${hostsText(view.count)} at RTT ${view.rttMs} ms`;
  return caseResult(caseId, title, view, await measure(ctx, contenders, runs), [
    `forks ${forks} for every tool; output captured through a pipe; host keys checked strictly`,
  ]);
}

export const execCases: BenchCase = {
  id: 'exec',
  title: 'exec on N hosts at each RTT',
  labHosts: (o) => o.hosts,
  async run(ctx) {
    const results: CaseResult[] = [];
    for (const rtt of ctx.opts.rtts) {
      const view = await ctx.views.view(ctx.opts.hosts, rtt);
      results.push(await execCase(ctx, 'exec', view, true));
      await ctx.views.closeProxies();
    }
    return results;
  },
};

// 1 MiB of lines, the host's name first so no two hosts print the same (nothing groups).
const MIB_OUTPUT = "(uname -n; yes 'fleet bench output line, 64 bytes long .........................') | head -c 1048576";

async function outputCase(ctx: BenchContext, view: LabView): Promise<CaseResult> {
  const forks = Math.min(ctx.opts.forks, view.count);
  ctx.log(`exec-output: 1 MiB of output from each of ${hostsText(view.count)}, forks ${forks}`);
  const contenders = (['stream', 'group'] as const).map((mode) =>
    fleetTool(ctx, {
      id: `fleet-${mode}`,
      label: `fleet exec --output ${mode}`,
      command: 'exec',
      args: () => [MIB_OUTPUT, ...fleetViewArgs(view, forks, mode)],
      check: exitZeroWithLines(view.count * 16_000),
      runs: 1,
    }),
  );
  return caseResult('exec-output', `exec printing 1 MiB per host on ${hostsText(view.count)} at RTT 0 ms`, view, await measure(ctx, contenders, 1), [
    'every host prints its own 1 MiB (~16,100 lines): nothing groups; output read through a pipe and counted',
  ]);
}

export const execLargeCase: BenchCase = {
  id: 'exec-large',
  title: 'exec on 1000 hosts at the largest RTT, with peak RSS; 1 MiB of output per host',
  labHosts: (o) => o.largeHosts,
  async run(ctx) {
    const rtt = Math.max(...ctx.opts.rtts);
    const view = await ctx.views.view(ctx.opts.largeHosts, rtt);
    const results: CaseResult[] = [];
    try {
      results.push(await execCase(ctx, 'exec', view, ctx.opts.baselines !== undefined, ctx.heavyRuns));
    } finally {
      await ctx.views.closeProxies();
    }
    results.push(await outputCase(ctx, await ctx.views.view(ctx.opts.largeHosts, 0)));
    return results;
  },
};
