import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { waitForSshBanner } from '../setup/banner.js';
import { writeInventoryFile } from '../setup/inventory-file.js';
import { copyFixtureKey, fixturePublicKey } from '../setup/keys.js';
import { mapLimit } from '../setup/map-limit.js';
import { labAddress, labHostName, MAX_LAB_HOSTS, releaseSubnet, reserveSubnet } from './addresses.js';
import { generateEd25519 } from './host-key.js';
import { logTail, SSHD, spawnLabHost, type SpawnedHost } from './host-process.js';
import { isAlive, listProcesses, mountNamespaceOf, signal, waitForExit } from './processes.js';
import { labSshdConfig } from './sshd-config.js';
import { defaultLabDir, labIsLive, livePids, readLabState, stateDirProblem, writeLabState, type LabHost, type LabState } from './state.js';

export type { LabHost } from './state.js';

export interface Lab {
  name: string;
  dir: string;
  /** fleet inventory: defaults {user: root, key, known_hosts}, hosts lab001.. with `host: 127.S.x.y`. */
  inventoryFile: string;
  /** Client key (a 0600 copy of test/fixtures/keys/id_ed25519); every fixture client key is authorized. */
  keyFile: string;
  /** One plain line per host: `127.S.x.y ssh-ed25519 AAAA…` (port 22, so no brackets). */
  knownHostsFile: string;
  hosts: LabHost[];
  /** Kill every process of every host (sshd and whatever runs in its sessions), then remove `dir`. */
  stop(): Promise<void>;
}

export interface StartLabOptions {
  hosts: number;
  /** Default "default"; the state dir is `$FLEET_LAB_DIR/<name>` or `<repo>/.lab/<name>`. */
  name?: string;
  dir?: string;
  /** sshd_config keywords that override the lab defaults (sshd-config.ts). */
  sshdOptions?: Record<string, string>;
  /** Second octet of the lab's 127.S.0.0/16 block; default: the first free one from 20. */
  subnet?: number;
  /** Start sshds in their own sessions, not tied to this process (`lab up`). Default false. */
  detached?: boolean;
  /** Hosts starting at once (default 100). */
  concurrency?: number;
  /** Per-host readiness deadline (default 30 s). */
  timeoutMs?: number;
}

const CLIENT_KEYS = ['id_ed25519', 'id_rsa', 'id_ed25519_encrypted'] as const;

/** Start `hosts` sshd processes on 127.S.x.y:22; resolves when every one has sent its banner. */
export async function startLab(options: StartLabOptions): Promise<Lab> {
  assertCanRunLab();
  const name = options.name ?? 'default';
  const dir = resolve(options.dir ?? defaultLabDir(name));
  const count = options.hosts;
  if (!Number.isInteger(count) || count < 1 || count > MAX_LAB_HOSTS) throw new RangeError(`lab hosts must be 1..${MAX_LAB_HOSTS}`);
  await clearStaleLab(dir);
  assertSafeStateDir(dir);

  const subnet = await reserveSubnet(dir, labIsLive, options.subnet);
  mkdirSync(join(dir, 'hosts'), { recursive: true, mode: 0o700 });
  const keyFile = copyFixtureKey('id_ed25519', join(dir, 'id_ed25519'));
  const authorizedKeys = join(dir, 'authorized_keys');
  writeFileSync(authorizedKeys, `${CLIENT_KEYS.map((k) => fixturePublicKey(k)).join('\n')}\n`, { mode: 0o600 });
  const sshdOptions = { ...(rootPasswordLocked() ? { UsePAM: 'yes' } : {}), ...options.sshdOptions };

  const detached = options.detached ?? false;
  const spawned = new Map<string, SpawnedHost>();
  // Best effort when the owner forgets stop() or dies on an exception: no sshd outlives us.
  const onExit = (): void => spawned.forEach((s) => signal(s.pid, 'SIGKILL'));
  if (!detached) process.once('exit', onExit);
  const hostLines: string[] = [];
  const start = async (index: number): Promise<LabHost> => {
    const host = labHostName(index, count);
    const address = labAddress(subnet, index);
    const hostDir = join(dir, 'hosts', host);
    mkdirSync(hostDir, { recursive: true, mode: 0o700 });
    const key = generateEd25519(`root@${host}`);
    writeFileSync(join(hostDir, 'ssh_host_ed25519_key'), key.privateKey, { mode: 0o600 });
    hostLines[index] = `${address} ${key.publicKey}`;
    const config = join(hostDir, 'sshd_config');
    const pidFile = join(hostDir, 'sshd.pid');
    const hostKeyFile = join(hostDir, 'ssh_host_ed25519_key');
    writeFileSync(config, labSshdConfig({ address, port: 22, hostKeyFile, pidFile, authorizedKeysFile: authorizedKeys, options: sshdOptions }));
    const logFile = join(hostDir, 'sshd.log');
    const child = spawnLabHost(host, config, logFile, detached);
    spawned.set(host, child);
    await waitForSshBanner(address, 22, {
      timeoutMs: options.timeoutMs ?? 30_000,
      check: () => {
        if (child.exited()) throw new Error(`lab host ${host} (${address}) exited while starting:\n${logTail(logFile)}`);
      },
    });
    return { name: host, address, port: 22, pid: child.pid };
  };

  let hosts: LabHost[];
  try {
    hosts = await mapLimit(
      Array.from({ length: count }, (_, i) => i),
      options.concurrency ?? 100,
      start,
    );
  } catch (err) {
    process.removeListener('exit', onExit);
    await killHosts([...spawned.values()].map((s) => s.pid));
    rmSync(dir, { recursive: true, force: true });
    releaseSubnet(subnet, dir);
    throw err;
  }

  const knownHostsFile = join(dir, 'known_hosts');
  writeFileSync(knownHostsFile, `${hostLines.join('\n')}\n`, { mode: 0o600 });
  const inventoryFile = join(dir, 'inventory.yaml');
  writeInventoryFile(
    inventoryFile,
    { user: 'root', key: keyFile, known_hosts: knownHostsFile },
    new Map(hosts.map((h) => [h.name, { host: h.address }])),
  );
  const startedAt = new Date().toISOString();
  const state: LabState = { version: 1, name, dir, subnet, startedAt, ...(detached ? {} : { ownerPid: process.pid }), inventoryFile, keyFile, knownHostsFile, hosts };
  writeLabState(state);
  const lab = labFromState(state);
  if (!detached) {
    lab.stop = async () => {
      process.removeListener('exit', onExit);
      await stopLab(dir);
    };
  }
  return lab;
}

