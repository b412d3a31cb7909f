import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot } from '../setup/paths.js';
import { commandOf } from './processes.js';

export interface LabHost {
  /** Inventory name, also the host's `uname -n`. */
  name: string;
  address: string;
  port: number;
  /** The host's sshd listener (all its sessions run in the listener's mount namespace). */
  pid: number;
}

/** lab.json: what `stop`, `status` and other processes need to find a running lab. */
export interface LabState {
  version: 1;
  name: string;
  dir: string;
  subnet: number;
  startedAt: string;
  /** The process the sshds die with (library use); absent for detached labs (`lab up`). */
  ownerPid?: number;
  inventoryFile: string;
  keyFile: string;
  knownHostsFile: string;
  hosts: LabHost[];
}

export const STATE_FILE = 'lab.json';

/**
 * Where labs live: `$FLEET_LAB_DIR`, else `<repo>/.lab` (gitignored), else `/var/lib/fleet-lab`
 * when the repo itself lies under /tmp or /root, which every lab host hides behind its own tmpfs.
 */
export function labsRoot(): string {
  if (process.env.FLEET_LAB_DIR) return resolve(process.env.FLEET_LAB_DIR);
  const inRepo = join(repoRoot, '.lab');
  return /^\/(tmp|root)(\/|$)/.test(inRepo) ? '/var/lib/fleet-lab' : inRepo;
}

export function defaultLabDir(name: string): string {
  return join(labsRoot(), name);
}

export function readLabState(dir: string): LabState | undefined {
  const file = join(dir, STATE_FILE);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as LabState;
}

export function writeLabState(state: LabState): void {
  const file = join(state.dir, STATE_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** Listener pids of `state` still running (pid not reused: its command line names this lab's config). */
export function livePids(state: LabState): number[] {
  return state.hosts.filter((h) => commandOf(h.pid)?.includes(join(state.dir, 'hosts', h.name, 'sshd_config'))).map((h) => h.pid);
}

/** True when `dir` holds a lab with at least one sshd still running. */
export function labIsLive(dir: string): boolean {
  try {
    const state = readLabState(dir);
    return state !== undefined && livePids(state).length > 0;
  } catch {
    return false;
  }
}

/** Labs under `labsRoot()` whose state file exists, with how many of their sshds are alive. */
export function listLabs(): { state: LabState; alive: number }[] {
  const root = labsRoot();
  if (!existsSync(root)) return [];
  const labs: { state: LabState; alive: number }[] = [];
  for (const entry of readdirSync(root)) {
    try {
      const state = readLabState(join(root, entry));
      if (state) labs.push({ state, alive: livePids(state).length });
    } catch {
      // not a lab
    }
  }
  return labs;
}
