/** Contender builders shared by the cases: fleet itself, the ssh2 fan-out, the OpenSSH tools. */
import { clush, installed, pdsh, pssh, sshXargs } from './baselines/openssh.js';
import type { BenchContext, Contender } from './context.js';
import type { LabView } from './lab-views.js';
import type { CommandSpec, Sample } from './measure.js';
import { exitZero } from './rounds.js';
import type { Tool } from './types.js';

/** Exit 0 and at least `lines` lines of stdout (each host reported something). */
export function exitZeroWithLines(lines: number): (s: Sample) => string | undefined {
  return (s) => exitZero(s) ?? (s.stdoutLines < lines ? `only ${s.stdoutLines} stdout lines, expected >= ${lines}` : undefined);
}

/** `fleet <args>`; skipped with "not implemented yet" when the command or an option is missing. */
export function fleetTool(
  ctx: BenchContext,
  spec: { id?: string; label: string; command: string; options?: string[]; args: () => string[]; check?: Tool['check']; prepare?: Tool['prepare']; runs?: number },
): Contender {
  const id = spec.id ?? 'fleet';
  const missing = ctx.fleet.missing(spec.command, ...(spec.options ?? []));
  if (missing !== undefined) return { id, label: spec.label, fleet: true, reason: missing };
  return {
    id,
    label: spec.label,
    fleet: true,
    command: () => ({ argv: [...ctx.fleet.argv, spec.command, ...spec.args()] }),
    ...(spec.check !== undefined ? { check: spec.check } : {}),
    ...(spec.prepare !== undefined ? { prepare: spec.prepare } : {}),
    ...(spec.runs !== undefined ? { runs: spec.runs } : {}),
  };
}

/** Common fleet options for a view: inventory, forks, plain streamed output, generous timeouts. */
export function fleetViewArgs(view: LabView, forks: number, output = 'stream'): string[] {
  return ['-i', view.inventoryFile, '-f', String(forks), '--output', output, '--connect-timeout', '60s'];
}

export function ssh2NaiveTool(ctx: BenchContext, view: LabView, command: string, forks: number, steps = 1): Tool {
  return {
    id: steps > 1 ? 'ssh2-naive-steps' : 'ssh2-naive',
    label: steps > 1 ? `ssh2 fan-out, ${steps} steps on open connections` : 'ssh2 fan-out (30-line baseline)',
    fleet: false,
    command: () => ({ argv: [process.execPath, ctx.scripts.ssh2Fanout, view.hostsJson, command, String(forks), String(steps)] }),
    check: exitZeroWithLines(view.count * steps),
  };
}

/** The process-per-host tools (OpenSSH `ssh` per host), each skipped if not installed. */
export function opensshTools(ctx: BenchContext, view: LabView, command: string, forks: number): Contender[] {
  const list: { id: string; label: string; bin: string; spec: CommandSpec }[] = [
    { id: 'ssh-xargs', label: `xargs -P ${forks} ssh`, bin: 'ssh', spec: sshXargs(view, command, forks) },
    { id: 'pssh', label: `parallel-ssh -p ${forks}`, bin: 'parallel-ssh', spec: pssh(view, command, forks) },
    { id: 'pdsh', label: `pdsh -R ssh -f ${forks}`, bin: 'pdsh', spec: pdsh(view, command, forks) },
    { id: 'clush', label: `clush -f ${forks}`, bin: 'clush', spec: clush(view, command, forks) },
  ];
  return list.map(({ id, label, bin, spec }): Contender =>
    installed(bin)
      ? { id, label, fleet: false, runs: ctx.slowRuns, command: () => spec, check: exitZeroWithLines(view.count) }
      : { id, label, fleet: false, reason: `${bin} not installed` },
  );
}

/** Single-quotes a string for sh. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `sh -c` running argv `times` times in a row, stopping at the first failure. */
export function repeated(argv: readonly string[], times: number): CommandSpec {
  const line = argv.map(shq).join(' ');
  return { argv: ['sh', '-c', `i=0; while [ $i -lt ${times} ]; do ${line} || exit $?; i=$((i+1)); done`] };
}
