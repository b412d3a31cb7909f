import { existsSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { repoRoot } from '../setup/paths.js';
import { PRIVATE_DIRS } from './host-process.js';
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
 * when the repo's own path cannot hold a lab (see {@link stateDirProblem}), e.g. a clone under
 * /tmp or /var/tmp.
 */
export function labsRoot(): string {
  if (process.env.FLEET_LAB_DIR) return resolve(process.env.FLEET_LAB_DIR);
  const inRepo = join(repoRoot, '.lab');
  return stateDirProblem(inRepo) === undefined ? inRepo : '/var/lib/fleet-lab';
}

/**
 * Why `dir` cannot hold a lab's state, or undefined when it can. Every host has its own /tmp and
 * /root, and sshd's StrictModes refuses an AuthorizedKeysFile below a group/world-writable
 * directory (such as /var/tmp).
 */
export function stateDirProblem(dir: string): string | undefined {
  for (const hidden of PRIVATE_DIRS) {
    if (dir === hidden || dir.startsWith(`${hidden}${sep}`)) {
      return `lab dir ${dir} is under ${hidden}, which each lab host replaces with its own tmpfs: set FLEET_LAB_DIR or dir`;
    }
  }
  for (let d = dirname(dir); ; d = dirname(d)) {
    if (existsSync(d) && (statSync(d).mode & 0o022) !== 0) {
      return `lab dir ${dir}: ${d} is group/world-writable, and sshd (StrictModes) would refuse the lab's authorized_keys`;
    }
    if (d === dirname(d)) return undefined;
  }
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
