/**
 * The intermediate model every loader produces: per-file host and group definitions with their
 * source locations, before merging files and resolving groups into HostSpecs. Keeping layers
 * (defaults, groups, host) apart until the end is what lets precedence and `sources` be exact.
 */
import type { InventoryLocation } from '../errors.js';
import type { KexProfileName, StrictHostKeys } from './host-spec.js';

/** Connection settings any inventory layer may set; all optional, merged by precedence. */
export interface ConnectionSettings {
  address?: string;
  port?: number;
  user?: string;
  identityFiles?: string[];
  keyEnv?: string;
  passwordEnv?: string;
  agent?: boolean;
  knownHostsFiles?: string[];
  proxyJump?: string;
  connectTimeoutMs?: number;
  strictHostKeys?: StrictHostKeys;
  kexProfile?: KexProfileName;
  persistMs?: number;
  serverAliveIntervalMs?: number;
  serverAliveCountMax?: number;
}

/** Names of the connection settings, in a fixed order (used for merging and `sources`). */
export type SettingName = keyof ConnectionSettings;

/** Every SettingName, in display order. */
export const SETTING_NAMES: readonly SettingName[] = [
  'address',
  'port',
  'user',
  'identityFiles',
  'keyEnv',
  'passwordEnv',
  'agent',
  'knownHostsFiles',
  'proxyJump',
  'connectTimeoutMs',
  'strictHostKeys',
  'kexProfile',
  'persistMs',
  'serverAliveIntervalMs',
  'serverAliveCountMax',
];

/** One precedence layer: settings plus labels and vars (merged key by key). */
export interface Layer {
  settings: ConnectionSettings;
  labels: Record<string, string>;
  vars: Record<string, unknown>;
}

/** A host as one file defines it: its own layer and the file-level defaults under it. */
export interface HostDef {
  name: string;
  own: Layer;
  defaults: Layer;
  loc: InventoryLocation;
  /** How `sources` names the own layer: `host` for inventories, `cli` for `-H` hosts. */
  ownSource?: string;
}

/** A member entry of a group: a host name, range, glob or `~regex`, with where it was written. */
export interface MemberRef {
  pattern: string;
  loc: InventoryLocation;
}

/** A child group reference, with where it was written (for unknown-group and cycle errors). */
export interface ChildRef {
  name: string;
  loc: InventoryLocation;
}

/** A group as one file defines it. */
export interface GroupDef {
  name: string;
  members: MemberRef[];
  children: ChildRef[];
  layer: Layer;
  loc: InventoryLocation;
}

/** The formats loadInventory understands. */
export type InventoryFormat = 'fleet-yaml' | 'ansible-yaml' | 'ansible-ini' | 'hosts-file';

/** What one loader returns for one file. */
export interface SourceModel {
  file: string;
  format: InventoryFormat;
  hosts: HostDef[];
  groups: GroupDef[];
}

/** Options every loader takes. */
export interface LoaderOptions {
  /** Home directory for `~` expansion (default os.homedir()). */
  home: string;
}

/** A fresh, empty layer. */
export function emptyLayer(): Layer {
  return { settings: {}, labels: {}, vars: {} };
}

/** Structural equality for setting values and vars (plain JSON-like data). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return ka.every((k) => Object.hasOwn(rb, k) && sameValue(ra[k], rb[k]));
}
