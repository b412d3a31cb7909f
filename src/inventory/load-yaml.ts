/**
 * The fleet YAML inventory (DESIGN §3): `defaults`, `hosts` (name or range → settings) and
 * `groups` (name → {hosts, children, vars, labels, connection keys}). Validation only; merging
 * files and resolving groups happen later, so group members may name hosts of other files.
 * A range key is a plain scalar in block style (`web[01:20]: {}`); inside a flow mapping `[`
 * opens a sequence, so write `{"web[01:20]": {}}` there.
 */
import path from 'node:path';
import { InventoryError } from '../errors.js';
import { expandHostlist } from './hostlist.js';
import { emptyLayer } from './model.js';
import type { GroupDef, HostDef, Layer, LoaderOptions, SourceModel } from './model.js';
import { CONNECTION_KEYS, checkKeys, isPlainObject, readLayer, readString } from './settings-schema.js';
import type { SchemaContext } from './settings-schema.js';
import { readYamlSource } from './yaml-source.js';
import type { YamlSource } from './yaml-source.js';

const TOP_KEYS = ['defaults', 'hosts', 'groups'] as const;
const DEFAULTS_KEYS = [...CONNECTION_KEYS, 'labels', 'vars'];
const HOST_KEYS = ['host', ...CONNECTION_KEYS, 'labels', 'vars'];
const GROUP_KEYS = ['hosts', 'children', ...CONNECTION_KEYS, 'labels', 'vars'];
/** Group names must be selectable with `-l`, so no pattern operators in them. */
const GROUP_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Parses a fleet YAML inventory text. */
export function parseFleetYaml(text: string, file: string, opts: LoaderOptions): SourceModel {
  return fleetYamlFromSource(readYamlSource(file, text), opts);
}

/** Validates an already parsed YAML source as a fleet inventory. */
export function fleetYamlFromSource(src: YamlSource, opts: LoaderOptions): SourceModel {
  const ctx: SchemaContext = { src, home: opts.home, baseDir: path.dirname(src.file) };
  const model: SourceModel = { file: src.file, format: 'fleet-yaml', hosts: [], groups: [] };
  const data = src.data ?? {};
  if (!isPlainObject(data)) src.fail([], 'an inventory must be a mapping with "defaults", "hosts" and "groups"');
  checkKeys(ctx, data, [], TOP_KEYS);

  let defaults = emptyLayer();
  const rawDefaults = data['defaults'];
  if (rawDefaults !== undefined && rawDefaults !== null) {
    if (!isPlainObject(rawDefaults)) src.fail(['defaults'], '"defaults" must be a mapping');
    checkKeys(ctx, rawDefaults, ['defaults'], DEFAULTS_KEYS);
    defaults = readLayer(ctx, rawDefaults, ['defaults'], false);
  }
  readHosts(ctx, data['hosts'], defaults, model.hosts);
  readGroups(ctx, data['groups'], model.groups);
  return model;
}

function readHosts(ctx: SchemaContext, raw: unknown, defaults: Layer, out: HostDef[]): void {
  if (raw === undefined || raw === null) return;
  if (!isPlainObject(raw)) ctx.src.fail(['hosts'], '"hosts" must be a mapping of host names to settings');
  const locations = ctx.src.locateKeys(['hosts']);
  for (const key of Object.keys(raw)) {
    const value = raw[key];
    const path = ['hosts', key];
    if (value !== null && !isPlainObject(value)) ctx.src.fail(path, 'host settings must be a mapping (or empty)');
    const settings = value ?? {};
    checkKeys(ctx, settings, path, HOST_KEYS);
    const own = readLayer(ctx, settings, path, true);
    const loc = locations.get(key) ?? ctx.src.locate(path, 'key');
    const names = expandName(ctx.src, key, path);
    // Each expanded host gets its own copy: later merging may add to one host's layer.
    if (names.length === 1) out.push({ name: names[0] ?? key, own, defaults, loc });
    else for (const name of names) out.push({ name, own: cloneLayer(own), defaults, loc });
  }
}

function readGroups(ctx: SchemaContext, raw: unknown, out: GroupDef[]): void {
  if (raw === undefined || raw === null) return;
  if (!isPlainObject(raw)) ctx.src.fail(['groups'], '"groups" must be a mapping of group names to definitions');
  for (const [name, value] of Object.entries(raw)) {
    const path = ['groups', name];
    if (!GROUP_NAME.test(name)) {
      ctx.src.fail(path, `invalid group name "${name}": use letters, digits, "_", "-" and "."`, 'key');
    }
    if (name === 'all') ctx.src.fail(path, '"all" is reserved: it always means every host', 'key');
    if (value !== null && !isPlainObject(value)) ctx.src.fail(path, 'a group must be a mapping (or empty)');
    const def = value ?? {};
    checkKeys(ctx, def, path, GROUP_KEYS);
    const group: GroupDef = {
      name,
      members: readNameList(ctx, def['hosts'], [...path, 'hosts']).map(([pattern, loc]) => ({ pattern, loc })),
      children: readNameList(ctx, def['children'], [...path, 'children']).map(([child, loc]) => ({ name: child, loc })),
      layer: readLayer(ctx, def, path, false),
      loc: ctx.src.locate(path, 'key'),
    };
    out.push(group);
  }
}

function readNameList(ctx: SchemaContext, raw: unknown, path: Array<string | number>) {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) ctx.src.fail(path, 'expected a list of names');
  return raw.map((item, i) => [readString(ctx, item, [...path, i]), ctx.src.locate([...path, i])] as const);
}

function expandName(src: YamlSource, key: string, path: string[]): string[] {
  if (key.trim() === '' || /[\s,]/.test(key)) src.fail(path, `invalid host name "${key}"`, 'key');
  try {
    return expandHostlist(key);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new InventoryError('FLEET_INVENTORY_INVALID', reason, src.locate(path, 'key'), { cause: err });
  }
}

/** A deep-enough copy: settings arrays and the label/var maps are fresh, var values shared. */
export function cloneLayer(layer: Layer): Layer {
  const settings = { ...layer.settings };
  if (settings.identityFiles) settings.identityFiles = [...settings.identityFiles];
  if (settings.knownHostsFiles) settings.knownHostsFiles = [...settings.knownHostsFiles];
  return { settings, labels: { ...layer.labels }, vars: { ...layer.vars } };
}
