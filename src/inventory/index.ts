/**
 * The inventory library: load fleet YAML, Ansible (INI/YAML) and plain hosts files, merge them,
 * resolve groups and precedence (command line > host > groups > defaults > ssh_config >
 * built-in), select hosts with `-l` patterns. Pure apart from reading the files it is given.
 */
import os from 'node:os';
import { buildInventory } from './inventory.js';
import type { Inventory } from './inventory.js';
import { loadInventoryFile } from './load-file.js';
import { mergeSources } from './merge.js';
import type { InventoryFormat } from './model.js';
import { currentUserName } from './paths.js';
import { loadSshConfig } from './ssh-config.js';
import type { SshConfigLookup } from './ssh-config.js';

export { describeHosts, EXPLAINED_SETTINGS, explainSettings, formatEndpoint, hostsDocument } from './describe.js';
export type { DescribeOptions, HostRow, HostSettingRow, HostsDocument, HostsDocumentHost } from './describe.js';
export type { HostSettingField, HostSpec, StrictHostKeys } from './host-spec.js';
export { expandHostlist, foldHostnames, hasHostRange } from './hostlist.js';
export { inventoryFromHosts } from './inventory.js';
export type { Inventory, InventoryGroup } from './inventory.js';
export { resolveInventoryPaths } from './inventory-paths.js';
export { MAX_INVENTORY_BYTES, sniffFormat } from './load-file.js';
export type { InventoryFormat } from './model.js';
export { applyOverrides } from './overrides.js';
export type { ApplyOverridesOptions, HostOverrides } from './overrides.js';
export { parseAdHocHosts } from './parse-ad-hoc.js';
export type { AdHocOptions } from './parse-ad-hoc.js';
export { parseSelector, selectHosts } from './select.js';
export type { SelectorTerm } from './select.js';
export { loadSshConfig, parseSshConfig } from './ssh-config.js';
export type { LoadSshConfigOptions, SshConfigLookup, SshConfigValues } from './ssh-config.js';

/** Options for loadInventory. */
export interface LoadInventoryOptions {
  /** Home directory for `~` and the default ssh_config (default os.homedir()). */
  home?: string;
  /** User when nothing else sets one (default: the local user name). */
  user?: string;
  /**
   * ssh_config to layer under the inventory: a file path, an already loaded lookup, or `false`
   * for none. Default: `~/.ssh/config` when it exists.
   */
  sshConfig?: string | false | SshConfigLookup;
  /** Parse every file as this format instead of detecting it. */
  format?: InventoryFormat;
  /** Size limit per file (default 10 MiB). */
  maxBytes?: number;
}

/**
 * Loads one or more inventory files into one Inventory. Files are read in order; hosts keep the
 * order of their first definition; a host or group defined in several places must not get two
 * different values for one setting.
 * @throws InventoryError FLEET_INVENTORY_NOT_FOUND / _PARSE / _INVALID naming file, line and key;
 *   FleetError FLEET_CONFIG_INVALID for an unreadable or invalid ssh_config.
 */
export async function loadInventory(paths: string | readonly string[], opts: LoadInventoryOptions = {}): Promise<Inventory> {
  const files = typeof paths === 'string' ? [paths] : [...paths];
  const home = opts.home ?? os.homedir();
  const localUser = currentUserName();
  const user = opts.user ?? localUser;
  const loaderOpts = { home, ...(opts.format && { format: opts.format }), ...(opts.maxBytes && { maxBytes: opts.maxBytes }) };
  const [sources, sshConfig] = await Promise.all([
    Promise.all(files.map((f) => loadInventoryFile(f, loaderOpts))),
    resolveSshConfig(opts.sshConfig, home, localUser),
  ]);
  return buildInventory(mergeSources(sources), files, { home, user, sshConfig });
}

async function resolveSshConfig(
  option: LoadInventoryOptions['sshConfig'],
  home: string,
  localUser: string,
): Promise<SshConfigLookup | undefined> {
  if (option === false) return undefined;
  if (typeof option === 'object') return option;
  return loadSshConfig({ home, localUser, ...(option !== undefined && { file: option }) });
}