/** Stop the lab whose state is in `dir` (any process may call it). No lab there: nothing to do. */
export async function stopLab(dir: string): Promise<void> {
  const state = readLabState(resolve(dir));
  if (state === undefined) return;
  await killHosts(livePids(state));
  rmSync(state.dir, { recursive: true, force: true });
  releaseSubnet(state.subnet, state.dir);
}

/** The Lab described by `dir/lab.json`, e.g. one started by `npm run lab -- up`. */
export function loadLab(dir: string): Lab | undefined {
  const state = readLabState(resolve(dir));
  return state && labFromState(state);
}

export interface LabProcess {
  host: string;
  pid: number;
  command: string;
}

/**
 * Processes running "on" lab hosts (in a host's mount namespace), the sshd listeners left out:
 * sessions, their shells and commands, orphans included. Shared PID namespace, so kill tests
 * can prove a remote process is gone. `pattern` filters the command line (like `pgrep -f`).
 */
export function labProcesses(lab: Pick<Lab, 'hosts'>, filter: { host?: string; pattern?: string | RegExp } = {}): LabProcess[] {
  const byNs = new Map<string, LabHost>();
  for (const h of lab.hosts) {
    if (filter.host !== undefined && h.name !== filter.host) continue;
    const ns = mountNamespaceOf(h.pid);
    if (ns !== undefined) byNs.set(ns, h);
  }
  const listeners = new Set(lab.hosts.map((h) => h.pid));
  const matches = (command: string): boolean =>
    filter.pattern === undefined ||
    (typeof filter.pattern === 'string' ? command.includes(filter.pattern) : filter.pattern.test(command));
  return listProcesses().flatMap((p) => {
    const host = byNs.get(p.mountNs);
    if (host === undefined || listeners.has(p.pid) || !matches(p.command)) return [];
    return [{ host: host.name, pid: p.pid, command: p.command }];
  });
}

/** The sshd listener pids of a lab. */
export function sshdPids(lab: Pick<Lab, 'hosts'>): number[] {
  return lab.hosts.map((h) => h.pid);
}

function labFromState(state: LabState): Lab {
  const { name, dir, inventoryFile, keyFile, knownHostsFile, hosts } = state;
  return { name, dir, inventoryFile, keyFile, knownHostsFile, hosts, stop: () => stopLab(dir) };
}

/** SIGTERM the listeners, SIGKILL everything else in their mount namespaces, wait for all to exit. */
async function killHosts(listenerPids: readonly number[]): Promise<void> {
  const namespaces = new Set(listenerPids.map(mountNamespaceOf).filter((ns): ns is string => ns !== undefined));
  namespaces.delete(mountNamespaceOf(process.pid) ?? '');
  const listeners = new Set(listenerPids);
  const members = listProcesses().filter((p) => namespaces.has(p.mountNs) && !listeners.has(p.pid)).map((p) => p.pid);
  for (const pid of listenerPids) signal(pid, 'SIGTERM');
  for (const pid of members) signal(pid, 'SIGKILL');
  await waitForExit([...listenerPids, ...members]);
}

async function clearStaleLab(dir: string): Promise<void> {
  const state = readLabState(dir);
  if (state === undefined) {
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  const alive = livePids(state);
  const orphaned = state.ownerPid !== undefined && !isAlive(state.ownerPid);
  if (alive.length > 0 && !orphaned) {
    throw new Error(`lab "${state.name}" is already running in ${dir} (${alive.length} hosts): stop it first (npm run lab -- down --name ${state.name})`);
  }
  await stopLab(dir); // nothing left, or left behind by a process that died without stop()
}

function assertCanRunLab(): void {
  if (process.getuid?.() !== 0) {
    throw new Error('the sshd lab must run as root (sshd listens on port 22; unshare and mount need CAP_SYS_ADMIN): use sudo');
  }
  if (!existsSync(SSHD)) throw new Error(`${SSHD} not found: apt-get install -y openssh-server`);
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege-separation dir
}

function assertSafeStateDir(dir: string): void {
  const problem = stateDirProblem(dir);
  if (problem !== undefined) throw new Error(problem);
}

/** With UsePAM no, OpenSSH refuses every login to an account whose password starts with '!'. */
function rootPasswordLocked(): boolean {
  try {
    return /^root:!/m.test(readFileSync('/etc/shadow', 'utf8'));
  } catch {
    return false;
  }
}

/** "Accepted publickey" lines in each lab host's sshd log, in host order: one per authenticated connection so far. */
export function acceptedLogins(lab: Pick<Lab, 'dir' | 'hosts'>): number[] {
  return lab.hosts.map((h) => readFileSync(join(lab.dir, 'hosts', h.name, 'sshd.log'), 'utf8').split('Accepted publickey').length - 1);
}
