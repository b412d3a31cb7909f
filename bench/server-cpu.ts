/**
 * CPU used by the lab's sshd processes, read from /proc: a listener's utime + stime plus cutime +
 * cstime, which hold the CPU of every per-connection sshd (and the shells and commands under it)
 * that the listener has reaped, plus the same for every per-connection sshd still alive (a warm
 * connection's, kept open by the --persist keeper or an OpenSSH master; its own cutime holds the
 * shells it reaped). The difference around a run is the server side of that run, unaffected by
 * other work on the machine: each process's CPU is counted once, live or reaped.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** Parent pid and CPU ticks (utime + stime + cutime + cstime) of a process; undefined once it is gone. */
function procStat(pid: number): { ppid: number; ticks: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is field 3, ppid 4; utime..cstime are fields 14..17.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), ticks: [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0) };
  } catch {
    return undefined;
  }
}

/** Total CPU seconds so far of the given sshd listeners, their live descendants, and everything they reaped. */
export function sshdCpuSeconds(pids: readonly number[]): number {
  const children = new Map<number, number[]>();
  const ticksOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const st = procStat(pid);
    if (st === undefined) continue;
    ticksOf.set(pid, st.ticks);
    const siblings = children.get(st.ppid);
    if (siblings === undefined) children.set(st.ppid, [pid]);
    else siblings.push(pid);
  }
  let ticks = 0;
  const queue = [...pids];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    ticks += ticksOf.get(pid) ?? procStat(pid)?.ticks ?? 0;
    queue.push(...(children.get(pid) ?? []));
  }
  return ticks / TICKS_PER_SECOND;
}
