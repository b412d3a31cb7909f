/**
 * Plain hosts files: one `[user@]host[:port]` per line (`[::1]:2222` for IPv6 with a port),
 * `#` comments, blank lines, ranges (`web[01:20]`). The user and port written on a line are that
 * host's own settings, as if written under `hosts:` in a fleet YAML inventory.
 */
import { InventoryError } from '../errors.js';
import { parseHostToken } from './address.js';
import { expandHostlist } from './hostlist.js';
import { emptyLayer } from './model.js';
import type { HostDef, SourceModel } from './model.js';

/** Parses a plain hosts file. Errors carry the file and line. */
export function parseHostsFile(text: string, file: string): SourceModel {
  const hosts: HostDef[] = [];
  const defaults = emptyLayer();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const hash = raw.indexOf('#');
    const line = (hash === -1 ? raw : raw.slice(0, hash)).trim();
    if (line === '') return;
    const loc = { file, line: i + 1, column: raw.indexOf(line) + 1 };
    if (/\s/.test(line)) {
      throw new InventoryError('FLEET_INVENTORY_INVALID', `expected one [user@]host[:port] per line, got "${line}"`, loc);
    }
    let names: string[];
    let token;
    try {
      token = parseHostToken(line);
      names = expandHostlist(token.host);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new InventoryError('FLEET_INVENTORY_INVALID', reason, loc, { cause: err });
    }
    for (const name of names) {
      const own = emptyLayer();
      if (token.user !== undefined) own.settings.user = token.user;
      if (token.port !== undefined) own.settings.port = token.port;
      hosts.push({ name, own, defaults, loc });
    }
  });
  return { file, format: 'hosts-file', hosts, groups: [] };
}
