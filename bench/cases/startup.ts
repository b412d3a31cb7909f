/**
 * startup: `fleet --help` (must not load ssh2; target <= 150 ms) against `node -e 0`, the floor of
 * any Node CLI; and `fleet exec true` on one host against the ssh2 fan-out and `ssh` on one host.
 * Cheap, so it runs more rounds than the other cases.
 */
import { installed, sshOptions } from '../baselines/openssh.js';
import { caseResult, measure, type BenchCase, type Contender } from '../context.js';
import { exitZeroWithLines, fleetTool, fleetViewArgs, ssh2NaiveTool } from '../tools.js';

export const startupCase: BenchCase = {
  id: 'startup',
  title: 'fleet --help and one-host fleet exec start-up',
  labHosts: () => 1,
  async run(ctx) {
    const runs = Math.max(ctx.opts.runs, ctx.opts.quick ? 5 : 10);
    ctx.log('startup: fleet --help');
    const help = await measure(
      ctx,
      [
        { id: 'fleet', label: 'fleet --help', fleet: true, command: () => ({ argv: [...ctx.fleet.argv, '--help'] }) },
        { id: 'node', label: 'node -e 0 (floor)', fleet: false, command: () => ({ argv: [process.execPath, '-e', '0'] }) },
      ],
      runs,
    );
    const view = await ctx.views.view(1, 0);
    const host = view.hosts[0];
    ctx.log('startup: exec `true` on one host');
    const one: Contender[] = [
      fleetTool(ctx, { label: 'fleet exec true (1 host)', command: 'exec', args: () => ['true', ...fleetViewArgs(view, 1)] }),
      { ...ssh2NaiveTool(ctx, view, 'true', 1), check: exitZeroWithLines(0) },
      installed('ssh') && host !== undefined
        ? { id: 'ssh', label: 'ssh host true', fleet: false, command: () => ({ argv: ['ssh', ...sshOptions(view), '-l', view.user, host.address, 'true'] }) }
        : { id: 'ssh', label: 'ssh host true', fleet: false, reason: 'ssh not installed' },
    ];
    return [
      { ...caseResult('startup', '`fleet --help` start-up', { count: 0, rttMs: 0 }, help), key: 'startup-help' },
      { ...caseResult('startup', 'exec `true` on one host (start-up + one connection)', view, await measure(ctx, one, runs)), key: 'startup-exec' },
    ];
  },
};
