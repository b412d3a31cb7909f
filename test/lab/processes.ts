import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

export interface ProcessInfo {
  pid: number;
  /** Mount-namespace id (`mnt:[4026…]`): every lab host has its own. */
  mountNs: string;
  /** argv joined by spaces (what `pgrep -af` shows). */
  command: string;
}

/** Live processes (zombies left out) with their mount namespace and command line. */
export function listProcesses(): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      if (isZombie(pid)) continue;
      const mountNs = readlinkSync(`/proc/${pid}/ns/mnt`);
      const command = readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0+$/, '').replaceAll('\0', ' ');
      out.push({ pid, mountNs, command });
    } catch {
      // exited while we looked
    }
  }
  return out;
}

export function mountNamespaceOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return undefined;
  }
}

export function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0+$/, '').replaceAll('\0', ' ');
  } catch {
    return undefined;
  }
}

/** True while `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    return !isZombie(pid);
  } catch {
    return false;
  }
}

function isZombie(pid: number): boolean {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/**
 * Wait until none of `pids` is alive (SIGKILL what is left after `graceMs`). These processes are
 * not always our children (`lab down` from another shell), so exit is observed by polling /proc.
 */
export async function waitForExit(pids: readonly number[], graceMs = 5_000): Promise<void> {
  const deadline = Date.now() + graceMs;
  let pause = 2;
  let left = pids.filter(isAlive);
  while (left.length > 0) {
    if (Date.now() > deadline) {
      for (const pid of left) signal(pid, 'SIGKILL');
    }
    await delay(pause);
    pause = Math.min(pause * 2, 50);
    left = left.filter(isAlive);
  }
}
