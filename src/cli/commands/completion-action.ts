import { loadInventory, resolveInventoryPaths } from '../../internal-light.js';
import os from 'node:os';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';

/**
 * `fleet __complete hosts`: the inventory's host names (inventory order), then its group names
 * (sorted), one per line, for
 * completion scripts. Quiet on any failure (no inventory, a broken file): a completion must
 * never print errors into the user's command line. Without -i, the inventory comes from the
 * config files and the default search, as for a run.
 */
export async function printCompletionNames(what: string, inventory: readonly string[], io: CliIo): Promise<number> {
  if (what !== 'hosts') return ExitCode.Usage;
  const home = io.env['HOME'] ?? os.homedir();
  try {
    let files = inventory;
    if (files.length === 0) {
      const { readConfig, resolveSettings } = await import('../config-settings.js');
      const setting = resolveSettings({ cli: {}, env: io.env, files: (await readConfig(io)).files }).find((s) => s.key === 'inventory');
      if (setting?.origin === 'file' && Array.isArray(setting.value)) files = setting.value;
    }
    const loaded = await loadInventory(resolveInventoryPaths(files, io.env, io.cwd, home), { home, sshConfig: false });
    // Only names a shell word can hold as it is; anything else would break the completion list.
    const names = [...loaded.hosts.map((h) => h.name), ...[...loaded.groups.keys()].sort()].filter((n) => /^[\x21-\x7e]+$/.test(n));
    io.stdout.write(names.map((n) => `${n}\n`).join(''));
    return ExitCode.Ok;
  } catch {
    return ExitCode.Usage;
  }
}
