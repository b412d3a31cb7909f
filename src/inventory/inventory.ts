/**
 * The resolved Inventory: HostSpecs in inventory order and groups with their (transitive)
 * members, built from merged definitions.
 */
import path from 'node:path';
import { FleetError } from '../errors.js';
import type { HostSpec } from './host-spec.js';
import type { MergedModel } from './merge.js';
import { resolveGroups } from './resolve-groups.js';
import { buildHostSpec, LayerBases } from './resolve-host.js';
import type { AppliedGroup, ResolveOptions } from './resolve-host.js';

/** A group of the resolved inventory. */
export interface InventoryGroup {
  name: string;
  /** Every host of the group, direct or through children, in inventory order. */
  hosts: string[];
  /** Direct child groups, as written. */
  children: string[];
  vars: Record<string, unknown>;
  labels: Record<string, string>;
}

/** A loaded inventory: what `-l` selects from and what `fleet hosts` shows. */
export interface Inventory {
  /** Every host, in inventory order (first definition wins the position). */
  hosts: HostSpec[];
  groups: Map<string, InventoryGroup>;
  /** Files loaded, in order (empty for ad-hoc `-H` inventories). */
  files: string[];
}

/** Resolves merged definitions into an Inventory. */
export function buildInventory(merged: MergedModel, files: readonly string[], opts: ResolveOptions): Inventory {
  const resolved = resolveGroups(merged.hosts, merged.groups);
  const applied: AppliedGroup[][] = merged.hosts.map(() => []);
  const groups = new Map<string, InventoryGroup>();
  for (const g of resolved) {
    const applies: AppliedGroup = { name: g.def.name, layer: g.def.layer, source: `group:${g.def.name}` };
    const members = [...g.members];
    // Members usually arrive in inventory order already; sorting 10,000 of them is not free.
    if (!isAscending(members)) members.sort((a, b) => a - b);
    for (const i of members) applied[i]?.push(applies);
    groups.set(g.def.name, {
      name: g.def.name,
      hosts: members.map((i) => merged.hosts[i]?.name ?? ''),
      children: [...new Set(g.def.children.map((c) => c.name))],
      vars: g.def.layer.vars,
      labels: g.def.layer.labels,
    });
  }
  const resolveOpts = { ...opts, defaultKnownHosts: opts.defaultKnownHosts ?? [path.join(opts.home, '.ssh', 'known_hosts')] };
  const bases = new LayerBases();
  const hosts = merged.hosts.map((def, i) => buildHostSpec(def, applied[i] ?? [], resolveOpts, bases));
  return { hosts, groups, files: [...files] };
}

/**
 * Wraps ready HostSpecs (e.g. from `-H`, or an inventory's hosts plus `-H` hosts) as an
 * Inventory; groups come from each host's `groups`. A name given twice keeps its first spec,
 * unless the later one sets a different user or port on the command line.
 * @throws FleetError FLEET_USAGE for such a conflict.
 */
export function inventoryFromHosts(specs: readonly HostSpec[]): Inventory {
  const byName = new Map<string, HostSpec>();
  for (const h of specs) {
    const first = byName.get(h.name);
    if (!first) {
      byName.set(h.name, h);
      continue;
    }
    for (const key of ['user', 'port'] as const) {
      if (h.sources?.[key] === 'cli' && h[key] !== first[key]) {
        throw new FleetError('FLEET_USAGE', `host "${h.name}" is given twice with different ${key}s`, {
          host: h.name,
          details: { [key]: [first[key], h[key]] },
        });
      }
    }
  }
  const hosts = [...byName.values()];
  const groups = new Map<string, InventoryGroup>();
  for (const h of hosts) {
    for (const name of h.groups) {
      let g = groups.get(name);
      if (!g) groups.set(name, (g = { name, hosts: [], children: [], vars: {}, labels: {} }));
      g.hosts.push(h.name);
    }
  }
  return { hosts, groups, files: [] };
}

function isAscending(values: readonly number[]): boolean {
  for (let i = 1; i < values.length; i++) if ((values[i] ?? 0) < (values[i - 1] ?? 0)) return false;
  return true;
}
