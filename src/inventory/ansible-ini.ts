/**
 * Ansible INI inventories, read the way Ansible's `ini` plugin does:
 *
 *   host1 ansible_host=10.0.0.1      # hosts before any section belong to no group
 *   [web]                            # a group; host lines may carry key=value vars
 *   web[01:20].example.com:2222 ansible_user=deploy
 *   [prod:children]                  # child group names, one per line
 *   web
 *   [prod:vars]                      # key=value per line, for every host of the group
 *   env=prod
 *   [all:vars]                       # becomes this file's defaults
 *
 * Values follow Ansible's INI typing: integers, floats, True/False, quoted strings.
 */
import path from 'node:path';
import { InventoryError } from '../errors.js';
import type { InventoryLocation } from '../errors.js';
import { parseHostToken } from './address.js';
import { layerFromAnsibleVars } from './ansible-vars.js';
import { expandHostlist } from './hostlist.js';
import { emptyLayer } from './model.js';
import type { GroupDef, HostDef, LoaderOptions, SourceModel } from './model.js';

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:[#;].*)?$/;

interface PendingVars {
  vars: Record<string, unknown>;
  lines: Record<string, number>;
}

/** Parses an Ansible INI inventory. Errors carry the file and line. */
export function parseAnsibleIni(text: string, file: string, opts: LoaderOptions): SourceModel {
  const baseDir = path.dirname(file);
  const defaults = emptyLayer();
  const hosts: HostDef[] = [];
  const groups = new Map<string, GroupDef>();
  const groupVars = new Map<string, PendingVars>();
  let section: { name: string; kind: 'hosts' | 'vars' | 'children' } = { name: 'all', kind: 'hosts' };

  const groupFor = (name: string, loc: InventoryLocation): GroupDef => {
    let g = groups.get(name);
    if (!g) groups.set(name, (g = { name, members: [], children: [], layer: emptyLayer(), loc }));
    return g;
  };
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const loc: InventoryLocation = { file, line: i + 1, column: raw.indexOf(line) + 1 };
    const fail = (message: string, cause?: unknown): never => {
      throw new InventoryError('FLEET_INVENTORY_INVALID', message, loc, cause === undefined ? undefined : { cause });
    };
    if (line.startsWith('[')) {
      const m = SECTION.exec(line);
      if (!m) return fail(`invalid section header "${line}"`);
      const kind = m[2] ?? 'hosts';
      if (kind !== 'hosts' && kind !== 'vars' && kind !== 'children') {
        return fail(`unknown section type ":${kind}" (expected :vars or :children)`);
      }
      section = { name: m[1] ?? '', kind };
      if (section.name !== 'all') groupFor(section.name, { ...loc, path: section.name });
      return;
    }
    if (section.kind === 'children') {
      if (/\s/.test(line)) return fail(`expected one group name per line in [${section.name}:children]`);
      groupFor(line, loc);
      if (section.name !== 'all') groupFor(section.name, loc).children.push({ name: line, loc });
      return;
    }
    if (section.kind === 'vars') {
      const eq = line.indexOf('=');
      if (eq <= 0) return fail(`expected key=value in [${section.name}:vars]`);
      const key = line.slice(0, eq).trim();
      let pending = groupVars.get(section.name);
      if (!pending) groupVars.set(section.name, (pending = { vars: {}, lines: {} }));
      pending.vars[key] = parseIniValue(line.slice(eq + 1).trim());
      pending.lines[key] = i + 1;
      return;
    }
    const tokens = splitShellWords(line);
    const [first = '', ...rest] = tokens;
    const vars: Record<string, unknown> = {};
    for (const t of rest) {
      const eq = t.indexOf('=');
      if (eq <= 0) return fail(`expected key=value host variable, got "${t}"`);
      vars[t.slice(0, eq)] = parseIniValue(t.slice(eq + 1), true);
    }
    let names: string[];
    let port: number | undefined;
    try {
      const token = parseHostToken(first);
      if (token.user !== undefined) return fail(`"user@host" is not Ansible INI syntax; use ansible_user=`);
      port = token.port;
      names = expandHostlist(token.host);
    } catch (err) {
      if (err instanceof InventoryError) throw err;
      return fail(err instanceof Error ? err.message : String(err), err);
    }
    const own = layerFromAnsibleVars(vars, { home: opts.home, baseDir, fail: (key, message) => fail(`${key}: ${message}`) });
    if (port !== undefined) own.settings.port = port;
    const group = section.name === 'all' ? undefined : groupFor(section.name, loc);
    for (const name of names) {
      hosts.push({ name, own: { settings: { ...own.settings }, labels: {}, vars: { ...own.vars } }, defaults, loc });
      group?.members.push({ pattern: name, loc });
    }
  });

  for (const [name, pending] of groupVars) {
    const fail = (key: string, message: string): never => {
      throw new InventoryError('FLEET_INVENTORY_INVALID', `${key}: ${message}`, { file, line: pending.lines[key], path: `${name}:vars.${key}` });
    };
    const layer = layerFromAnsibleVars(pending.vars, { home: opts.home, baseDir, fail });
    if (name === 'all') Object.assign(defaults, layer);
    else groupFor(name, { file, line: Object.values(pending.lines)[0] }).layer = layer;
  }
  return { file, format: 'ansible-ini', hosts, groups: [...groups.values()] };
}

/**
 * Ansible's INI value typing (its `_parse_value` uses Python's literal_eval): numbers and
 * True/False become typed, quotes are removed, anything else stays a string. Host-line tokens
 * have had their quotes removed by the word splitter already, hence `unquoted`.
 */
export function parseIniValue(raw: string, unquoted = false): unknown {
  if (!unquoted) {
    const q = /^(['"])(.*)\1$/.exec(raw);
    if (q) return q[2];
  }
  if (/^-?\d+$/.test(raw)) return Number(raw);
  if (/^-?\d*\.\d+$/.test(raw)) return Number(raw);
  if (raw === 'True' || raw === 'False') return raw === 'True';
  return raw;
}

/** shlex-style words: quotes group, backslash escapes, an unquoted `#` at a word start ends the line. */
export function splitShellWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] ?? '';
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else if (c === '#' && !inWord) {
      break;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}
