/**
 * Merging loaded files (and repeated definitions inside one file) into one model. A host or
 * group defined more than once is fine as long as no setting, label or var gets two different
 * values; the second definition is then only a refinement. A real conflict is an error located
 * at the second definition, naming the first.
 */
import { InventoryError } from '../errors.js';
import type { InventoryLocation } from '../errors.js';
import { SETTING_NAMES, sameValue } from './model.js';
import type { GroupDef, HostDef, Layer, SourceModel } from './model.js';

/** All files' hosts (first-definition order) and groups (by name). */
export interface MergedModel {
  hosts: HostDef[];
  groups: Map<string, GroupDef>;
}

/** Merges loader outputs in the order given. */
export function mergeSources(sources: readonly SourceModel[]): MergedModel {
  const hosts = new Map<string, HostDef>();
  const groups = new Map<string, GroupDef>();
  for (const source of sources) {
    for (const def of source.hosts) {
      const first = hosts.get(def.name);
      hosts.set(def.name, first ? mergeHost(first, def) : def);
    }
    for (const def of source.groups) {
      const first = groups.get(def.name);
      groups.set(def.name, first ? mergeGroup(first, def) : def);
    }
  }
  return { hosts: [...hosts.values()], groups };
}

function mergeHost(first: HostDef, second: HostDef): HostDef {
  const conflict = findConflict(effective(first), effective(second));
  if (conflict) {
    throw new InventoryError(
      'FLEET_INVENTORY_INVALID',
      `host "${second.name}" is defined again with a different ${conflict.what} ` +
        `(${show(conflict.b)} here, ${show(conflict.a)} at ${where(first.loc)})`,
      second.loc,
    );
  }
  return { ...first, own: union(first.own, second.own), defaults: union(first.defaults, second.defaults) };
}

function mergeGroup(first: GroupDef, second: GroupDef): GroupDef {
  const conflict = findConflict(first.layer, second.layer);
  if (conflict) {
    throw new InventoryError(
      'FLEET_INVENTORY_INVALID',
      `group "${second.name}" is defined again with a different ${conflict.what} ` +
        `(${show(conflict.b)} here, ${show(conflict.a)} at ${where(first.loc)})`,
      second.loc,
    );
  }
  return {
    ...first,
    members: [...first.members, ...second.members],
    children: [...first.children, ...second.children],
    layer: union(first.layer, second.layer),
  };
}

/** What a definition amounts to: its own values over its file's defaults. */
function effective(def: HostDef): Layer {
  return {
    settings: { ...def.defaults.settings, ...def.own.settings },
    labels: { ...def.defaults.labels, ...def.own.labels },
    vars: { ...def.defaults.vars, ...def.own.vars },
  };
}

interface Conflict {
  what: string;
  a: unknown;
  b: unknown;
}

function findConflict(a: Layer, b: Layer): Conflict | undefined {
  for (const k of SETTING_NAMES) {
    const va = a.settings[k];
    const vb = b.settings[k];
    if (va !== undefined && vb !== undefined && !sameValue(va, vb)) return { what: `"${k}"`, a: va, b: vb };
  }
  for (const [kind, ma, mb] of [['label', a.labels, b.labels], ['var', a.vars, b.vars]] as const) {
    for (const [k, vb] of Object.entries(mb)) {
      if (Object.hasOwn(ma, k) && !sameValue(ma[k], vb)) return { what: `${kind} "${k}"`, a: ma[k], b: vb };
    }
  }
  return undefined;
}

function union(a: Layer, b: Layer): Layer {
  return {
    settings: { ...b.settings, ...a.settings },
    labels: { ...b.labels, ...a.labels },
    vars: { ...b.vars, ...a.vars },
  };
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/** `file:line` for messages. */
export function where(loc: InventoryLocation): string {
  return loc.line === undefined ? loc.file : `${loc.file}:${loc.line}`;
}
