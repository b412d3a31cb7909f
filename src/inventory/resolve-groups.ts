/**
 * Group resolution: child references checked, cycles refused, member patterns (names, ranges,
 * globs, `~regex`) matched against the merged host list, and each group's depth computed so
 * that variables layer parents before children, as Ansible does (depth, then name).
 */
import { InventoryError } from '../errors.js';
import type { InventoryLocation } from '../errors.js';
import { suggestion } from './did-you-mean.js';
import { globMatcher } from './glob.js';
import { compileHostRegex } from './host-regex.js';
import { expandHostlist, foldHostnames } from './hostlist.js';
import type { GroupDef, HostDef } from './model.js';

/** A group after resolution. */
export interface ResolvedGroup {
  def: GroupDef;
  depth: number;
  /** Host indexes of direct members and of every descendant group's members. */
  members: Set<number>;
}

/** Resolves all groups; returns them sorted by (depth, name), the layering order. */
export function resolveGroups(hosts: readonly HostDef[], groups: ReadonlyMap<string, GroupDef>): ResolvedGroup[] {
  const index = new Map<string, number>();
  hosts.forEach((h, i) => index.set(h.name, i));
  checkChildren(groups);
  const direct = new Map<string, Set<number>>();
  for (const g of groups.values()) direct.set(g.name, matchMembers(g, hosts, index));

  const parents = new Map<string, string[]>();
  for (const g of groups.values()) {
    for (const c of g.children) parents.set(c.name, [...(parents.get(c.name) ?? []), g.name]);
  }
  const depth = new Map<string, number>();
  const depthOf = (name: string): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    const d = 1 + Math.max(0, ...(parents.get(name) ?? []).map(depthOf));
    depth.set(name, d);
    return d;
  };
  const all = new Map<string, Set<number>>();
  const membersOf = (name: string): Set<number> => {
    const known = all.get(name);
    if (known) return known;
    const own = direct.get(name) ?? new Set<number>();
    const children = groups.get(name)?.children ?? [];
    // Most groups (racks, datacenters) have no children: their direct set is already complete.
    const set = children.length === 0 ? own : new Set(own);
    for (const c of children) for (const i of membersOf(c.name)) set.add(i);
    all.set(name, set);
    return set;
  };
  return [...groups.values()]
    .map((def) => ({ def, depth: depthOf(def.name), members: membersOf(def.name) }))
    .sort((a, b) => a.depth - b.depth || (a.def.name < b.def.name ? -1 : a.def.name > b.def.name ? 1 : 0));
}

function checkChildren(groups: ReadonlyMap<string, GroupDef>): void {
  for (const g of groups.values()) {
    for (const c of g.children) {
      if (!groups.has(c.name)) {
        throw new InventoryError(
          'FLEET_INVENTORY_INVALID',
          `group "${g.name}" has unknown child group "${c.name}"${suggestion(c.name, groups.keys())}`,
          c.loc,
        );
      }
    }
  }
  // Depth-first search with three colours; a grey node reached again closes a cycle.
  const colour = new Map<string, 'grey' | 'black'>();
  const visit = (name: string, trail: string[]): void => {
    colour.set(name, 'grey');
    for (const c of groups.get(name)?.children ?? []) {
      const state = colour.get(c.name);
      if (state === 'grey') {
        const cycle = [...trail.slice(trail.indexOf(c.name)), name, c.name];
        throw new InventoryError('FLEET_INVENTORY_INVALID', `group children form a cycle: ${cycle.join(' -> ')}`, c.loc);
      }
      if (state === undefined) visit(c.name, [...trail, name]);
    }
    colour.set(name, 'black');
  };
  for (const name of groups.keys()) if (!colour.has(name)) visit(name, []);
}

function matchMembers(group: GroupDef, hosts: readonly HostDef[], index: ReadonlyMap<string, number>): Set<number> {
  const set = new Set<number>();
  for (const { pattern, loc } of group.members) {
    if (pattern.startsWith('~') || /[*?]/.test(pattern)) {
      const test = compileMatcher(pattern, loc);
      let matched = false;
      hosts.forEach((h, i) => {
        if (test(h.name)) {
          set.add(i);
          matched = true;
        }
      });
      // A pattern that matches nothing is almost always a typo; an empty group is not wanted.
      if (!matched) fail(loc, `pattern "${pattern}" in group "${group.name}" matches no host`);
      continue;
    }
    let names: string[];
    try {
      names = expandHostlist(pattern);
    } catch (err) {
      throw new InventoryError('FLEET_INVENTORY_INVALID', (err as Error).message, loc, { cause: err });
    }
    const missing: string[] = [];
    for (const name of names) {
      const i = index.get(name);
      if (i === undefined) missing.push(name);
      else set.add(i);
    }
    if (missing.length > 0) {
      const first = missing[0] ?? '';
      fail(
        loc,
        `group "${group.name}" names unknown host${missing.length > 1 ? 's' : ''} ${foldHostnames(missing)}` +
          suggestion(first, index.keys()),
      );
    }
  }
  return set;
}

/** A glob (picomatch) or `~regex` (RE2, linear time; anchored at the start, like Python's re.match) matcher. */
export function compileMatcher(pattern: string, loc: InventoryLocation): (name: string) => boolean {
  if (pattern.startsWith('~')) {
    try {
      return compileHostRegex(pattern.slice(1));
    } catch (err) {
      throw new InventoryError('FLEET_INVENTORY_INVALID', `invalid regular expression "${pattern}": ${(err as Error).message}`, loc, { cause: err });
    }
  }
  try {
    return globMatcher(pattern);
  } catch (err) {
    throw new InventoryError('FLEET_INVENTORY_INVALID', `glob "${pattern}": ${(err as Error).message}`, loc, { cause: err });
  }
}

function fail(loc: InventoryLocation, message: string): never {
  throw new InventoryError('FLEET_INVENTORY_INVALID', message, loc);
}
