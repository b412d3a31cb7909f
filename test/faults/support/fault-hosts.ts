/**
 * Inventories for the fault suite: lab hosts as they are, plus "hosts" that are fault endpoints
 * (a proxy in front of a lab host, a silent port, a refused port). A proxy in front of a lab host
 * presents that host's key, so known_hosts gets a `[127.0.0.1]:PORT` line with it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostSpec } from '../../../src/inventory/host-spec.js';
import type { Lab, LabHost } from '../../lab/lab.js';
import { writeInventoryFile } from '../../setup/inventory-file.js';

/** One host of a fault inventory: a name and where fleet connects for it. */
export interface FaultHost {
  name: string;
  address: string;
  port: number;
  /** The lab host whose key the endpoint presents (a forwarding proxy), if any. */
  keyOf?: LabHost | undefined;
}

/** A lab host reached directly. */
export function direct(host: LabHost, name = host.name): FaultHost {
  return { name, address: host.address, port: host.port, keyOf: host };
}

/** A fault endpoint named `name` (through a proxy when `keyOf` is the lab host behind it). */
export function endpoint(name: string, at: { host: string; port: number }, keyOf?: LabHost): FaultHost {
  return { name, address: at.host, port: at.port, keyOf };
}

/** Writes the known_hosts lines every host of `hosts` needs; returns the file. */
export function writeKnownHosts(lab: Lab, hosts: readonly FaultHost[], file = join(lab.dir, 'faults_known_hosts')): string {
  const keys = new Map<string, string>();
  for (const line of readFileSync(lab.knownHostsFile, 'utf8').split('\n')) {
    const [address, ...key] = line.trim().split(' ');
    if (address && key.length > 0) keys.set(address, key.join(' '));
  }
  const lines = hosts.flatMap((h) => {
    const key = h.keyOf && keys.get(h.keyOf.address);
    if (key === undefined) return [];
    return [`${h.port === 22 ? h.address : `[${h.address}]:${h.port}`} ${key}`];
  });
  writeFileSync(file, `${[...new Set(lines)].join('\n')}\n`, { mode: 0o600 });
  return file;
}

/** HostSpecs for the library API (`openFleet({inventory: specs})`). */
export function hostSpecs(lab: Lab, hosts: readonly FaultHost[], extra: Partial<HostSpec> = {}): HostSpec[] {
  const knownHosts = writeKnownHosts(lab, hosts);
  return hosts.map((h) => ({
    name: h.name,
    address: h.address,
    port: h.port,
    user: 'root',
    identityFiles: [lab.keyFile],
    knownHostsFiles: [knownHosts],
    labels: {},
    vars: {},
    groups: [],
    ...extra,
  }));
}

/** A fleet YAML inventory for the CLI; returns its path. */
export function writeFaultInventory(lab: Lab, hosts: readonly FaultHost[], name = 'faults.yaml'): string {
  const knownHosts = writeKnownHosts(lab, hosts);
  const file = join(lab.dir, name);
  writeInventoryFile(
    file,
    { user: 'root', key: lab.keyFile, known_hosts: knownHosts },
    new Map(hosts.map((h) => [h.name, { host: h.address, ...(h.port === 22 ? {} : { port: h.port }) }])),
  );
  return file;
}

/** A port on 127.0.0.1 that nothing listens on (refused). */
export { freePort as refusedPort } from '../../integration/connections-support.js';
