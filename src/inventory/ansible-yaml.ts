/**
 * Ansible YAML inventories: `all: {hosts, children, vars}`, groups nested under `children` to
 * any depth, host entries `name[:port]: {vars}` with ranges. `all.vars` becomes the file's
 * defaults; a group met twice in the tree is merged like the same group in two files.
 */
import path from 'node:path';
import { InventoryError } from '../errors.js';
import { parseHostToken } from './address.js';
import { layerFromAnsibleVars } from './ansible-vars.js';
import { expandHostlist } from './hostlist.js';
import { emptyLayer } from './model.js';
import type { GroupDef, Layer, LoaderOptions, SourceModel } from './model.js';
import { checkKeys, isPlainObject } from './settings-schema.js';
import type { SchemaContext } from './settings-schema.js';
import type { YamlPath, YamlSource } from './yaml-source.js';

const GROUP_KEYS = ['hosts', 'children', 'vars'] as const;
const FLEET_KEYS = ['defaults', 'hosts', 'groups'];
const MAX_DEPTH = 64;

/** True when YAML data looks like an Ansible inventory rather than a fleet one. */
export function isAnsibleYamlData(data: unknown): boolean {
  if (!isPlainObject(data)) return false;
  if ('all' in data) return true;
  const keys = Object.keys(data);
  if (keys.length === 0 || keys.some((k) => FLEET_KEYS.includes(k))) return false;
  return Object.values(data).every(
    (v) => v === null || (isPlainObject(v) && Object.keys(v).every((k) => (GROUP_KEYS as readonly string[]).includes(k))),
  );
}

/** Converts an Ansible YAML inventory into the fleet model. */
export function ansibleYamlFromSource(src: YamlSource, opts: LoaderOptions): SourceModel {
  const ctx: SchemaContext = { src, home: opts.home, baseDir: path.dirname(src.file) };
  const model: SourceModel = { file: src.file, format: 'ansible-yaml', hosts: [], groups: [] };
  const defaults = emptyLayer();
  const stack = new Set<object>();

  const readGroup = (name: string, raw: unknown, at: YamlPath, parent: GroupDef | undefined, depth: number): void => {
    if (depth > MAX_DEPTH || (typeof raw === 'object' && raw !== null && stack.has(raw))) {
      src.fail(at, 'groups nest too deeply (recursive YAML alias?)', 'key');
    }
    if (raw !== null && !isPlainObject(raw)) src.fail(at, 'a group must be a mapping with hosts, children or vars');
    const def = raw ?? {};
    checkKeys(ctx, def, at, GROUP_KEYS);
    stack.add(def);
    const isAll = name === 'all';
    const loc = src.locate(at, 'key');
    const group: GroupDef = { name, members: [], children: [], layer: emptyLayer(), loc };
    if (!isAll) model.groups.push(group);
    if (parent && !isAll) parent.children.push({ name, loc });
    const layer = readVars(def['vars'], [...at, 'vars']);
    if (isAll) Object.assign(defaults, layer);
    else group.layer = layer;
    readHosts(def['hosts'], [...at, 'hosts'], isAll ? undefined : group);
    const children = def['children'];
    if (children !== undefined && children !== null) {
      if (!isPlainObject(children)) src.fail([...at, 'children'], '"children" must be a mapping of group names');
      for (const [child, sub] of Object.entries(children)) {
        readGroup(child, sub, [...at, 'children', child], isAll ? undefined : group, depth + 1);
      }
    }
    stack.delete(def);
  };

  const readVars = (raw: unknown, at: YamlPath): Layer => {
    if (raw === undefined || raw === null) return emptyLayer();
    if (!isPlainObject(raw)) src.fail(at, '"vars" must be a mapping');
    return layerFromAnsibleVars(raw, { home: opts.home, baseDir: ctx.baseDir, fail: (k, m) => src.fail([...at, k], m) });
  };

  const readHosts = (raw: unknown, at: YamlPath, group: GroupDef | undefined): void => {
    if (raw === undefined || raw === null) return;
    if (!isPlainObject(raw)) src.fail(at, '"hosts" must be a mapping of host names to vars');
    for (const [key, vars] of Object.entries(raw)) {
      const hostPath = [...at, key];
      const loc = src.locate(hostPath, 'key');
      let names: string[];
      let port: number | undefined;
      try {
        const token = parseHostToken(key);
        port = token.port;
        names = expandHostlist(token.host);
      } catch (err) {
        throw new InventoryError('FLEET_INVENTORY_INVALID', err instanceof Error ? err.message : String(err), loc, { cause: err });
      }
      const own = readVars(vars, hostPath);
      if (port !== undefined) own.settings.port = port;
      for (const name of names) {
        model.hosts.push({ name, own: { settings: { ...own.settings }, labels: {}, vars: { ...own.vars } }, defaults, loc });
        group?.members.push({ pattern: name, loc });
      }
    }
  };

  const data = src.data;
  if (!isPlainObject(data)) src.fail([], 'an Ansible inventory must be a mapping of groups');
  for (const [name, raw] of Object.entries(data)) readGroup(name, raw, [name], undefined, 0);
  return model;
}

