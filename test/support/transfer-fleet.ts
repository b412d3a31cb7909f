/**
 * Helpers for the transfer tests: an inventory over the integration containers plus extra ones,
 * remote commands' stdout per host, and listing a remote directory.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Fleet } from '../../src/fleet.js';
import { writeInventoryFile, type InventoryHost } from '../setup/inventory-file.js';
import type { SshdContainers, SshdEnvironment } from '../setup/containers.js';

/** One inventory (and known_hosts) over several container sets; written into `dir`. */
export function combinedInventory(dir: string, sets: readonly (SshdEnvironment | SshdContainers)[]): string {
  const first = sets[0];
  if (first === undefined) throw new Error('no containers');
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, sets.map((s) => readFileSync(s.knownHostsFile, 'utf8')).join(''), { mode: 0o600 });
  const hosts = new Map<string, InventoryHost>(sets.flatMap((s) => s.containers.map((c) => [c.name, { host: c.host, port: c.port }] as const)));
  const file = join(dir, 'inventory.yaml');
  writeInventoryFile(file, { user: 'root', key: first.keys.id_ed25519, known_hosts: knownHosts }, hosts);
  return file;
}

/** Runs `command` on the fleet's hosts (or `limit`) and returns each host's stdout; any failure throws. */
export async function stdoutByHost(fleet: Fleet, command: string, limit?: string): Promise<Record<string, string>> {
  const report = await fleet.exec(command, limit === undefined ? {} : { limit });
  const out: Record<string, string> = {};
  for (const r of report.results) {
    if (r.error || r.value.exitCode !== 0) throw new Error(`${r.host}: \`${command}\` failed: ${r.error ? r.error.message : `exit ${r.value.exitCode}: ${r.value.stderr}`}`);
    out[r.host] = r.value.stdout;
  }
  return out;
}

/** `ls -A DIR` per host, one name per entry. */
export async function remoteListing(fleet: Fleet, dir: string, limit?: string): Promise<Record<string, string[]>> {
  const out = await stdoutByHost(fleet, `ls -A ${dir}`, limit);
  return Object.fromEntries(Object.entries(out).map(([host, text]) => [host, text.split('\n').filter(Boolean).sort()]));
}
