/**
 * roundtrips: `true` on one host at RTT 0 and at 200 ms, for fleet, the ssh2 fan-out and
 * OpenSSH `ssh`. The difference of the times divided by the RTT is the number of round trips a
 * fresh exec costs (start-up and CPU cancel out): ~10 for ssh2's defaults, ~5 is the goal
 * (DESIGN.md §7). Minimums are used: on a busy machine they are the least disturbed runs.
 */
import { installed, sshOptions } from '../baselines/openssh.js';
import { caseResult, measure, type BenchCase, type BenchContext, type Contender } from '../context.js';
import type { LabView } from '../lab-views.js';
import { exitZeroWithLines, fleetTool, fleetViewArgs, ssh2NaiveTool } from '../tools.js';
import type { CaseResult } from '../types.js';

function contenders(ctx: BenchContext, view: LabView): Contender[] {
  const host = view.hosts[0];
  return [
    fleetTool(ctx, { label: 'fleet exec true', command: 'exec', args: () => ['true', ...fleetViewArgs(view, 1)] }),
    { ...ssh2NaiveTool(ctx, view, 'true', 1), check: exitZeroWithLines(0) },
    installed('ssh') && host !== undefined
      ? { id: 'ssh', label: 'ssh host true', fleet: false, command: () => ({ argv: ['ssh', ...sshOptions(view), '-l', view.user, host.address, 'true'] }) }
      : { id: 'ssh', label: 'ssh host true', fleet: false, reason: 'ssh not installed' },
  ];
}

/** Large, so that start-up and CPU noise (tenths of a second on a busy machine) matter less. */
const ROUNDTRIP_RTT_MS = 200;

export const roundtripsCase: BenchCase = {
  id: 'roundtrips',
  title: 'round trips of one fresh exec (one host at RTT 0 and 200 ms)',
  labHosts: () => 1,
  async run(ctx) {
    const rtt = ROUNDTRIP_RTT_MS;
    const runs = ctx.opts.quick ? 3 : Math.max(ctx.opts.runs, 5);
    const results: CaseResult[] = [];
    for (const r of [0, rtt]) {
      const view = await ctx.views.view(1, r);
      ctx.log(`roundtrips: exec \`true\` on one host at RTT ${r} ms`);
      try {
        results.push(caseResult('roundtrips', `exec \`true\` on one host at RTT ${r} ms`, view, await measure(ctx, contenders(ctx, view), runs)));
      } finally {
        await ctx.views.closeProxies();
      }
    }
    const [zero, far] = results;
    if (zero !== undefined && far !== undefined) {
      for (const m of far.measurements) {
        const base = zero.measurements.find((x) => x.id === m.id);
        if (base === undefined || m.summary.n === 0 || base.summary.n === 0) continue;
        // Minimums are the runs least disturbed by other work; medians shown for comparison.
        const byMin = (m.summary.min - base.summary.min) / rtt;
        const byMedian = (m.summary.median - base.summary.median) / rtt;
        far.notes.push(
          `${m.label}: ${byMin.toFixed(1)} round trips ((${(m.summary.min / 1000).toFixed(3)} - ${(base.summary.min / 1000).toFixed(3)}) s / ${rtt} ms, minimums; medians give ${byMedian.toFixed(1)})`,
        );
      }
    }
    return results;
  },
};
