/**
 * Ad-hoc hosts from `-H a,b,user@c:2222,web[01:03]`: comma- or space-separated
 * `[user@]host[:port]` tokens (commas inside range brackets belong to the range). A user or port
 * written here is a command-line setting; the rest comes from ssh_config and built-in defaults.
 */
import os from 'node:os';
import { FleetError } from '../errors.js';
import { parseHostToken } from './address.js';
import type { HostSpec } from './host-spec.js';
import { expandHostlist } from './hostlist.js';
import { emptyLayer } from './model.js';
import type { HostDef } from './model.js';
import { currentUserName } from './paths.js';
import { buildHostSpec } from './resolve-host.js';
import type { SshConfigLookup } from './ssh-config.js';

/** Options for parseAdHocHosts. */
export interface AdHocOptions {
  home?: string;
  /** User when neither the token nor ssh_config gives one (default: the local user). */
  user?: string;
  sshConfig?: SshConfigLookup;
}

/**
 * Parses `-H` values into HostSpecs, in the order written, duplicates merged.
 * @throws FleetError FLEET_USAGE for malformed tokens, bad ranges or one host given twice with
 *   different users or ports.
 */
export function parseAdHocHosts(spec: string | readonly string[], opts: AdHocOptions = {}): HostSpec[] {
  const tokens = (typeof spec === 'string' ? [spec] : spec).flatMap(splitTokens);
  if (tokens.length === 0) throw usage('-H needs at least one host', '');
  const defs = new Map<string, HostDef>();
  const defaults = emptyLayer();
  for (const token of tokens) {
    let names: string[];
    let parsed;
    try {
      parsed = parseHostToken(token);
      names = expandHostlist(parsed.host);
    } catch (err) {
      throw usage(`-H: ${(err as Error).message}`, token, err);
    }
    for (const name of names) {
      const own = emptyLayer();
      if (parsed.user !== undefined) own.settings.user = parsed.user;
      if (parsed.port !== undefined) own.settings.port = parsed.port;
      const seen = defs.get(name);
      if (!seen) {
        defs.set(name, { name, own, defaults, loc: { file: '-H' }, ownSource: 'cli' });
        continue;
      }
      // Same rule as inventories: repeating a host is fine unless a value changes.
      for (const key of ['user', 'port'] as const) {
        const before = seen.own.settings[key];
        const now = own.settings[key];
        if (before !== undefined && now !== undefined && before !== now) {
          throw usage(`-H names host "${name}" twice with different ${key}s`, token);
        }
      }
      seen.own.settings = { ...own.settings, ...seen.own.settings };
    }
  }
  const resolve = { home: opts.home ?? os.homedir(), user: opts.user ?? currentUserName(), sshConfig: opts.sshConfig };
  return [...defs.values()].map((def) => buildHostSpec(def, [], resolve));
}

function splitTokens(text: string): string[] {
  const tokens: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of text) {
    if (c === '[') depth++;
    if (c === ']') depth = Math.max(0, depth - 1);
    if ((c === ',' && depth === 0) || /\s/.test(c)) {
      if (cur !== '') tokens.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  if (cur !== '') tokens.push(cur);
  return tokens;
}

function usage(message: string, token: string, cause?: unknown): FleetError {
  return new FleetError('FLEET_USAGE', message, { details: { token } }, cause === undefined ? undefined : { cause });
}
