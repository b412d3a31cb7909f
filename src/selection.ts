import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FleetError } from './errors.js';
import {
  applyOverrides,
  inventoryFromHosts,
  loadInventory,
  loadSshConfig,
  parseAdHocHosts,
  resolveInventoryPaths,
  selectHosts,
  type HostOverrides,
  type HostSpec,
  type Inventory,
} from './inventory/index.js';

/** Where the hosts of a run come from: what `-i`, `-H`, `-l` and the override flags say. */
export interface HostSelectionOptions {
  /** Inventory files (`-i`); when empty and no ad-hoc hosts, the default places are searched. */
  inventoryFiles?: readonly string[];
  /** Ad-hoc hosts (`-H a,b,user@c:2222`); used instead of an inventory. */
  adHoc?: string;
  /** Host pattern (`-l`). */
  limit?: string;
  /** ssh_config file; `false` for none; default `~/.ssh/config` when it exists. */
  sshConfig?: string | false;
  /** Command-line settings, the top precedence layer. */
  overrides?: HostOverrides;
  env?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
  home?: string;
}

/**
 * Resolves the selected hosts, in inventory order, with every setting applied. Throws (before
 * any connection) FLEET_INVENTORY_* and FLEET_SELECTOR_* errors, which the CLI maps to exit 2.
 */
export async function resolveHostSelection(opts: HostSelectionOptions): Promise<HostSpec[]> {
  const home = opts.home ?? os.homedir();
  const inventory = await loadSelectionInventory(opts, home);
  const selected = selectHosts(inventory, opts.limit);
  return opts.overrides ? applyOverrides(selected, opts.overrides, { home }) : selected;
}

async function loadSelectionInventory(given: HostSelectionOptions, home: string): Promise<Inventory> {
  const opts = given.adHoc?.startsWith('@') ? { ...given, adHoc: await readHostsArgument(given.adHoc.slice(1), given.cwd ?? process.cwd()) } : given;
  const files = opts.inventoryFiles ?? [];
  if (opts.adHoc !== undefined && files.length === 0) {
    const sshConfig = opts.sshConfig === false ? undefined : await loadSshConfig({ home, ...(opts.sshConfig && { file: opts.sshConfig }) });
    return inventoryFromHosts(parseAdHocHosts(opts.adHoc, { home, ...(sshConfig && { sshConfig }) }));
  }
  const paths = resolveInventoryPaths(files, opts.env ?? {}, opts.cwd ?? process.cwd(), home);
  const inventory = await loadInventory(paths, { home, ...(opts.sshConfig !== undefined && { sshConfig: opts.sshConfig }) });
  if (opts.adHoc === undefined) return inventory;
  // Both given: ad-hoc hosts join the inventory's (a name in both must agree, as across files).
  return inventoryFromHosts([...inventory.hosts, ...parseAdHocHosts(opts.adHoc, { home })]);
}

/**
 * `-H @FILE`: the hosts named in FILE, one or more per line (`[user@]host[:port]`, as `-H`
 * takes them); blank lines and `#` comments are skipped, so a rerun file (`fleet report
 * --hosts-file`, the last-failed file) reads as it is.
 */
async function readHostsArgument(file: string, cwd: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path.resolve(cwd, file), 'utf8');
  } catch (error) {
    throw new FleetError('FLEET_USAGE', `-H @${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`, {}, { cause: error });
  }
  const hosts = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (hosts.length === 0) throw new FleetError('FLEET_SELECTOR_EMPTY', `-H @${file}: the file names no hosts`);
  return hosts.join(',');
}
