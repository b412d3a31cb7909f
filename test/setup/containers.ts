import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StartedTestContainer } from 'testcontainers';
import { SSHD_IMAGE, buildSshdImage, ensureBaseImage, removeContainers } from './docker.js';
import { writeInventoryFile, type InventoryHost } from './inventory-file.js';
import { SshBannerWaitStrategy } from './ssh-banner-wait.js';
import { FIXTURE_KEY_PASSPHRASE, copyFixtureKey, imageKnownHostsLines, type FixtureKeyName } from './keys.js';

// Ryuk (testcontainers' reaper) is an image we cannot pull: we remove our containers ourselves.
// Set before testcontainers is first loaded, which is why it is imported dynamically below.
process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';

/**
 * Every container carries this label, so leftovers of a killed run can be found:
 * `docker rm -f $(docker ps -aq --filter label=fleet.test=sshd)` (mind other runs in progress).
 */
export const CONTAINER_LABEL = 'fleet.test';

const KEY_NAMES: readonly FixtureKeyName[] = ['id_ed25519', 'id_rsa', 'id_rsa_pem', 'id_ed25519_encrypted', 'id_ed25519_unauthorized'];

export interface SshdContainerInfo {
  /** Inventory name and the container's hostname (`uname -n`). */
  name: string;
  host: '127.0.0.1';
  /** Host port mapped to the container's 22, bound on 127.0.0.1 only. */
  port: number;
  containerId: string;
}

/** Everything a test needs to reach the containers; plain JSON (what globalSetup provides). */
export interface SshdEnvironment {
  image: string;
  /** Private directory holding the files below; removed by stop(). */
  dir: string;
  containers: SshdContainerInfo[];
  /** `[127.0.0.1]:PORT` lines (ed25519 and rsa fixed host keys) for every container. */
  knownHostsFile: string;
  /** fleet inventory: defaults {user: root, key: keys.id_ed25519, known_hosts}, hosts c1.. */
  inventoryFile: string;
  /** 0600 copies of the fixture client keys. */
  keys: Record<FixtureKeyName, string>;
  keyPassphrase: string;
  /** Password of user `tester` (password login allowed; sudo asks for it). */
  testerPassword: string;
}

export interface SshdContainers extends SshdEnvironment {
  /** Stop and remove every container by id, and remove `dir`. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartSshdContainersOptions {
  /** Image to run (default `fleet-sshd:test`). */
  image?: string;
  /** Build the base and sshd images first (default true; cheap when cached). */
  build?: boolean;
  /** Container names / hostnames (default c1..cN). */
  names?: string[];
  testerPassword?: string;
  maxSessions?: number;
  maxStartups?: string;
  /** Extra container environment. */
  env?: Record<string, string>;
  /** Per-container readiness deadline (default 60 s). */
  startupTimeoutMs?: number;
  /** tmpfs mounts, path -> mount options, e.g. `{ '/mnt/small': 'rw,size=4m' }` (a small disk to fill). */
  tmpfs?: Record<string, string>;
}

/** Start `n` sshd containers on random 127.0.0.1 ports, ready when each sends its SSH banner. */
export async function startSshdContainers(n: number, options: StartSshdContainersOptions = {}): Promise<SshdContainers> {
  const image = options.image ?? SSHD_IMAGE;
  if (options.build ?? true) {
    await ensureBaseImage();
    await buildSshdImage({ image });
  }
  const names = options.names ?? Array.from({ length: n }, (_, i) => `c${i + 1}`);
  if (names.length !== n) throw new Error(`startSshdContainers: ${n} containers but ${names.length} names`);
  const testerPassword = options.testerPassword ?? randomBytes(12).toString('base64url');
  const env: Record<string, string> = { FLEET_TESTER_PASSWORD: testerPassword, ...options.env };
  if (options.maxSessions !== undefined) env.SSHD_MAX_SESSIONS = String(options.maxSessions);
  if (options.maxStartups !== undefined) env.SSHD_MAX_STARTUPS = options.maxStartups;

  const { GenericContainer } = await import('testcontainers');
  /** Publishes 22 on 127.0.0.1 only: testcontainers' own binding listens on every address. */
  class LoopbackSshdContainer extends GenericContainer {
    protected override async beforeContainerCreated(): Promise<void> {
      this.hostConfig.PortBindings = { '22/tcp': [{ HostIp: '127.0.0.1', HostPort: '0' }] };
    }
  }
  const started: StartedTestContainer[] = [];
  const startOne = async (name: string): Promise<SshdContainerInfo> => {
    const builder = new LoopbackSshdContainer(image)
      .withHostname(name)
      // The run's id too: test/setup/hygiene.ts fails the run if one of its containers outlives it.
      .withLabels({ [CONTAINER_LABEL]: 'sshd', 'fleet.test-run': process.env['FLEET_TEST_RUN'] ?? 'none' })
      .withEnvironment(env)
      .withExposedPorts(22)
      .withWaitStrategy(new SshBannerWaitStrategy())
      .withStartupTimeout(options.startupTimeoutMs ?? 60_000);
    if (options.tmpfs) builder.withTmpFs(options.tmpfs);
    const container = await builder.start();
    started.push(container);
    const port = container.getMappedPort(22);
    return { name, host: '127.0.0.1', port, containerId: container.getId() };
  };

  let containers: SshdContainerInfo[];
  try {
    containers = await Promise.all(names.map(startOne));
  } catch (err) {
    await removeContainers(started.map((c) => c.getId()));
    throw err;
  }

  const dir = mkdtempSync(join(tmpdir(), 'fleet-sshd-'));
  const keys = Object.fromEntries(KEY_NAMES.map((k) => [k, copyFixtureKey(k, join(dir, k))])) as Record<FixtureKeyName, string>;
  const knownHostsFile = join(dir, 'known_hosts');
  writeFileSync(knownHostsFile, `${containers.flatMap((c) => imageKnownHostsLines(c.host, c.port)).join('\n')}\n`, { mode: 0o600 });
  const inventoryFile = join(dir, 'inventory.yaml');
  const hosts = new Map<string, InventoryHost>(containers.map((c) => [c.name, { host: c.host, port: c.port }]));
  writeInventoryFile(inventoryFile, { user: 'root', key: keys.id_ed25519, known_hosts: knownHostsFile }, hosts);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await Promise.allSettled(started.map((c) => c.stop({ timeout: 2_000, remove: true, removeVolumes: true })));
      await removeContainers(started.map((c) => c.getId())); // whatever stop() left behind
      rmSync(dir, { recursive: true, force: true });
    })());

  return { image, dir, containers, knownHostsFile, inventoryFile, keys, keyPassphrase: FIXTURE_KEY_PASSPHRASE, testerPassword, stop };
}

/** The plain-JSON part of a SshdContainers (drops `stop`). */
export function sshdEnvironment(containers: SshdContainers): SshdEnvironment {
  const { stop: _stop, ...env } = containers;
  return env;
}

