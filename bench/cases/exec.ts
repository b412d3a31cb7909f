/**
 * exec: `df /` on N hosts (100) at each RTT, fleet against the ssh2 fan-out and the
 * process-per-host tools. exec-large: the same on 1000 hosts at the largest RTT, with fleet's
 * peak RSS (the process-per-host tools need minutes there: only the ssh2 fan-out runs, unless
 * --baselines names them).
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

export const execLargeCase: BenchCase = {
  id: 'exec-large',
  title: 'exec on 1000 hosts at the largest RTT, with peak RSS',
  labHosts: (o) => o.largeHosts,
  async run(ctx) {
    const rtt = Math.max(...ctx.opts.rtts);
    const view = await ctx.views.view(ctx.opts.largeHosts, rtt);
    try {
      return [await execCase(ctx, 'exec', view, ctx.opts.baselines !== undefined, ctx.heavyRuns)];
    } finally {
      await ctx.views.closeProxies();
    }
  },
};
