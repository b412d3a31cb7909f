/**
 * steps: 20 exec steps on 100 hosts in one `fleet run` (one set of connections, gate: all after
 * each step) against 20 separate `fleet exec` runs, 20 separate ssh2 fan-out runs, and the ssh2
 * fan-out running the 20 steps over its open connections (the hand-written equivalent).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { caseResult, hostsText, measure, type BenchCase, type Contender } from '../context.js';
import type { Measurement } from '../types.js';
import { exitZeroWithLines, fleetTool, fleetViewArgs, repeated, ssh2NaiveTool } from '../tools.js';

const COMMAND = 'df /';

export const stepsCase: BenchCase = {
  id: 'steps',
  title: '20 steps x 100 hosts: one fleet run vs 20 separate runs',
  labHosts: (o) => o.hosts,
  async run(ctx) {
    const view = await ctx.views.view(ctx.opts.hosts, 0);
    const steps = ctx.opts.steps;
    const forks = Math.min(ctx.opts.forks, view.count);
    const stepsFile = join(ctx.work, `steps-${steps}.yaml`);
    const body = Array.from({ length: steps }, (_, i) => `  - name: step ${i + 1}\n    exec: ${JSON.stringify(COMMAND)}\n    gate: all\n`);
    await writeFile(stepsFile, `steps:\n${body.join('')}`);
    ctx.log(`steps: ${steps} x \`${COMMAND}\` on ${hostsText(view.count)}, forks ${forks}`);
    const lines = view.count * steps;
    const fleetExecArgs = [...ctx.fleet.argv, 'exec', COMMAND, ...fleetViewArgs(view, forks)];
    const naive = ssh2NaiveTool(ctx, view, COMMAND, forks);
    const loops: Contender[] = [
      ctx.fleet.missing('exec') === undefined
        ? {
            id: 'fleet-exec-x20',
            label: `${steps} x fleet exec`,
            fleet: false,
            runs: 1, // a loop of 20 runs already averages 20 samples
            command: () => repeated(fleetExecArgs, steps),
            check: exitZeroWithLines(lines),
          }
        : { id: 'fleet-exec-x20', label: `${steps} x fleet exec`, fleet: false, reason: 'not implemented yet (no `fleet exec`)' },
      {
        id: 'ssh2-naive-x20',
        label: `${steps} x ssh2 fan-out`,
        fleet: false,
        runs: 1,
        command: () => repeated(naive.command().argv, steps),
        check: exitZeroWithLines(lines),
      },
    ];
    // --quick: 20 separate runs are 20 x the exec case's runs; take them from there when it ran.
    const exec = ctx.results.find((r) => r.key === `exec-${view.count}-rtt0`);
    const estimates = new Map<string, Measurement>();
    if (ctx.opts.quick && exec !== undefined) {
      for (const [loopId, execId] of [['fleet-exec-x20', 'fleet'], ['ssh2-naive-x20', 'ssh2-naive']] as const) {
        const m = exec.measurements.find((x) => x.id === execId);
        const loop = loops.find((c) => c.id === loopId);
        if (m === undefined || loop === undefined || m.skipped !== undefined || m.summary.n === 0) continue;
        estimates.set(loopId, scaled(m, loopId, loop.label, steps));
      }
    }
    const contenders: Contender[] = [
      fleetTool(ctx, {
        label: `fleet run (${steps} steps, one set of connections)`,
        command: 'run',
        args: () => [stepsFile, ...fleetViewArgs(view, forks)],
        check: exitZeroWithLines(lines),
      }),
      ...loops.filter((c) => !estimates.has(c.id)),
      ssh2NaiveTool(ctx, view, COMMAND, forks, steps),
    ];
    const measured = await measure(ctx, contenders, ctx.heavyRuns);
    const ordered = [measured[0], ...loops.map((c) => estimates.get(c.id) ?? measured.find((m) => m.id === c.id)), measured.at(-1)];
    return [caseResult('steps', `${steps} steps of \`${COMMAND}\` on ${hostsText(view.count)}`, view, ordered.filter((m): m is Measurement => m !== undefined))];
  },
};

/** A measurement of one run scaled to `times` runs (min, median and max each times `times`). */
function scaled(m: Measurement, id: string, label: string, times: number): Measurement {
  return {
    ...m,
    id,
    label,
    fleet: false,
    summary: { n: m.summary.n, min: m.summary.min * times, median: m.summary.median * times, max: m.summary.max * times },
    cpuS: m.cpuS === null ? null : m.cpuS * times,
    serverCpuS: m.serverCpuS === null ? null : m.serverCpuS * times,
    samples: [],
    estimated: `${times} x the median of "${m.label}" in the exec case (--quick)`,
  };
}
