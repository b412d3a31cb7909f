/**
 * CPU used by the lab's sshd processes, read from /proc: a listener's utime + stime plus cutime +
 * cstime, which hold the CPU of every per-connection sshd (and the shells and commands under it)
 * that the listener has reaped. The difference around a run is the server side of that run,
 * unaffected by other work on the machine.
 */
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is field 3; utime..cstime are fields 14..17.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0);
  } catch {
    return 0;
  }
}

/** Total CPU seconds so far of the given sshd listeners and everything they reaped. */
export function sshdCpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) ticks += cpuTicks(pid);
  return ticks / TICKS_PER_SECOND;
}
